import type { Readable, Writable } from 'node:stream';
import { createToolsGuard, type GuardEvent, type GuardMode, type GuardState } from '../guard/tools-guard.js';
import type { IsolationReport } from '../isolation-report.js';
import { startSandboxed } from '../run.js';
import type { SandboxExit, StartSandboxedOptions } from '../run-types.js';
import { bridgeStdio } from './stdio-bridge.js';

export interface ServeOverStdioOptions extends Omit<StartSandboxedOptions, 'stdio'> {
  input?: Readable;
  output?: Writable;
  errorOutput?: Writable;
  /** Certified tools digest: when set, the tools guard sits between client and server. */
  toolsDigest?: string;
  guardMode?: GuardMode;
  onGuardEvent?: (e: GuardEvent) => void;
  /** Stop the sandbox on SIGINT/SIGTERM/SIGHUP (default true). */
  handleSignals?: boolean;
  /** Called once the sandbox is up, with what it achieved (e.g. to log it to stderr). */
  onStarted?: (isolation: IsolationReport) => void;
}

export interface ServeOverStdioResult {
  exit: SandboxExit;
  isolation: IsolationReport;
  /** What the CLI should exit with (see processExitCode). */
  exitCode: number;
  guard?: { state: GuardState; actualDigest?: string };
}

/**
 * The CLI's exit status for a sandbox exit: the server's own code; 124 for wall time (as
 * timeout(1)); 137 for out-of-memory (SIGKILL); 128+n for a signal; 143 when stopped.
 */
export function processExitCode(exit: SandboxExit): number {
  if (exit.reason === 'wall-time') return 124;
  if (exit.reason === 'oom') return 137;
  if (exit.reason === 'killed') return 143;
  if (exit.exitCode !== null) return exit.exitCode;
  const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15 };
  return 128 + (exit.signal ? (signals[exit.signal] ?? 1) : 1);
}

/**
 * `mcphub run` in one call: start the server sandboxed, connect it to this process's stdio (through
 * the tools guard when a certified digest is known), stop it on a signal, resolve with the exit.
 * Throws only what startSandboxed throws (SBX_ERR_*: the sandbox could not be had).
 */
export async function serveOverStdio(o: ServeOverStdioOptions): Promise<ServeOverStdioResult> {
  const run = await startSandboxed({ ...o, stdio: 'pipe' });
  o.onStarted?.(run.isolation);
  const guard = o.toolsDigest
    ? createToolsGuard({
        expectedDigest: o.toolsDigest,
        mode: o.guardMode ?? 'strict',
        ...(o.onGuardEvent ? { onEvent: o.onGuardEvent } : {}),
      })
    : undefined;
  bridgeStdio(run, {
    input: o.input ?? process.stdin,
    output: o.output ?? process.stdout,
    errorOutput: o.errorOutput ?? process.stderr,
    ...(guard ? { guard } : {}),
  });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const onSignal = () => void run.stop();
  if (o.handleSignals !== false) for (const s of signals) process.on(s, onSignal);
  try {
    const exit = await run.wait();
    const g = guard?.actualDigest();
    return {
      exit,
      isolation: run.isolation,
      exitCode: processExitCode(exit),
      ...(guard ? { guard: { state: guard.state(), ...(g ? { actualDigest: g } : {}) } } : {}),
    };
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}
