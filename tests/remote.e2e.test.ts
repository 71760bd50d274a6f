import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type DaemonProcess, runCli, startDaemonProcess } from './helpers/daemon-process.js';
import { startS3rver } from './helpers/s3rver.js';

const VULNERABLE = fileURLToPath(new URL('./fixtures/vulnerable-notes-server', import.meta.url));
const AMQP = process.env.MCPHUB_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

describe('remote topology: hub on RabbitMQ + S3, scans by a separate `mcphub worker` process', () => {
  let s3: S3rver;
  let hub: DaemonProcess;
  let worker: ReturnType<typeof spawn>;
  let workerOut = '';
  const env: NodeJS.ProcessEnv = {};

  beforeAll(async () => {
    const started = await startS3rver();
    s3 = started.server;
    const port = started.port;
    // A unique bucket prefix and queue names per run keep runs apart on the shared broker.
    Object.assign(env, {
      MCPHUB_AMQP_URL: AMQP,
      MCPHUB_S3_ENDPOINT: `http://127.0.0.1:${port}`,
      MCPHUB_S3_ACCESS_KEY: 'S3RVER',
      MCPHUB_S3_SECRET_KEY: 'S3RVER',
      MCPHUB_S3_REGION: 'us-east-1',
      MCPHUB_S3_BUCKET_PREFIX: `t${randomUUID().slice(0, 8)}-`,
    });
    hub = await startDaemonProcess({ args: ['--roles', 'hub,registry,worker'], env });
    worker = spawn(
      process.execPath,
      [CLI, 'worker', '--home', mkdtempSync(join(tmpdir(), 'mcphub-worker-')), '--log-level', 'warn'],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    worker.stdout!.on('data', (d) => {
      workerOut += d;
    });
    worker.stderr!.on('data', (d) => {
      workerOut += d;
    });
    const end = Date.now() + 30_000;
    while (!workerOut.includes('worker running') && Date.now() < end)
      await new Promise((r) => setTimeout(r, 100));
    expect(workerOut).toContain('worker running');
  });

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await hub?.stop('SIGKILL');
    await s3?.close();
  });

  it('a push is scanned by the remote worker and published, with sources and results in S3', async () => {
    const r = await runCli(
      ['push', VULNERABLE, '--home', hub.home, '--name', 'remote/notes', '--version', '1.0.0', '--wait'],
      env,
    );
    expect(r.code, `${r.stderr}\nworker:\n${workerOut}`).toBe(0);
    const job = JSON.parse(r.stdout.trim().split('\n').pop()!) as { jobId: string; state: string };
    expect(job.state).toBe('PUBLISHED');
    // The hub ran no scanner: the report can only have come from the worker process through S3.
    expect(hub.stdout()).not.toContain('scan complete');
    const token = readFileSync(join(hub.home, 'keys', 'admin-token'), 'utf8').trim();
    const findings = (await (
      await fetch(`${hub.hubUrl}/api/v1/jobs/${job.jobId}/findings`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as {
      findings: unknown[];
    };
    expect(findings.findings.length).toBeGreaterThan(0);
    const res = await fetch(`${hub.registryUrl}/v1/download/remote/notes/1.0.0`);
    expect(res.status).toBe(200);
  });
});
