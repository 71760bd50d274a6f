// Shared plumbing for the pipeline-side benchmarks (scanner, pipeline, scale): settings from the
// environment, medians, the header lines every table carries, and the JSON file in bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine } from './report.mjs';

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

export class UsageError extends Error {
  exitCode = 2;
}

/** A non-negative number from the environment, or `fallback` when unset. */
export function envNumber(name, fallback, { integer = true, min = 0 } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value)))
    throw new UsageError(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${raw}`);
  return value;
}

export function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function machineLines(loadBefore, loadAfter) {
  const host = machine();
  return [
    `Machine: ${host.cpus} CPUs (${host.cpuModel}), ${host.totalMemoryGiB} GiB, Node ${host.node}, ${host.os}`,
    `Load average (1 min): ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`,
  ];
}

export function loadWarning(loadBefore, loadAfter, hint = 'or with BENCH_ROUNDS=3') {
  const cpus = machine().cpus;
  return Math.max(loadBefore, loadAfter) > cpus
    ? `Warning: the load average exceeded the ${cpus} CPUs: other work shared the machine, so the ` +
        `figures are noisy; rerun on a quiet machine${hint ? ` ${hint}` : ''}.`
    : null;
}

/** Writes bench/results/<name>-<UTC time>.json and returns its path. */
export function writeResults(name, results) {
  const date = new Date();
  const stamp = date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}-${stamp}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ benchmark: name, date: date.toISOString(), machine: machine(), ...results }, null, 2)}\n`,
  );
  return file;
}

/** Runs `fn` with a cleanup list that also runs on SIGINT/SIGTERM. */
export async function withCleanup(log, fn) {
  const cleanups = [];
  let cleaned = false;
  const cleanUp = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const each of cleanups.reverse()) await each().catch((err) => log(`cleanup: ${err.message}`));
  };
  const onSignal = (signal) => {
    log(`${signal}: cleaning up`);
    cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(cleanups);
  } finally {
    await cleanUp();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
