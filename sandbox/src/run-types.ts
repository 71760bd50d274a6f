import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { IsolationReport } from './isolation-report.js';
import type { CgroupStats } from './linux/cgroup-runtime.js';
import type { LinuxHostProbe } from './linux/probe.js';
import type { ProxyEvent } from './net/proxy.js';
import type { Policy } from './policy/schema.js';

export interface StartSandboxedOptions {
  /** `node` means the host's node binary (bound read-only inside). */
  command: string;
  args?: string[];
  /** Host directory of the package; read-only at /app inside, and the working directory. */
  cwd: string;
  policy: Policy;
  /** 'pipe' (default) for an MCP client to talk over child.stdin/stdout; 'inherit' for `mcphub run`. */
  stdio?: 'pipe' | 'inherit';
  /** Host environment that `env.allow` names are taken from (default process.env). */
  hostEnv?: NodeJS.ProcessEnv;
  /** Run with no isolation at all. Reported loudly; never the default. */
  unsafeNoSandbox?: boolean;
  bwrapPath?: string;
  /**
   * Root only: run bwrap (and so the sandbox) as this unprivileged host user. Without it a root
   * supervisor's sandbox is uid 0 on the host — capability-less, but the owner of root's files.
   * The package, mounts and writable mounts must then be accessible to that user.
   */
  hostUser?: { uid: number; gid: number };
  /** Home directory the deny list is anchored at (default os.homedir()). */
  home?: string;
  /** Reuse a probe (doctor/CLI) instead of probing per run. */
  probe?: LinuxHostProbe;
  /** SIGTERM → SIGKILL grace for stop() (ms). */
  killGraceMs?: number;
  onProxyEvent?: (e: ProxyEvent) => void;
  /** How the allowlist proxy resolves names on the host (default dns.lookup); for split-horizon DNS and tests. */
  resolveHost?: (host: string) => Promise<string>;
  /** Where warnings go (default: stderr, so MCP stdout stays clean). */
  onWarning?: (message: string) => void;
}

export type ExitReason = 'exit' | 'oom' | 'wall-time' | 'killed';

export interface SandboxExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  reason: ExitReason;
  durationMs: number;
  stats: CgroupStats;
  proxyEvents: ProxyEvent[];
  /** bwrap's own error when the sandbox could not be set up or the command could not be executed. */
  setupError?: string;
}

export interface SandboxedProcess {
  /** The launcher process (shim → prlimit → bwrap on Linux). Use for pid/kill, not for stdio. */
  child: ChildProcess;
  /**
   * The server's stdio (null with stdio: 'inherit'). Read these, not child.stdout: the runner may
   * spend a few ms observing the sandbox before returning, and Node discards the output of a child
   * that exits before anyone listens — these streams buffer it.
   */
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  isolation: IsolationReport;
  /** Host pid of the sandbox's first process inside its namespaces (Linux), when known. */
  sandboxPid?: number;
  wait(): Promise<SandboxExit>;
  /** SIGTERM, then SIGKILL after the grace period; resolves with the exit. */
  stop(graceMs?: number): Promise<SandboxExit>;
  /** Live resource usage (cgroup counters) while running. */
  stats(): CgroupStats;
}
