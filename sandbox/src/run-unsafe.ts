import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { buildSandboxEnv } from './env.js';
import { childExited, drainStreams } from './exit-wait.js';
import { emptyNamespaces, type IsolationReport } from './isolation-report.js';
import { DEFAULT_LIMITS } from './policy/schema.js';
import type { SandboxExit, SandboxedProcess, StartSandboxedOptions } from './run-types.js';

/**
 * unsafeNoSandbox: the server runs as the caller, with the policy's environment and a wall-time
 * watchdog and nothing else. Every run says so on stderr and in the report.
 */
export async function startUnsandboxed(o: StartSandboxedOptions): Promise<SandboxedProcess> {
  const warn = o.onWarning ?? ((m: string) => process.stderr.write(`mcphub sandbox: ${m}\n`));
  const message =
    'WARNING: running WITHOUT A SANDBOX (unsafeNoSandbox): the server can read your files, use your network and credentials';
  warn(message);
  const limits = { ...DEFAULT_LIMITS, ...o.policy.limits };
  const env = buildSandboxEnv(o.policy, o.hostEnv ?? process.env, {
    home: o.hostEnv?.HOME ?? process.env.HOME ?? '/tmp',
    tmpdir: process.env.TMPDIR ?? '/tmp',
    nodeDir: dirname(process.execPath),
  });
  const std = o.stdio ?? 'pipe';
  const started = Date.now();
  const child = spawn(o.command === 'node' ? process.execPath : o.command, o.args ?? [], {
    cwd: o.cwd,
    env,
    stdio: [std, std, std],
  });
  let forced: 'wall-time' | 'killed' | undefined;
  const wall = setTimeout(() => {
    forced ??= 'wall-time';
    child.kill('SIGKILL');
  }, limits.wallTimeSec * 1000);
  wall.unref();
  const result = new Promise<SandboxExit>((resolve) => {
    childExited(child).then(async ({ code, signal }) => {
      await drainStreams([child.stdout, child.stderr]);
      clearTimeout(wall);
      resolve({
        exitCode: code,
        signal,
        reason: forced ?? 'exit',
        durationMs: Date.now() - started,
        stats: {},
        proxyEvents: [],
      });
    });
  });
  const isolation: IsolationReport = {
    platform: process.platform,
    backend: 'none',
    sandboxed: false,
    unsafeNoSandbox: true,
    namespaces: emptyNamespaces(),
    observed: false,
    seccomp: { enabled: false, verified: false, deniedSyscalls: [] },
    noNewPrivileges: false,
    capabilitiesDropped: false,
    cgroup: { version: null, controllers: [], skipped: [] },
    rlimits: { via: 'none' },
    wallTimeSec: limits.wallTimeSec,
    network: { mode: 'host', allow: [] },
    filesystem: { binds: [], masks: [], walkTruncated: false },
    achieved: [],
    warnings: [message],
  };
  return {
    child,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    isolation,
    wait: () => result,
    stats: () => ({}),
    stop: async (graceMs = o.killGraceMs ?? 2000) => {
      if (child.exitCode === null && child.signalCode === null) {
        forced ??= 'killed';
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await result;
        clearTimeout(t);
      }
      return result;
    },
  };
}
