import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HubError } from '../errors.js';

export interface ScanBudget {
  timeoutMs: number;
  maxMemoryMb: number;
  /** The offline OSV advisory database (`mcphub advisories import`); a missing file means none. */
  advisoriesDb?: string;
}

export const advisoriesDbPath = (home: string) => join(home, 'advisories', 'osv-db.json');

export const DEFAULT_SCAN_BUDGET: ScanBudget = { timeoutMs: 5 * 60_000, maxMemoryMb: 1024 };

/** The thread entry is compiled JS; from the TypeScript sources (tests) use the built copy. */
function threadEntry(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts')
    ? new URL('../../dist/pipeline/scan-thread.js', here)
    : new URL('./scan-thread.js', here);
}

/**
 * Scans run in worker threads, at most `size` at once, each in a fresh thread with a heap limit and
 * a wall-clock budget. A crash, an out-of-memory or a timeout fails that scan with a coded error and
 * never takes the daemon down.
 */
export class ScanPool {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly workers = new Set<Worker>();

  constructor(
    readonly size = Math.max(1, availableParallelism() - 1),
    private readonly budget: ScanBudget = DEFAULT_SCAN_BUDGET,
  ) {}

  async scan(dir: string, mode: 'fast' | 'deep' = 'deep'): Promise<string> {
    if (this.active >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    this.active += 1;
    try {
      return await this.runThread(dir, mode);
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }

  private runThread(dir: string, mode: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(fileURLToPath(threadEntry()), {
        workerData: { dir, mode, advisoriesDb: this.budget.advisoriesDb },
        resourceLimits: { maxOldGenerationSizeMb: this.budget.maxMemoryMb },
        stdout: true,
        stderr: true,
      });
      this.workers.add(worker);
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.workers.delete(worker);
        fn();
      };
      const timer = setTimeout(() => {
        finish(() =>
          reject(new HubError('HUB_ERR_SCAN_TIMEOUT', `scan exceeded ${this.budget.timeoutMs} ms`)),
        );
        void worker.terminate();
      }, this.budget.timeoutMs);
      worker.once('message', (m: { ok: boolean; json?: string; code?: string; message?: string }) => {
        finish(() =>
          m.ok ? resolve(m.json!) : reject(new HubError('HUB_ERR_SCAN_FAILED', `${m.code}: ${m.message}`)),
        );
        void worker.terminate();
      });
      worker.once('error', (err: Error & { code?: string }) => {
        const oom = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
        finish(() =>
          reject(
            new HubError(
              'HUB_ERR_SCAN_CRASHED',
              oom ? `scan exceeded ${this.budget.maxMemoryMb} MB of heap` : err.message,
            ),
          ),
        );
      });
      worker.once('exit', (code) => {
        finish(() => reject(new HubError('HUB_ERR_SCAN_CRASHED', `scan thread exited with code ${code}`)));
      });
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.workers].map((w) => w.terminate()));
  }
}
