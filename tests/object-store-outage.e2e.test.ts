import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type S3rver from 's3rver';
import { afterAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, runCli, startDaemonProcess } from './helpers/daemon-process.js';
import { startS3rver } from './helpers/s3rver.js';
import { switchableProxy } from './helpers/tcp-proxy.js';

const CLEAN = fileURLToPath(new URL('./fixtures/clean-clock-server', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the object store failing requests for a while', () => {
  let s3: S3rver | undefined;
  let hub: DaemonProcess | undefined;
  afterAll(async () => {
    await hub?.stop('SIGKILL');
    await s3?.close();
  });

  it('retries with backoff: every job ends PUBLISHED exactly once, none failed', async () => {
    const started = await startS3rver();
    s3 = started.server;
    const port = started.port;
    const proxy = await switchableProxy({ host: '127.0.0.1', port });
    await proxy.up();
    const env = {
      MCPHUB_S3_ENDPOINT: `http://127.0.0.1:${proxy.port}`,
      MCPHUB_S3_ACCESS_KEY: 'S3RVER',
      MCPHUB_S3_SECRET_KEY: 'S3RVER',
      MCPHUB_S3_REGION: 'us-east-1',
      MCPHUB_S3_BUCKET_PREFIX: `t${randomUUID().slice(0, 8)}-`,
      MCPHUB_SCANNER_THREADS: '1',
    };
    hub = await startDaemonProcess({ env });
    const h = hub;

    // Down before the pushes: storing the sources themselves has to wait for the store.
    await proxy.down();
    const pushes = ['1.0.0', '1.0.1', '1.0.2'].map((version) =>
      runCli(
        ['push', CLEAN, '--home', h.home, '--name', 'outage/clock', '--version', version, '--mode', 'fast'],
        env,
      ),
    );
    await sleep(1500);
    await proxy.up();
    // And a second outage while the pipeline reads and writes sources, reports and artifacts.
    await sleep(300);
    await proxy.down();
    await sleep(2000);
    await proxy.up();

    const ids: string[] = [];
    for (const r of await Promise.all(pushes)) {
      expect(r.code, r.stderr).toBe(0);
      ids.push((JSON.parse(r.stdout.trim()) as { jobId: string }).jobId);
    }
    const token = readFileSync(join(h.home, 'keys', 'admin-token'), 'utf8').trim();
    const getJob = async (id: string) =>
      (await (
        await fetch(`${h.hubUrl}/api/v1/jobs/${id}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { state: string; history: { to_state: string }[] };
    const end = Date.now() + 120_000;
    let jobs = await Promise.all(ids.map(getJob));
    while (!jobs.every((j) => ['PUBLISHED', 'FAILED', 'REJECTED'].includes(j.state)) && Date.now() < end) {
      await sleep(300);
      jobs = await Promise.all(ids.map(getJob));
    }
    expect(
      jobs.map((j) => j.state),
      h.stderr(),
    ).toEqual(['PUBLISHED', 'PUBLISHED', 'PUBLISHED']);
    for (const j of jobs) {
      const states = j.history.map((x) => x.to_state);
      expect(states.filter((s) => s === 'PUBLISHED')).toHaveLength(1);
      expect(states).not.toContain('FAILED');
    }
    // The outage really happened and was ridden out by retries, not avoided.
    expect(h.stderr()).toContain('object store unreachable; retrying');
  }, 240_000);
});
