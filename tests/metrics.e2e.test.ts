import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, type DaemonProcess, runCli, startDaemonProcess, tempHome } from './helpers/daemon-process.js';

const CLEAN = fileURLToPath(new URL('./fixtures/clean-clock-server', import.meta.url));
const AMQP = process.env.MCPHUB_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Sum of every sample of `name` whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let found: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]] as const),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) found = (found ?? 0) + Number(m[3]);
  }
  return found;
}

describe('Prometheus /metrics', () => {
  const daemons: DaemonProcess[] = [];
  const procs: ReturnType<typeof spawn>[] = [];
  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    for (const d of daemons) await d.stop('SIGKILL');
  });

  it('the hub serves them to an admin token only, and the values move after a job', async () => {
    const d = await startDaemonProcess({ env: { MCPHUB_SCANNER_THREADS: '1' } });
    daemons.push(d);
    const token = readFileSync(join(d.home, 'keys', 'admin-token'), 'utf8').trim();
    expect((await fetch(`${d.hubUrl}/metrics`)).status).toBe(401);
    const scrape = async () => {
      const res = await fetch(`${d.hubUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      return res.text();
    };
    const before = await scrape();
    expect(sample(before, 'mcphub_jobs', { state: 'PUBLISHED' })).toBe(0);
    expect(sample(before, 'mcphub_queue_depth', { queue: 'mcphub.analyze', state: 'ready' })).toBe(0);
    expect(sample(before, 'mcphub_scan_duration_seconds_count') ?? 0).toBe(0);

    const r = await runCli(
      [
        'push',
        CLEAN,
        '--home',
        d.home,
        '--name',
        'metrics/clock',
        '--version',
        '1.0.0',
        '--mode',
        'fast',
        '--wait',
      ],
      {},
    );
    expect(r.code, r.stderr).toBe(0);

    const after = await scrape();
    expect(sample(after, 'mcphub_jobs', { state: 'PUBLISHED' })).toBe(1);
    expect(sample(after, 'mcphub_scan_duration_seconds_count', { outcome: 'succeeded' })).toBe(1);
    expect(sample(after, 'mcphub_scan_lines_total')).toBeGreaterThan(0);
    expect(sample(after, 'mcphub_scan_lines_per_second_count')).toBe(1);
    expect(
      sample(after, 'mcphub_registry_requests_total', {
        method: 'POST',
        route: '/v1/publish',
        status: '201',
      }),
    ).toBe(1);
    expect(sample(after, 'mcphub_sandbox_runs_total', { kind: 'runtime_check' })).toBe(1);
    expect(sample(after, 'mcphub_outbox_pending', { topic: 'dispatch' })).toBe(0);

    // A `mcphub run` on this machine is counted by its decision (here refused: no such package).
    const run = await runCli(['run', 'metrics/nothing@1.0.0', '--home', d.home], {});
    expect(run.code).not.toBe(0);
    const later = await scrape();
    expect(sample(later, 'mcphub_sandbox_runs_total', { kind: 'run', outcome: 'refused' })).toBe(1);
  }, 120_000);

  it('`mcphub worker --metrics-port` serves queue depth on loopback', async () => {
    const worker = spawn(
      process.execPath,
      [CLI, 'worker', '--home', tempHome('mcphub-worker-'), '--log-level', 'warn', '--metrics-port', '0'],
      {
        env: {
          ...process.env,
          MCPHUB_AMQP_URL: AMQP,
          MCPHUB_QUEUE_PREFIX: `t${randomUUID().slice(0, 8)}.`,
          MCPHUB_SCANNER_THREADS: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    procs.push(worker);
    let out = '';
    worker.stdout!.on('data', (c) => {
      out += c;
    });
    worker.stderr!.on('data', (c) => {
      out += c;
    });
    const end = Date.now() + 30_000;
    while (!/Metrics:\s+(\S+)/.test(out) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    const url = /Metrics:\s+(\S+)/.exec(out)?.[1];
    expect(url, out).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const text = await (await fetch(url!)).text();
    expect(sample(text, 'mcphub_queue_up')).toBe(1);
    expect(sample(text, 'mcphub_queue_depth', { queue: 'mcphub.analyze', state: 'ready' })).toBe(0);
    expect(text).toContain('role="scan-worker"');
  }, 60_000);
});
