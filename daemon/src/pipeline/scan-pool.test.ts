import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCAN_BUDGET, ScanPool } from './scan-pool.js';

// The pool runs the built thread entry (daemon/dist/pipeline/scan-thread.js): build first.

/** A pool whose pre-started threads a test can end, as a crash would end them. */
class CrashablePool extends ScanPool {
  crashWarmThreads(): Promise<unknown> {
    return Promise.all(this.warm.map(({ worker }) => worker.terminate()));
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcphub-scan-pool-'));
  writeFileSync(
    join(dir, 'index.js'),
    "const { exec } = require('node:child_process');\nexport function run(cmd) { exec(cmd); }\n",
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pools: ScanPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function track(threads: { id: number; warm: boolean }[]) {
  return (id: number, warm: boolean) => threads.push({ id, warm });
}

const waitFor = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 600; i += 1) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('ScanPool', () => {
  it('scans a folder in a thread and returns the JSON report', async () => {
    const pool = new ScanPool(1);
    pools.push(pool);
    const report = JSON.parse(await pool.scan(dir, 'deep'));
    expect(report).toBeTypeOf('object');
    expect(JSON.stringify(report)).toContain('index.js');
  });

  it('gives every scan a thread of its own: the second scan runs on the thread started ahead of it, never the first one again', async () => {
    const threads: { id: number; warm: boolean }[] = [];
    const pool = new ScanPool(1, DEFAULT_SCAN_BUDGET, { onScanThread: track(threads) });
    pools.push(pool);
    const first = await pool.scan(dir);
    expect(pool.warmThreadIds()).toHaveLength(1);
    const second = await pool.scan(dir);
    const third = await pool.scan(dir);
    expect(threads.map((t) => t.warm)).toEqual([false, true, true]);
    expect(new Set(threads.map((t) => t.id)).size).toBe(3);
    // Same input, same report (but for its timing), whichever thread ran it.
    const findings = (json: string) => {
      const { run: _run, ...rest } = JSON.parse(json) as Record<string, unknown>;
      return rest;
    };
    expect(findings(second)).toEqual(findings(first));
    expect(findings(third)).toEqual(findings(first));
  });

  it('replaces a pre-started thread that crashes before it gets work, and the next scan still runs warm', async () => {
    const threads: { id: number; warm: boolean }[] = [];
    const pool = new CrashablePool(1, DEFAULT_SCAN_BUDGET, { onScanThread: track(threads) });
    pools.push(pool);
    await pool.scan(dir);
    const [crashed] = pool.warmThreadIds();
    expect(crashed).toBeTypeOf('number');
    await pool.crashWarmThreads();
    await waitFor(() => pool.warmThreadIds().length === 1, 'a replacement thread');
    const [replacement] = pool.warmThreadIds();
    expect(replacement).not.toBe(crashed);
    await pool.scan(dir);
    expect(threads[1]).toEqual({ id: replacement, warm: true });
    expect(threads.map((t) => t.id)).not.toContain(crashed);
  });

  it('with warmThreads 0 starts every thread with its job', async () => {
    const threads: { id: number; warm: boolean }[] = [];
    const pool = new ScanPool(1, DEFAULT_SCAN_BUDGET, { warmThreads: 0, onScanThread: track(threads) });
    pools.push(pool);
    await pool.scan(dir);
    await pool.scan(dir);
    expect(pool.warmThreadIds()).toEqual([]);
    expect(threads.map((t) => t.warm)).toEqual([false, false]);
  });

  it('keeps the wall-clock budget on a pre-started thread: a scan over it fails with HUB_ERR_SCAN_TIMEOUT', async () => {
    const threads: { id: number; warm: boolean }[] = [];
    const pool = new ScanPool(1, { ...DEFAULT_SCAN_BUDGET, timeoutMs: 1 }, { onScanThread: track(threads) });
    pools.push(pool);
    await expect(pool.scan(dir)).rejects.toMatchObject({ code: 'HUB_ERR_SCAN_TIMEOUT' });
    // The budget runs from the job's hand-over, not from the thread's start: a warm thread gets no more.
    await expect(pool.scan(dir)).rejects.toMatchObject({ code: 'HUB_ERR_SCAN_TIMEOUT' });
    expect(threads.map((t) => t.warm)).toEqual([false, true]);
  });

  it('keeps the heap limit: a thread over it fails the scan with HUB_ERR_SCAN_CRASHED and the daemon lives on', async () => {
    const pool = new ScanPool(1, { ...DEFAULT_SCAN_BUDGET, maxMemoryMb: 4 });
    pools.push(pool);
    await expect(pool.scan(dir)).rejects.toMatchObject({ code: 'HUB_ERR_SCAN_CRASHED' });
    // Warm threads that keep dying are not replaced for ever.
    await waitFor(() => pool.warmThreadIds().length === 0, 'the failing warm threads to stop');
  });

  it('close() ends the threads waiting for work', async () => {
    const pool = new ScanPool(1);
    await pool.scan(dir);
    expect(pool.warmThreadIds()).toHaveLength(1);
    await pool.close();
    expect(pool.warmThreadIds()).toEqual([]);
  });
});
