// The certification pipeline end to end (push → PUBLISHED) beside the scanner alone on the same
// sources, measured in one run: median latency of one submission at a time, and jobs/minute for a
// queue of submissions. The ratio is the pipeline's overhead. See bench/README.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  expectPublished,
  followEvents,
  makeServerMemorySources,
  REPO_ROOT,
  stageDurations,
  startDaemon,
  submit,
} from './lib/hub-client.mjs';
import { runIfMain } from './lib/main.mjs';
import { runNode } from './lib/processes.mjs';
import { formatNumber, formatRatio, renderTable } from './lib/report.mjs';
import {
  envNumber,
  loadWarning,
  machineLines,
  median,
  UsageError,
  withCleanup,
  writeResults,
} from './lib/summary.mjs';

export const description =
  'pipeline: push→PUBLISHED latency and jobs/minute, beside the scanner alone on the same sources';

const SCAN_MANY = fileURLToPath(new URL('./lib/scan-many.mjs', import.meta.url));
const NAME = 'bench/server-memory';
const JOB_TIMEOUT_MS = 10 * 60_000; // a hang guard, not a measurement
const log = (message) => process.stderr.write(`[bench pipeline] ${message}\n`);

function settingsFromEnv() {
  return {
    sequential: envNumber('BENCH_SEQUENTIAL', 5, { min: 1 }),
    queued: envNumber('BENCH_QUEUED', 10, { min: 1 }),
    scannerThreads: envNumber('BENCH_SCANNER_THREADS', 0),
  };
}

/** One submission at a time: push, wait for PUBLISHED, next. */
async function measureSequential(hub, events, sources, firstVersion) {
  const runs = [];
  for (let i = 0; i < sources.length; i += 1) {
    const started = performance.now();
    const job = await submit(hub, NAME, `1.0.${firstVersion + i}`, sources[i].tarball);
    const accepted = performance.now();
    const done = await expectPublished(hub, events, job.id, JOB_TIMEOUT_MS);
    runs.push({
      jobId: job.id,
      latencyMs: done.receivedAt - started,
      submitMs: accepted - started,
      stages: stageDurations(events.transitions(job.id)),
    });
    log(`  sequential ${i + 1}/${sources.length}: ${Math.round(done.receivedAt - started)} ms`);
  }
  return runs;
}

/** Every submission pushed back to back without waiting; then wait until all are PUBLISHED. */
async function measureQueued(hub, events, sources, firstVersion) {
  const started = performance.now();
  const ids = [];
  for (let i = 0; i < sources.length; i += 1)
    ids.push((await submit(hub, NAME, `1.0.${firstVersion + i}`, sources[i].tarball)).id);
  const allSubmittedMs = performance.now() - started;
  log(`  ${ids.length} submitted in ${Math.round(allSubmittedMs)} ms; waiting for PUBLISHED`);
  const done = await Promise.all(ids.map((id) => expectPublished(hub, events, id, JOB_TIMEOUT_MS)));
  const lastMs = Math.max(...done.map((t) => t.receivedAt)) - started;
  return {
    jobs: ids.length,
    allSubmittedMs,
    elapsedMs: lastMs,
    jobsPerMinute: ids.length / (lastMs / 60_000),
    latencyMs: done.map((t) => t.receivedAt - started),
  };
}

export async function run(args = []) {
  if (args.length > 0)
    throw new UsageError(`unknown argument ${JSON.stringify(args[0])} (settings are env variables)`);
  const settings = settingsFromEnv();

  return withCleanup(log, async (cleanups) => {
    const tmp = mkdtempSync(join(tmpdir(), 'mcphub-bench-pipeline-'));
    cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));
    log(`packing ${1 + settings.sequential + settings.queued} variants of server-memory`);
    const warmup = makeServerMemorySources(join(tmp, 'src'), 1, 'warmup');
    const sequential = makeServerMemorySources(join(tmp, 'src'), settings.sequential, 'seq');
    const queued = makeServerMemorySources(join(tmp, 'src'), settings.queued, 'queued');

    const loadBefore = loadavg()[0];
    const daemonArgs =
      settings.scannerThreads > 0 ? ['--scanner-threads', String(settings.scannerThreads)] : [];
    const hub = await startDaemon(join(tmp, 'home'), { args: daemonArgs });
    cleanups.push(hub.stop);
    const events = await followEvents(hub);
    cleanups.push(events.close);
    log(`daemon at ${hub.hubUrl}; one warm-up submission (not counted)`);
    const warm = await measureSequential(hub, events, warmup, 0);
    log(`latency: ${settings.sequential} submissions, one at a time`);
    const seq = await measureSequential(hub, events, sequential, 1);
    log(`throughput: ${settings.queued} submissions queued at once`);
    const q = await measureQueued(hub, events, queued, 1 + settings.sequential);
    await events.close();
    await hub.stop();
    const daemonStderr = hub.stderr().trim();

    log(`scanner alone: ${1 + settings.sequential + settings.queued} scans in one process`);
    const out = await runNode(
      'scanner alone',
      [SCAN_MANY, 'deep', ...[...warmup, ...sequential, ...queued].map((s) => s.dir)],
      { cwd: REPO_ROOT },
    );
    const alone = JSON.parse(out.trim().split('\n').pop());
    const aloneCold = alone.scans[0].ms;
    const aloneSeq = alone.scans.slice(1, 1 + settings.sequential).map((s) => s.ms);
    const aloneQueued = alone.scans.slice(1 + settings.sequential).map((s) => s.ms);
    const aloneScansPerMinute = aloneQueued.length / (aloneQueued.reduce((a, b) => a + b, 0) / 60_000);
    const loadAfter = loadavg()[0];

    const pipelineLatency = median(seq.map((r) => r.latencyMs));
    const aloneLatency = median(aloneSeq);
    const stageKeys = [...new Set(seq.flatMap((r) => Object.keys(r.stages)))];
    const stageMedians = Object.fromEntries(
      stageKeys.map((key) => [key, median(seq.map((r) => r.stages[key]).filter((v) => v !== undefined))]),
    );

    const threads = settings.scannerThreads > 0 ? settings.scannerThreads : 'default (cores − 1)';
    const lines = [
      '',
      `Pipeline benchmark: @modelcontextprotocol/server-memory (${formatNumber(warmup[0].tarball.length / 1024)} KiB packed), ` +
        `embedded queue, store and SQLite; scanner threads: ${threads}; deep scans`,
      ...machineLines(loadBefore, loadAfter),
      `Latency: median of ${settings.sequential} submissions one at a time (after 1 warm-up); ` +
        `throughput: ${settings.queued} submissions queued at once`,
      '',
      renderTable(
        ['metric', 'pipeline', 'scanner alone', 'ratio (pipeline / scanner)'],
        [
          [
            'latency, median (ms)',
            formatNumber(pipelineLatency),
            formatNumber(aloneLatency),
            formatRatio(pipelineLatency / aloneLatency),
          ],
          [
            `throughput, ${settings.queued} queued (jobs/min)`,
            formatNumber(q.jobsPerMinute),
            formatNumber(aloneScansPerMinute),
            formatRatio(q.jobsPerMinute / aloneScansPerMinute),
          ],
        ],
      ),
      '',
      `Pipeline latency per submission (ms): ${seq.map((r) => formatNumber(r.latencyMs)).join(', ')}; ` +
        `warm-up ${formatNumber(warm[0].latencyMs)}; POST answered in a median ${formatNumber(median(seq.map((r) => r.submitMs)))} ms`,
      `Pipeline stages, median (ms, server timestamps): ${Object.entries(stageMedians)
        .map(([k, v]) => `${k} ${formatNumber(v)}`)
        .join(', ')}`,
      `Queued run: all ${q.jobs} accepted after ${formatNumber(q.allSubmittedMs / 1000)} s, last PUBLISHED after ` +
        `${formatNumber(q.elapsedMs / 1000)} s`,
      `Scanner alone (one warm process, scanDirectory + renderJson): first scan ${formatNumber(aloneCold)} ms (cold), ` +
        `then median ${formatNumber(median(alone.scans.slice(1).map((s) => s.ms)))} ms; peak RSS ${formatNumber((alone.maxRssKiB * 1024) / 1e6)} MB`,
    ];
    const warning = loadWarning(loadBefore, loadAfter, '');
    if (warning) lines.push(warning);
    if (daemonStderr) lines.push('', 'Daemon stderr (tail):', daemonStderr);
    process.stdout.write(`${lines.join('\n')}\n`);

    const file = writeResults('pipeline', {
      loadAverage1m: { before: loadBefore, after: loadAfter },
      settings: { ...settings, tarballBytes: warmup[0].tarball.length },
      pipeline: { warmup: warm, sequential: seq, stageMedians, queued: q },
      scannerAlone: {
        coldMs: aloneCold,
        sequentialMs: aloneSeq,
        queuedMs: aloneQueued,
        scansPerMinute: aloneScansPerMinute,
        maxRssKiB: alone.maxRssKiB,
      },
      ratios: { latency: pipelineLatency / aloneLatency, throughput: q.jobsPerMinute / aloneScansPerMinute },
      daemonStderr: daemonStderr || null,
    });
    process.stdout.write(`\nResults written to ${file}\n`);
    return 0;
  });
}

runIfMain(import.meta.url, 'pipeline', run);
