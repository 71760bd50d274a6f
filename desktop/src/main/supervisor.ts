import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { DaemonStatus } from '../shared/ipc.js';

/** What the supervisor needs of a child process (a real ChildProcess fits; tests pass a fake). */
export interface DaemonChild {
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

export interface SupervisorOptions {
  /** Starts `mcphub daemon` (the Electron main passes a spawn of the packaged CLI). */
  spawn: () => DaemonChild;
  /** Waits this long for the banner and a 200 from /healthz before counting the start as failed. */
  healthTimeoutMs?: number;
  healthIntervalMs?: number;
  /** Restart delays: base × 2^n, capped; reset once a run stays healthy for `stableMs`. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  stableMs?: number;
  /** Consecutive failed starts before giving up (status `failed`). */
  maxRestarts?: number;
  /** SIGTERM, then SIGKILL after this long. */
  stopGraceMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface Banner {
  hubUrl: string | null;
  loginUrl: string | null;
}

/** Reads the hub URL and one-time login link from `mcphub daemon`'s banner. */
export function parseBanner(text: string): Banner {
  return {
    hubUrl: /^\s*Hub:\s+(http\S+)/m.exec(text)?.[1] ?? null,
    loginUrl: /^\s*Web UI:\s+(http\S+)/m.exec(text)?.[1] ?? null,
  };
}

/** The delay before restart number `attempt` (0-based). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** attempt);
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref?.());

/**
 * Keeps one `mcphub daemon` alive for the desktop app: start, wait for /healthz, restart with
 * exponential backoff when it dies, stop on quit. It owns no domain logic: the daemon does.
 * Emits `status` (DaemonStatus) on every change and `ready` (Banner) after each healthy start.
 */
export class DaemonSupervisor extends EventEmitter {
  readonly #o: Required<Omit<SupervisorOptions, 'spawn'>> & Pick<SupervisorOptions, 'spawn'>;
  #status: DaemonStatus = { state: 'stopped', hubUrl: null, restarts: 0, lastError: null };
  #child: DaemonChild | null = null;
  #childExited: Promise<void> = Promise.resolve();
  #stopping = false;
  #failures = 0;
  #banner: Banner = { hubUrl: null, loginUrl: null };
  #loop: Promise<void> | null = null;

  constructor(options: SupervisorOptions) {
    super();
    this.#o = {
      healthTimeoutMs: 30_000,
      healthIntervalMs: 200,
      backoffBaseMs: 1_000,
      backoffMaxMs: 30_000,
      stableMs: 60_000,
      maxRestarts: 8,
      stopGraceMs: 10_000,
      fetch: globalThis.fetch,
      sleep: defaultSleep,
      now: Date.now,
      ...options,
    };
  }

  get status(): DaemonStatus {
    return { ...this.#status };
  }

  /** The banner of the current run (its login link is single-use). */
  get banner(): Banner {
    return { ...this.#banner };
  }

  /** Starts supervising; resolves once the first start is healthy (or rejects if it never becomes so). */
  start(): Promise<Banner> {
    if (this.#loop) throw new Error('already started');
    this.#stopping = false;
    return new Promise<Banner>((resolve, reject) => {
      const onReady = (b: Banner) => {
        this.off('status', onStatus);
        resolve(b);
      };
      const onStatus = (s: DaemonStatus) => {
        if (s.state === 'failed' || s.state === 'stopped') {
          this.off('ready', onReady);
          this.off('status', onStatus);
          reject(new Error(s.lastError ?? `daemon ${s.state}`));
        }
      };
      this.once('ready', onReady);
      this.on('status', onStatus);
      this.#loop = this.#run();
    });
  }

  /** Stops the daemon (SIGTERM, then SIGKILL after the grace period) and stops restarting it. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (child) {
      child.kill('SIGTERM');
      const killed = await Promise.race([
        this.#childExited.then(() => false),
        this.#o.sleep(this.#o.stopGraceMs).then(() => true),
      ]);
      if (killed) {
        child.kill('SIGKILL');
        await this.#childExited;
      }
    }
    await this.#loop;
    this.#loop = null;
    this.#set({ state: 'stopped', hubUrl: null });
  }

  #set(patch: Partial<DaemonStatus>): void {
    this.#status = { ...this.#status, ...patch };
    this.emit('status', this.status);
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      const startedAt = this.#o.now();
      const exit = await this.#runOnce();
      if (this.#stopping) return;
      if (this.#o.now() - startedAt >= this.#o.stableMs) this.#failures = 0;
      this.#failures += 1;
      if (this.#failures > this.#o.maxRestarts) {
        this.#set({
          state: 'failed',
          hubUrl: null,
          lastError: `${exit}; gave up after ${this.#o.maxRestarts} restarts`,
        });
        return;
      }
      const delay = backoffDelay(this.#failures - 1, this.#o.backoffBaseMs, this.#o.backoffMaxMs);
      this.#set({ state: 'restarting', hubUrl: null, restarts: this.#status.restarts + 1, lastError: exit });
      await this.#o.sleep(delay);
    }
  }

  /** One daemon life: spawn, wait healthy, then wait for it to exit. Resolves with why it ended. */
  async #runOnce(): Promise<string> {
    this.#set({ state: this.#status.restarts > 0 ? 'restarting' : 'starting' });
    let out = '';
    let err = '';
    const child = this.#o.spawn();
    this.#child = child;
    let exitInfo: string | null = null;
    this.#childExited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exitInfo = `daemon exited (${signal ?? `code ${code}`})${err ? `: ${err.trim().split('\n').slice(-3).join(' ')}` : ''}`;
        if (this.#child === child) this.#child = null;
        resolve();
      });
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });

    const deadline = this.#o.now() + this.#o.healthTimeoutMs;
    let healthy = false;
    while (!this.#stopping && exitInfo === null && this.#o.now() < deadline) {
      const banner = parseBanner(out);
      if (banner.hubUrl && (await this.#healthy(banner.hubUrl))) {
        this.#banner = banner;
        healthy = true;
        break;
      }
      await this.#o.sleep(this.#o.healthIntervalMs);
    }
    if (healthy && !this.#stopping) {
      this.#set({ state: 'running', hubUrl: this.#banner.hubUrl, lastError: null });
      this.emit('ready', this.banner);
      await this.#childExited;
      return exitInfo ?? 'daemon exited';
    }
    if (exitInfo === null && !this.#stopping) {
      // Never became healthy: do not leave it half-started.
      child.kill('SIGKILL');
      await this.#childExited;
      return `daemon not healthy within ${this.#o.healthTimeoutMs} ms`;
    }
    await this.#childExited;
    return exitInfo ?? 'daemon exited';
  }

  async #healthy(hubUrl: string): Promise<boolean> {
    try {
      const res = await this.#o.fetch(`${hubUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      return res.status === 200;
    } catch {
      return false;
    }
  }
}

/** A fresh one-time login link from a running daemon (the banner's is spent once the window used it). */
export async function requestLoginUrl(
  hubUrl: string,
  adminToken: string,
  f: typeof fetch = fetch,
): Promise<string> {
  const res = await f(`${hubUrl}/api/v1/ui/login-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
  });
  if (res.status !== 201) throw new Error(`the daemon refused a login link (HTTP ${res.status})`);
  const { path } = (await res.json()) as { path: string };
  return `${hubUrl}${path}`;
}
