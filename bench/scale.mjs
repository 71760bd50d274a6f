// Jobs/minute for a queue of scans with 1, 2 and 4 `mcphub worker` processes on a real broker
// (RabbitMQ + an S3 store), beside the embedded queue with as many scan threads in one daemon,
// measured in one run. See bench/README.md, which also projects the figures to many machines.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { brokerVhost, s3Env, startS3 } from './lib/broker.mjs';
import {
  expectPublished,
  followEvents,
  makeServerMemorySources,
  stageDurations,
  startDaemon,
  startWorker,
  submit,
} from './lib/hub-client.mjs';
import { runIfMain } from './lib/main.mjs';
import { formatNumber, formatRatio, machine, renderTable } from './lib/report.mjs';
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
  'scale: jobs/minute with 1, 2, 4 `mcphub worker` processes on RabbitMQ, beside the embedded queue';

const NAME = 'bench/server-memory';
const JOB_TIMEOUT_MS = 10 * 60_000; // a hang guard, not a measurement
const log = (message) => process.stderr.write(`[bench scale] ${message}\n`);

/** Settings from env (`BENCH_JOBS`, `BENCH_WORKERS`, `BENCH_AMQP_URL`); `--jobs N` and `--workers 1,2` win. */
function settingsFrom(args) {
  const flags = {};
  for (let i = 0; i < args.length; i += 1) {
    const [flag, inline] = args[i].split('=', 2);
    if (flag !== '--jobs' && flag !== '--workers')
      throw new UsageError(
        `unknown argument ${JSON.stringify(args[i])} (use --jobs N, --workers 1,2,4 or env)`,
      );
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    flags[flag.slice(2)] = value;
  }
  const raw = flags.workers ?? (process.env.BENCH_WORKERS || '1,2,4');
  const workers = raw.split(',').map((s) => Number(s.trim()));
  if (workers.some((k) => !Number.isInteger(k) || k < 1))
    throw new UsageError(`BENCH_WORKERS must be a comma-separated list of positive integers, got ${raw}`);
  let jobs = envNumber('BENCH_JOBS', 12, { min: 1 });
  if (flags.jobs !== undefined) {
    jobs = Number(flags.jobs);
    if (!Number.isInteger(jobs) || jobs < 1)
      throw new UsageError(`--jobs must be an integer ≥ 1, got ${flags.jobs}`);
  }
  return {
    jobs,
    workers,
    amqpUrl: process.env.BENCH_AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672',
  };
}

/** Submits every source back to back and waits until all are PUBLISHED; one warm-up job first. */
async function measureQueue(hub, warmup, sources) {
  const events = await followEvents(hub);
  try {
    const w = await submit(hub, NAME, '0.0.1', warmup.tarball);
    await expectPublished(hub, events, w.id, JOB_TIMEOUT_MS);
    const started = performance.now();
    const ids = [];
    for (let i = 0; i < sources.length; i += 1)
      ids.push((await submit(hub, NAME, `1.0.${i}`, sources[i].tarball)).id);
    const submittedMs = performance.now() - started;
    const done = await Promise.all(ids.map((id) => expectPublished(hub, events, id, JOB_TIMEOUT_MS)));
    const elapsedMs = Math.max(...done.map((t) => t.receivedAt)) - started;
    const stages = ids.map((id) => stageDurations(events.transitions(id)));
    return {
      jobs: ids.length,
      submittedMs,
      elapsedMs,
      jobsPerMinute: ids.length / (elapsedMs / 60_000),
      scanStageMedianMs: median(stages.map((s) => s['ANALYZING→ANALYZED']).filter((v) => v !== undefined)),
      certifyStageMedianMs: median(stages.map((s) => s['SCORED→CERTIFIED']).filter((v) => v !== undefined)),
    };
  } finally {
    await events.close();
  }
}

async function runBroker(tmp, k, settings, s3, amqpUrl, warmup, sources) {
  const env = { ...s3Env(s3.endpoint), MCPHUB_AMQP_URL: amqpUrl };
  const stops = [];
  try {
    const hub = await startDaemon(join(tmp, `broker-${k}-hub`), {
      args: ['--roles', 'hub,registry,worker', '--amqp-url', amqpUrl],
      env,
    });
    stops.push(hub);
    const workers = await Promise.all(
      Array.from({ length: k }, (_, i) =>
        startWorker(join(tmp, `broker-${k}-worker-${i}`), { threads: 1, env }),
      ),
    );
    stops.push(...workers);
    log(`broker, ${k} worker process(es): ${settings.jobs} jobs`);
    const result = await measureQueue(hub, warmup, sources);
    return { ...result, stderr: stops.map((s) => s.stderr().trim()).filter(Boolean) };
  } finally {
    for (const s of stops.reverse()) await s.stop();
  }
}

async function runEmbedded(tmp, k, settings, warmup, sources) {
  const hub = await startDaemon(join(tmp, `embedded-${k}`), { args: ['--scanner-threads', String(k)] });
  try {
    log(`embedded queue, ${k} scan thread(s): ${settings.jobs} jobs`);
    const result = await measureQueue(hub, warmup, sources);
    return { ...result, stderr: [hub.stderr().trim()].filter(Boolean) };
  } finally {
    await hub.stop();
  }
}

export async function run(args = []) {
  const settings = settingsFrom(args);

  return withCleanup(log, async (cleanups) => {
    const tmp = mkdtempSync(join(tmpdir(), 'mcphub-bench-scale-'));
    cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }));
    log(`packing ${settings.jobs + 1} variants of server-memory`);
    const [warmup] = makeServerMemorySources(join(tmp, 'src'), 1, 'warmup');
    const sources = makeServerMemorySources(join(tmp, 'src'), settings.jobs, 'job');

    mkdirSync(join(tmp, 's3'));
    const s3 = await startS3(join(tmp, 's3'));
    cleanups.push(s3.stop);
    let broker;
    try {
      broker = await brokerVhost(settings.amqpUrl);
    } catch (err) {
      throw new Error(`cannot prepare the broker at ${settings.amqpUrl}: ${err.message}`);
    }
    cleanups.push(broker.drop);
    log(
      broker.isolated
        ? `broker: virtual host ${broker.vhost} (created for this run)`
        : 'broker: default virtual host (no rabbitmqctl here), shared with anything else on it',
    );

    const loadBefore = loadavg()[0];
    const rows = [];
    for (const [i, k] of settings.workers.entries()) {
      // The two sides of a row run back to back; which goes first alternates between rows.
      const sides = [
        ['broker', () => runBroker(tmp, k, settings, s3, broker.url, warmup, sources)],
        ['embedded', () => runEmbedded(tmp, k, settings, warmup, sources)],
      ];
      if (i % 2 === 1) sides.reverse();
      const row = { k };
      for (const [side, fn] of sides) {
        row[side] = await fn();
        row[side].loadAverage1m = loadavg()[0];
      }
      rows.push(row);
    }
    const loadAfter = loadavg()[0];

    const base = { broker: rows[0].broker.jobsPerMinute, embedded: rows[0].embedded.jobsPerMinute };
    const lines = [
      '',
      `Scale benchmark: ${settings.jobs} queued submissions of @modelcontextprotocol/server-memory (after 1 warm-up), ` +
        `jobs/minute from the first POST to the last PUBLISHED`,
      `Broker: RabbitMQ ${broker.isolated ? `(virtual host ${broker.vhost})` : '(default virtual host, shared)'} + s3rver; ` +
        'K `mcphub worker` processes with 1 scan thread each. Embedded: one daemon, SQLite queue, K scan threads.',
      ...machineLines(loadBefore, loadAfter),
      '',
      renderTable(
        [
          'K',
          'broker (jobs/min)',
          'speed-up',
          'embedded (jobs/min)',
          'speed-up',
          'ratio (broker / embedded)',
        ],
        rows.map((r) => [
          String(r.k),
          formatNumber(r.broker.jobsPerMinute),
          formatRatio(r.broker.jobsPerMinute / base.broker),
          formatNumber(r.embedded.jobsPerMinute),
          formatRatio(r.embedded.jobsPerMinute / base.embedded),
          formatRatio(r.broker.jobsPerMinute / r.embedded.jobsPerMinute),
        ]),
      ),
      '',
      'Median ms per job, scan stage (ANALYZING→ANALYZED) / certify stage (SCORED→CERTIFIED), and the load average after each:',
      ...rows.map(
        (r) =>
          `  K=${r.k}: broker ${formatNumber(r.broker.scanStageMedianMs)} / ${formatNumber(r.broker.certifyStageMedianMs)}` +
          ` (load ${r.broker.loadAverage1m.toFixed(1)}); embedded ${formatNumber(r.embedded.scanStageMedianMs)} / ` +
          `${formatNumber(r.embedded.certifyStageMedianMs)} (load ${r.embedded.loadAverage1m.toFixed(1)})`,
      ),
      `Speed-up is against K=${rows[0].k} on the same side. This machine has ${machine().cpus} CPUs: ` +
        'past that, more workers share the same cores and cannot scale linearly.',
    ];
    const warning = loadWarning(loadBefore, loadAfter, '');
    if (warning) lines.push(warning);
    const stderr = rows.flatMap((r) => [...r.broker.stderr, ...r.embedded.stderr]);
    if (stderr.length) lines.push('', 'Daemon and worker stderr (tails):', ...stderr);
    process.stdout.write(`${lines.join('\n')}\n`);

    const file = writeResults('scale', {
      loadAverage1m: { before: loadBefore, after: loadAfter },
      settings: {
        ...settings,
        amqpUrl: undefined,
        brokerVhost: broker.vhost,
        brokerIsolated: broker.isolated,
      },
      rows,
    });
    process.stdout.write(`\nResults written to ${file}\n`);
    return 0;
  });
}

runIfMain(import.meta.url, 'scale', run);
