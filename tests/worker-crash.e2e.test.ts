import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type DaemonProcess, runCli, startDaemonProcess } from './helpers/daemon-process.js';
import { startS3rver } from './helpers/s3rver.js';
import { switchableProxy } from './helpers/tcp-proxy.js';

const CLEAN = fileURLToPath(new URL('./fixtures/clean-clock-server', import.meta.url));
const AMQP = process.env.MCPHUB_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The clean server plus enough generated code that a deep scan takes a few seconds. */
function slowFixture(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'mcphub-slow-')), 'server');
  cpSync(CLEAN, dir, { recursive: true });
  mkdirSync(join(dir, 'lib'));
  for (let f = 0; f < 100; f++) {
    let src = '';
    for (let i = 0; i < 60; i++) {
      src += `export function f${f}_${i}(a, b) {\n  const x = String(a) + '-' + b;\n  if (x.length > ${i}) return f${f}_${(i + 1) % 60}(x.slice(1), b);\n  return x.split('').reverse().join('');\n}\n`;
    }
    writeFileSync(join(dir, 'lib', `m${f}.js`), src);
  }
  return dir;
}

describe('a scan worker killed (SIGKILL) mid-job', () => {
  let s3: S3rver;
  let hub: DaemonProcess;
  const workers: ChildProcess[] = [];
  const env: NodeJS.ProcessEnv = {};
  const logs: string[] = [];

  const startWorker = async (n: number) => {
    const w = spawn(
      process.execPath,
      [CLI, 'worker', '--home', mkdtempSync(join(tmpdir(), 'mcphub-worker-')), '--log-level', 'info'],
      { env: { ...process.env, ...env, MCPHUB_SCANNER_THREADS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    workers.push(w);
    logs[n] = '';
    w.stdout!.on('data', (d) => {
      logs[n] += d;
    });
    w.stderr!.on('data', (d) => {
      logs[n] += d;
    });
    const end = Date.now() + 30_000;
    while (!logs[n]!.includes('worker running') && Date.now() < end)
      await new Promise((r) => setTimeout(r, 100));
    expect(logs[n]).toContain('worker running');
    return w;
  };

  beforeAll(async () => {
    const started = await startS3rver();
    s3 = started.server;
    const port = started.port;
    Object.assign(env, {
      MCPHUB_AMQP_URL: AMQP,
      MCPHUB_QUEUE_PREFIX: `t${randomUUID().slice(0, 8)}.`,
      MCPHUB_S3_ENDPOINT: `http://127.0.0.1:${port}`,
      MCPHUB_S3_ACCESS_KEY: 'S3RVER',
      MCPHUB_S3_SECRET_KEY: 'S3RVER',
      MCPHUB_S3_REGION: 'us-east-1',
      MCPHUB_S3_BUCKET_PREFIX: `t${randomUUID().slice(0, 8)}-`,
    });
    hub = await startDaemonProcess({ args: ['--roles', 'hub,registry,worker'], env });
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await hub?.stop('SIGKILL');
    await s3?.close();
  });

  it('the message goes back to the broker, another worker completes it, and the job is published exactly once', async () => {
    const first = await startWorker(0);
    const r = await runCli(
      [
        'push',
        slowFixture(),
        '--home',
        hub.home,
        '--name',
        'crash/slow',
        '--version',
        '1.0.0',
        '--mode',
        'deep',
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const { jobId } = JSON.parse(r.stdout.trim()) as { jobId: string };
    const token = readFileSync(join(hub.home, 'keys', 'admin-token'), 'utf8').trim();
    const getJob = async () =>
      (await (
        await fetch(`${hub.hubUrl}/api/v1/jobs/${jobId}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { state: string; history: { to_state: string; actor: string }[] };

    let end = Date.now() + 60_000;
    let job = await getJob();
    while (job.state !== 'ANALYZING' && Date.now() < end) {
      await new Promise((res) => setTimeout(res, 50));
      job = await getJob();
    }
    expect(job.state, logs[0]).toBe('ANALYZING');
    first.kill('SIGKILL');
    await new Promise((res) => first.once('exit', res));
    expect(logs[0]).not.toContain('scan complete');

    await startWorker(1);
    end = Date.now() + 180_000;
    while (!['PUBLISHED', 'FAILED', 'REJECTED'].includes(job.state) && Date.now() < end) {
      await new Promise((res) => setTimeout(res, 300));
      job = await getJob();
    }
    expect(job.state, `${logs[1]}\n${hub.stderr()}`).toBe('PUBLISHED');
    expect(logs[1]).toContain('scan complete');
    const states = job.history.map((h) => h.to_state);
    expect(states.filter((s) => s === 'ANALYZED')).toHaveLength(1);
    expect(states.filter((s) => s === 'PUBLISHED')).toHaveLength(1);
    expect(states).not.toContain('FAILED');
    // Nothing left behind on the broker: no message waiting, none dead-lettered.
    const metrics = await (
      await fetch(`${hub.hubUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    for (const state of ['ready', 'dead'])
      expect(metrics).toMatch(
        new RegExp(`mcphub_queue_depth\\{queue="mcphub.analyze",state="${state}"[^}]*\\} 0\\n`),
      );
  }, 300_000);

  it('a worker started while the broker is unreachable waits for it and attaches when it is back', async () => {
    const proxy = await switchableProxy({ host: '127.0.0.1', port: 5672 });
    const w = spawn(
      process.execPath,
      [CLI, 'worker', '--home', mkdtempSync(join(tmpdir(), 'mcphub-worker-')), '--log-level', 'warn'],
      {
        env: {
          ...process.env,
          ...env,
          MCPHUB_AMQP_URL: `amqp://guest:guest@127.0.0.1:${proxy.port}`,
          MCPHUB_SYNC_RETRY_MIN_MS: '100',
          MCPHUB_SYNC_RETRY_MAX_MS: '500',
          MCPHUB_SCANNER_THREADS: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    workers.push(w);
    let out = '';
    w.stdout!.on('data', (d) => {
      out += d;
    });
    w.stderr!.on('data', (d) => {
      out += d;
    });
    const waitFor = async (text: string) => {
      const end = Date.now() + 30_000;
      while (!out.includes(text) && w.exitCode === null && Date.now() < end)
        await new Promise((r) => setTimeout(r, 100));
    };
    await waitFor('attempt":3');
    expect(w.exitCode, out).toBeNull();
    expect(out).toContain('broker unreachable; retrying');
    expect(out).not.toContain('worker running');
    await proxy.up();
    await waitFor('worker running');
    expect(out).toContain('worker running');
    w.kill('SIGKILL');
    await proxy.down();
  }, 60_000);
});
