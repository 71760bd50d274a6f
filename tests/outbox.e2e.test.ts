import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, runCli, startDaemonProcess, tempHome } from './helpers/daemon-process.js';
import { switchableProxy } from './helpers/tcp-proxy.js';

const CLEAN = fileURLToPath(new URL('./fixtures/clean-clock-server', import.meta.url));
const BROKER = { host: '127.0.0.1', port: 5672 };

interface JobBody {
  id: string;
  state: string;
  waiting: { attempts: number; lastError: string | null } | null;
  history: { to_state: string; at: string }[];
}

describe('outbox: the broker unreachable at submit time', () => {
  const daemons: DaemonProcess[] = [];
  afterAll(async () => {
    for (const d of daemons) await d.stop('SIGKILL');
  });

  it('accepts jobs as waiting (not failed), keeps them across a restart, then dispatches each once, in order', async () => {
    const proxy = await switchableProxy(BROKER); // starts down: connections are refused
    const home = tempHome('mcphub-outbox-');
    const env = {
      MCPHUB_AMQP_URL: `amqp://guest:guest@127.0.0.1:${proxy.port}`,
      MCPHUB_QUEUE_PREFIX: `t${randomUUID().slice(0, 8)}.`,
      MCPHUB_SYNC_RETRY_MIN_MS: '200',
      MCPHUB_SYNC_RETRY_MAX_MS: '1000',
      MCPHUB_SYNC_DISPATCH_TIMEOUT_MS: '3000',
      MCPHUB_SCANNER_THREADS: '1',
    };
    let daemon = await startDaemonProcess({ home, env });
    daemons.push(daemon);
    const token = readFileSync(join(home, 'keys', 'admin-token'), 'utf8').trim();
    const getJob = async (id: string) =>
      (await (
        await fetch(`${daemon.hubUrl}/api/v1/jobs/${id}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as JobBody;

    const ids: string[] = [];
    for (const version of ['1.0.0', '1.0.1', '1.0.2']) {
      const r = await runCli(
        ['push', CLEAN, '--home', home, '--name', 'outbox/clock', '--version', version, '--mode', 'fast'],
        env,
      );
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim()) as { jobId: string; state: string; waiting: boolean };
      expect(out, r.stderr).toMatchObject({ state: 'QUEUED', waiting: true });
      expect(r.stderr).toContain('waiting for the remote');
      ids.push(out.jobId);
    }
    const waiting = await getJob(ids[0]!);
    expect(waiting.state).toBe('QUEUED');
    expect(waiting.waiting?.attempts).toBeGreaterThanOrEqual(1);
    expect(waiting.waiting?.lastError).toBeTruthy();

    // A restart while the broker is still down: the work is in the database, not in memory.
    await daemon.stop('SIGTERM');
    daemon = await startDaemonProcess({ home, env });
    daemons.push(daemon);
    for (const id of ids) {
      const j = await getJob(id);
      expect(j.state).toBe('QUEUED');
      expect(j.waiting).not.toBeNull();
    }

    await proxy.up();
    const end = Date.now() + 120_000;
    let jobs: JobBody[] = [];
    while (Date.now() < end) {
      jobs = await Promise.all(ids.map(getJob));
      if (jobs.every((j) => ['PUBLISHED', 'FAILED', 'REJECTED'].includes(j.state))) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(
      jobs.map((j) => j.state),
      daemon.stderr(),
    ).toEqual(['PUBLISHED', 'PUBLISHED', 'PUBLISHED']);
    const dispatchedAt: string[] = [];
    for (const j of jobs) {
      const states = j.history.map((h) => h.to_state);
      // Exactly once: one dispatch, one publication, no failure on the way.
      expect(states.filter((s) => s === 'DISPATCHED')).toHaveLength(1);
      expect(states.filter((s) => s === 'PUBLISHED')).toHaveLength(1);
      expect(states).not.toContain('FAILED');
      expect(j.waiting).toBeNull();
      dispatchedAt.push(j.history.find((h) => h.to_state === 'DISPATCHED')!.at);
    }
    expect([...dispatchedAt].sort()).toEqual(dispatchedAt);
    await proxy.down();
  }, 240_000);
});
