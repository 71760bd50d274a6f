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

export interface ScanPoolOptions {
  /**
   * Threads kept started ahead of their job (modules loaded, waiting for work); default: one per
   * slot (`size`). 0 starts every thread with its job, as a cold start.
   */
  warmThreads?: number;
  /** Called when a scan is handed to a thread: its id, and whether it was started ahead of time. */
  onScanThread?: (threadId: number, warm: boolean) => void;
}

export const advisoriesDbPath = (home: string) => join(home, 'advisories', 'osv-db.json');

export const DEFAULT_SCAN_BUDGET: ScanBudget = { timeoutMs: 5 * 60_000, maxMemoryMb: 1024 };

/** A warm thread that dies before its job is replaced, up to this many times in a row without a scan. */
const MAX_WARM_FAILURES = 3;

/** The thread entry is compiled JS; from the TypeScript sources (tests) use the built copy. */
function threadEntry(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts')
    ? new URL('../../dist/pipeline/scan-thread.js', here)
    : new URL('./scan-thread.js', here);
}

type ThreadMessage =
  | { ready: true; threadId: number }
  | { ok: boolean; json?: string; code?: string; message?: string };

/** A thread that died before it had loaded its modules: the job never reached it. */
class BootCrash extends Error {
  constructor(readonly error: HubError) {
    super(error.message);
  }
}

/**
 * Scans run in worker threads, at most `size` at once, each in a fresh thread with a heap limit and
 * a wall-clock budget. A crash, an out-of-memory or a timeout fails that scan with a coded error and
 * never takes the daemon down.
 *
 * A thread is used for one scan and thrown away; so that a scan does not wait for a thread to load
 * the scanner, the next thread is started ahead (when a scan ends, or when it begins if jobs are
 * queued behind it) and waits, unreferenced, for its job. One that dies while waiting is replaced.
 */
export class ScanPool {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly workers = new Set<Worker>();
  /** Threads started ahead of their job, oldest first, with what removes their idle listeners. */
  protected readonly warm: { worker: Worker; detach: () => void }[] = [];
  private readonly ready = new WeakSet<Worker>();
  private warmFailures = 0;
  private closed = false;
  private readonly warmTarget: number;

  constructor(
    readonly size = Math.max(1, availableParallelism() - 1),
    private readonly budget: ScanBudget = DEFAULT_SCAN_BUDGET,
    private readonly options: ScanPoolOptions = {},
  ) {
    this.warmTarget = Math.max(0, options.warmThreads ?? size);
  }

  async scan(dir: string, mode: 'fast' | 'deep' = 'deep'): Promise<string> {
    if (this.active >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    this.active += 1;
    try {
      const result = await this.runScan(dir, mode);
      this.warmFailures = 0;
      return result;
    } finally {
      this.active -= 1;
      this.refill();
      this.waiting.shift()?.();
    }
  }

  /** Ids of the threads started ahead of their job (for tests and status). */
  warmThreadIds(): number[] {
    return this.warm.map((w) => w.worker.threadId).filter((id) => id !== -1);
  }

  private async runScan(dir: string, mode: string): Promise<string> {
    const taken = this.takeWarm();
    const worker = taken ?? this.spawn();
    // With jobs queued behind this one, start the next thread now, beside this scan; otherwise
    // after it, so that loading the next thread does not compete with this scan for the CPU.
    if (this.waiting.length > 0) this.refill();
    this.options.onScanThread?.(worker.threadId, taken !== null);
    try {
      return await this.runJob(worker, dir, mode);
    } catch (err) {
      if (!(err instanceof BootCrash)) throw err;
      // A thread started ahead of time that died before loading its modules never saw the job:
      // the job gets a fresh thread. A fresh thread dying like that is the scan's crash, as before.
      if (!taken) throw err.error;
      const fresh = this.spawn();
      this.options.onScanThread?.(fresh.threadId, false);
      try {
        return await this.runJob(fresh, dir, mode);
      } catch (again) {
        throw again instanceof BootCrash ? again.error : again;
      }
    }
  }

  private spawn(): Worker {
    const worker = new Worker(fileURLToPath(threadEntry()), {
      resourceLimits: { maxOldGenerationSizeMb: this.budget.maxMemoryMb },
      stdout: true,
      stderr: true,
    });
    this.workers.add(worker);
    worker.on('message', (m: ThreadMessage) => {
      if ('ready' in m) this.ready.add(worker);
    });
    worker.once('exit', () => this.workers.delete(worker));
    return worker;
  }

  /** Starts threads ahead of their job until there are `warmThreads` of them. */
  private refill(): void {
    while (!this.closed && this.warm.length < this.warmTarget && this.warmFailures < MAX_WARM_FAILURES) {
      const worker = this.spawn();
      // Waiting for work must not keep the process alive; a taken thread is referenced again.
      worker.unref();
      const died = () => {
        const at = this.warm.findIndex((w) => w.worker === worker);
        if (at === -1) return;
        this.warm.splice(at, 1);
        detach();
        if (this.closed) return;
        this.warmFailures += 1;
        this.refill();
      };
      const detach = () => {
        worker.off('error', died);
        worker.off('exit', died);
      };
      // Whatever happens to it later, its 'error' event is never unheard (that would throw).
      worker.on('error', () => {});
      worker.on('error', died);
      worker.on('exit', died);
      this.warm.push({ worker, detach });
    }
  }

  private takeWarm(): Worker | null {
    for (let next = this.warm.shift(); next; next = this.warm.shift()) {
      next.detach();
      // threadId is -1 once the thread has stopped, possibly before its 'exit' event.
      if (next.worker.threadId === -1) {
        this.warmFailures += 1;
        continue;
      }
      next.worker.ref();
      return next.worker;
    }
    return null;
  }

  private runJob(worker: Worker, dir: string, mode: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      const crashed = (error: HubError) =>
        finish(() => reject(this.ready.has(worker) ? error : new BootCrash(error)));
      const timer = setTimeout(() => {
        finish(() =>
          reject(new HubError('HUB_ERR_SCAN_TIMEOUT', `scan exceeded ${this.budget.timeoutMs} ms`)),
        );
        void worker.terminate();
      }, this.budget.timeoutMs);
      worker.on('message', (m: ThreadMessage) => {
        if ('ready' in m) return;
        finish(() =>
          m.ok ? resolve(m.json!) : reject(new HubError('HUB_ERR_SCAN_FAILED', `${m.code}: ${m.message}`)),
        );
        void worker.terminate();
      });
      worker.once('error', (err: Error & { code?: string }) => {
        const oom = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
        crashed(
          new HubError(
            'HUB_ERR_SCAN_CRASHED',
            oom ? `scan exceeded ${this.budget.maxMemoryMb} MB of heap` : err.message,
          ),
        );
      });
      worker.once('exit', (code) => {
        crashed(new HubError('HUB_ERR_SCAN_CRASHED', `scan thread exited with code ${code}`));
      });
      worker.postMessage({ dir, mode, advisoriesDb: this.budget.advisoriesDb });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { detach } of this.warm.splice(0)) detach();
    await Promise.allSettled([...this.workers].map((w) => w.terminate()));
  }
}
