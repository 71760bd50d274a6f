import { spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildSandboxEnv } from '../env.js';
import { SandboxError } from '../errors.js';
import { childExited, drainStreams } from '../exit-wait.js';
import { emptyNamespaces, type IsolationReport } from '../isolation-report.js';
import { findExecutable } from '../linux/probe.js';
import { resolveMounts } from '../mounts.js';
import { type AllowlistProxy, startAllowlistProxy } from '../net/proxy.js';
import { HOME_DENY_LIST } from '../policy/deny-list.js';
import { DEFAULT_LIMITS } from '../policy/schema.js';
import type { SandboxExit, SandboxedProcess, StartSandboxedOptions } from '../run-types.js';
import { buildSbplProfile } from './sbpl.js';

/** Applies rlimits in the shell that then execs the server (macOS has no prlimit). */
export const RLIMIT_SHIM = 'ulimit -n "$1" && ulimit -c 0 && shift && exec "$@"';

/**
 * macOS: sandbox-exec with a generated profile, rlimits (open files, no core) and a wall-time
 * watchdog. No memory, CPU-share or process-count limit: macOS has no cgroups and does not
 * enforce RLIMIT_AS/RLIMIT_DATA reliably — the report says so.
 */
export async function startMacosSandbox(o: StartSandboxedOptions): Promise<SandboxedProcess> {
  const policy = o.policy;
  const warn = o.onWarning ?? ((m: string) => process.stderr.write(`mcphub sandbox: ${m}\n`));
  const warnings: string[] = [];
  const sandboxExec = findExecutable('sandbox-exec');
  if (!sandboxExec) throw new SandboxError('SBX_ERR_ISOLATION_UNMET', 'sandbox-exec not found');
  const explicit = ['memoryMb', 'cpuShare', 'pids'].filter((k) => k in policy.limits);
  const cgroupLike = policy.isolation.require.filter(
    (f) => f.startsWith('cgroup-') || f.endsWith('-namespace') || f === 'seccomp',
  );
  if (explicit.length || cgroupLike.length) {
    throw new SandboxError(
      'SBX_ERR_ISOLATION_UNMET',
      `macOS cannot enforce ${[...explicit, ...cgroupLike].join(', ')} (no cgroups, namespaces or seccomp)`,
    );
  }
  const limits = { ...DEFAULT_LIMITS, ...policy.limits };
  const mounts = resolveMounts(policy.filesystem.mounts, o.home ? { home: o.home } : {});
  const runDir = realpathSync(mkdtempSync(join(tmpdir(), 'mcphub-run-')));
  let proxy: AllowlistProxy | undefined;
  if (policy.network.mode === 'allowlist') {
    proxy = await startAllowlistProxy({
      tcp: true,
      allow: policy.network.allow,
      ...(o.onProxyEvent ? { onEvent: o.onProxyEvent } : {}),
      ...(o.resolveHost ? { resolve: o.resolveHost } : {}),
    });
  }
  const node = realpathSync(process.execPath);
  const home = o.home ?? homedir();
  const profile = buildSbplProfile({
    runtimeReadPaths: [dirname(dirname(node))],
    exec: [...new Set([node, '/bin/sh', ...(o.command.startsWith('/') ? [o.command] : [])])],
    packageDir: realpathSync(o.cwd),
    tmpDir: runDir,
    mounts: mounts.binds,
    deny: [...HOME_DENY_LIST.map((p) => join(home, p)), ...mounts.masks.map((m) => m.hides)],
    network: { mode: policy.network.mode, ...(proxy?.port ? { proxyPort: proxy.port } : {}) },
  });
  const proxyUrl = proxy?.port ? `http://127.0.0.1:${proxy.port}` : undefined;
  const env = buildSandboxEnv(policy, o.hostEnv ?? process.env, {
    home: runDir,
    tmpdir: runDir,
    nodeDir: dirname(node),
    ...(proxyUrl ? { proxyUrl, socksUrl: `socks5h://127.0.0.1:${proxy!.port}` } : {}),
  });
  const std = o.stdio ?? 'pipe';
  const started = Date.now();
  const command = o.command === 'node' ? node : o.command;
  const child = spawn(
    sandboxExec,
    [
      '-p',
      profile,
      '/bin/sh',
      '-c',
      RLIMIT_SHIM,
      'mcphub-shim',
      String(limits.openFiles),
      command,
      ...(o.args ?? []),
    ],
    { cwd: o.cwd, env, stdio: [std, std, std] },
  );
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
      const proxyEvents = proxy?.events ?? [];
      await proxy?.close();
      rmSync(runDir, { recursive: true, force: true });
      resolve({
        exitCode: code,
        signal,
        reason: forced ?? 'exit',
        durationMs: Date.now() - started,
        stats: {},
        proxyEvents,
      });
    });
  });
  const m = 'macOS: no memory, CPU-share or process-count limits (no cgroups)';
  warnings.push(m);
  warn(m);
  const isolation: IsolationReport = {
    platform: 'darwin',
    backend: 'sandbox-exec',
    sandboxed: true,
    unsafeNoSandbox: false,
    namespaces: emptyNamespaces(),
    observed: false,
    seccomp: { enabled: false, verified: false, deniedSyscalls: [] },
    noNewPrivileges: null,
    capabilitiesDropped: null,
    cgroup: { version: null, controllers: [], skipped: [] },
    rlimits: { nofile: limits.openFiles, core: 0, via: 'setrlimit' },
    wallTimeSec: limits.wallTimeSec,
    network: {
      mode: policy.network.mode,
      allow: policy.network.allow,
      ...(proxyUrl ? { proxy: proxyUrl } : {}),
    },
    filesystem: mounts,
    achieved: ['rlimits'],
    warnings,
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
