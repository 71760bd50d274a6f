import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { buildSandboxEnv } from '../env.js';
import { SandboxError } from '../errors.js';
import { childExited, drainStreams } from '../exit-wait.js';
import { achievedFeatures, emptyNamespaces, type IsolationReport } from '../isolation-report.js';
import { resolveMounts, resolvePackageDir } from '../mounts.js';
import { parseAllowEntry } from '../net/allowlist.js';
import { type AllowlistProxy, startAllowlistProxy } from '../net/proxy.js';
import { planTransparentRoutes } from '../net/transparent.js';
import { DEFAULT_LIMITS, type IsolationFeature, type Limits } from '../policy/schema.js';
import type { SandboxExit, SandboxedProcess, StartSandboxedOptions } from '../run-types.js';
import { buildBwrapArgs } from './bwrap-args.js';
import {
  type AppliedCgroup,
  type CgroupStats,
  cgroupPids,
  createCgroups,
  killCgroup,
  readCgroupStats,
  removeCgroups,
  sweepStaleCgroups,
} from './cgroup-runtime.js';
import { type CgroupPlan, planCgroups } from './cgroups.js';
import { descendants, lowerPortFloor, NS, nsOf, readInfo, statusField } from './observe.js';
import { type LinuxSandboxPlan, SANDBOX_PATHS } from './plan.js';
import { findExecutable, probeLinuxHost, probeRuntimeLayout } from './probe.js';
import { buildSeccompFilter, DENIED_SYSCALLS, ENOSYS_SYSCALLS } from './seccomp.js';
import { CGROUP_SHIM, CGROUP_SHIM_BASH } from './shim.js';

export const LAUNCHER_HOST_PATH = fileURLToPath(
  new URL('../../assets/sandbox-launcher.mjs', import.meta.url),
);
export const PROXY_PORT_INSIDE = 3128;
const SECCOMP_FD = 3;
const INFO_FD = 4;
const BLOCK_FD = 5;

/** Remove per-run temp dirs (proxy socket, hosts file) left by a supervisor that died. */
function sweepStaleRunDirs(dir: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^mcphub-run-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH')
        rmSync(join(dir, name), { recursive: true, force: true });
    }
  }
}

/** Which explicitly requested limits need which cgroup controller. */
function requiredControllers(limits: Limits): ('memory' | 'cpu' | 'pids')[] {
  const r: ('memory' | 'cpu' | 'pids')[] = [];
  if (limits.memoryMb !== undefined) r.push('memory');
  if (limits.cpuShare !== undefined) r.push('cpu');
  if (limits.pids !== undefined) r.push('pids');
  return r;
}

export async function startLinuxSandbox(o: StartSandboxedOptions): Promise<SandboxedProcess> {
  const policy = o.policy;
  const warn = o.onWarning ?? ((m: string) => process.stderr.write(`mcphub sandbox: ${m}\n`));
  const warnings: string[] = [];
  const note = (m: string) => {
    warnings.push(m);
    warn(m);
  };
  const limits: Required<Limits> = { ...DEFAULT_LIMITS, ...policy.limits };
  const probe = o.probe ?? probeLinuxHost(o.bwrapPath ? { bwrapPath: o.bwrapPath } : {});
  const required = new Set<IsolationFeature>(policy.isolation.require);

  // ---- fail closed on what cannot be had -------------------------------------------------------
  if (!probe.bwrap.path) {
    throw new SandboxError('SBX_ERR_BWRAP_MISSING', 'install it with: apt-get install -y bubblewrap', {
      fix: 'apt-get install -y bubblewrap',
    });
  }
  if (!probe.userns.ok) {
    if (probe.uid !== 0 || required.has('user-namespace')) {
      throw new SandboxError('SBX_ERR_USERNS_BLOCKED', probe.userns.why, {
        apparmorRestricted: probe.userns.apparmorRestricted,
      });
    }
    note(`no user namespace (${probe.userns.why}); running as root with the other namespaces`);
  }
  if (!probe.seccomp.ok || !probe.seccomp.arch)
    throw new SandboxError('SBX_ERR_SECCOMP_UNAVAILABLE', probe.seccomp.why);
  const explicitControllers = requiredControllers(policy.limits);
  const layout = probe.cgroup.layout;
  let cgPlan: CgroupPlan | undefined;
  if (layout) {
    cgPlan = planCgroups(limits, layout, `mcphub-${process.pid}-${randomBytes(4).toString('hex')}`);
    const missing = explicitControllers.filter((c) => !cgPlan!.limited.includes(c));
    if (missing.length) {
      throw new SandboxError(
        'SBX_ERR_CGROUP_UNAVAILABLE',
        `no ${missing.join(', ')} controller: ${probe.cgroup.why}`,
      );
    }
    for (const c of ['memory', 'cpu', 'pids'] as const) {
      if (!cgPlan.limited.includes(c)) note(`default ${c} limit not applied: no ${c} controller`);
    }
  } else if (explicitControllers.length) {
    throw new SandboxError('SBX_ERR_CGROUP_UNAVAILABLE', probe.cgroup.why);
  } else {
    note(`default resource limits not applied: ${probe.cgroup.why}`);
  }
  const predicted = new Set<IsolationFeature>([
    'pid-namespace',
    'ipc-namespace',
    'uts-namespace',
    'mount-namespace',
    'seccomp',
    'no-new-privileges',
    'cap-drop',
  ]);
  if (probe.userns.ok) predicted.add('user-namespace');
  if (policy.network.mode !== 'host') predicted.add('net-namespace');
  for (const c of cgPlan?.limited ?? []) predicted.add(`cgroup-${c}` as IsolationFeature);
  if (probe.prlimit) predicted.add('rlimits');
  const unmet = [...required].filter((f) => !predicted.has(f));
  if (unmet.length) {
    throw new SandboxError('SBX_ERR_ISOLATION_UNMET', `cannot provide: ${unmet.join(', ')}`, { unmet });
  }

  // ---- build the plan (touches the host: real paths, temp dir, proxy) ---------------------------
  const packageDir = resolvePackageDir(o.cwd, o.home);
  const mounts = resolveMounts(policy.filesystem.mounts, o.home ? { home: o.home } : {});
  if (mounts.walkTruncated)
    note('a mounted tree was too large to scan fully for .git/hooks, .mcp.json, .gitconfig');
  sweepStaleRunDirs(tmpdir());
  const runDir = mkdtempSync(join(tmpdir(), `mcphub-run-${process.pid}-`));
  let proxy: AllowlistProxy | undefined;
  let applied: AppliedCgroup | undefined;
  const cleanupSetup = async () => {
    await proxy?.close();
    if (applied) await removeCgroups(applied.plan);
    rmSync(runDir, { recursive: true, force: true });
  };

  try {
    if (policy.network.mode === 'allowlist') {
      proxy = await startAllowlistProxy({
        socketPath: join(runDir, 'proxy.sock'),
        allow: policy.network.allow,
        ...(o.onProxyEvent ? { onEvent: o.onProxyEvent } : {}),
        ...(o.resolveHost ? { resolve: o.resolveHost } : {}),
      });
    }
    const transparent = proxy ? planTransparentRoutes(policy.network.allow.map(parseAllowEntry)) : undefined;
    if (transparent) {
      writeFileSync(join(runDir, 'hosts'), transparent.hostsFile);
      writeFileSync(join(runDir, 'nsswitch.conf'), transparent.nsswitchFile);
    }
    const runtime = probeRuntimeLayout();
    const proxyUrl = proxy ? `http://127.0.0.1:${PROXY_PORT_INSIDE}` : undefined;
    const env = buildSandboxEnv(policy, o.hostEnv ?? process.env, {
      home: SANDBOX_PATHS.home,
      tmpdir: '/tmp',
      nodeDir: dirname(runtime.node),
      ...(proxyUrl ? { proxyUrl, socksUrl: `socks5h://127.0.0.1:${PROXY_PORT_INSIDE}` } : {}),
    });
    const command = o.command === 'node' ? runtime.node : o.command;
    const args = o.args ?? [];
    if (proxy) {
      env.MCPHUB_PROXY_SOCKET = SANDBOX_PATHS.proxySocket;
      env.MCPHUB_PROXY_PORT = String(PROXY_PORT_INSIDE);
      env.MCPHUB_TRANSPARENT = JSON.stringify(transparent?.routes ?? []);
    }
    const plan: LinuxSandboxPlan = {
      command: proxy ? runtime.node : command,
      args: proxy ? [SANDBOX_PATHS.launcher, '--', command, ...args] : args,
      packageDir,
      cwd: SANDBOX_PATHS.app,
      runtime,
      network: {
        mode: policy.network.mode,
        ...(proxy
          ? {
              proxySocket: proxy.socketPath,
              proxyPort: PROXY_PORT_INSIDE,
              hostsFile: join(runDir, 'hosts'),
              nsswitchFile: join(runDir, 'nsswitch.conf'),
            }
          : {}),
      },
      ...(proxy ? { launcher: LAUNCHER_HOST_PATH } : {}),
      mounts,
      env,
      seccompFd: SECCOMP_FD,
      infoFd: INFO_FD,
      blockFd: BLOCK_FD,
      disableUserns: probe.userns.ok && probe.bwrap.disableUserns,
    };
    const bwrapArgs = buildBwrapArgs(plan);
    const seccomp = buildSeccompFilter(probe.seccomp.arch);
    if (cgPlan && layout) {
      for (const d of sweepStaleCgroups(layout)) note(`removed a stale run cgroup: ${d}`);
      applied = createCgroups(cgPlan);
    }

    // As root, optionally become an unprivileged host user before bwrap: the sandbox's files are
    // then accessed as that user, not as root-without-capabilities (which still owns root's files).
    let dropTo: string[] = [];
    if (o.hostUser) {
      const setpriv = findExecutable('setpriv');
      if (probe.uid !== 0)
        throw new SandboxError('SBX_ERR_ISOLATION_UNMET', 'hostUser needs the supervisor to run as root');
      if (!setpriv) throw new SandboxError('SBX_ERR_ISOLATION_UNMET', 'hostUser needs setpriv (util-linux)');
      if (!probe.userns.ok)
        throw new SandboxError(
          'SBX_ERR_USERNS_BLOCKED',
          `hostUser needs user namespaces: ${probe.userns.why}`,
        );
      dropTo = [setpriv, `--reuid=${o.hostUser.uid}`, `--regid=${o.hostUser.gid}`, '--clear-groups', '--'];
      chmodSync(runDir, 0o711); // bwrap, now unprivileged, must reach the proxy socket and hosts file
    }
    const argv = [
      ...(probe.prlimit
        ? [probe.prlimit, `--nofile=${limits.openFiles}:${limits.openFiles}`, '--core=0:0', '--']
        : []),
      ...dropTo,
      probe.bwrap.path,
      ...bwrapArgs,
    ];
    if (!probe.prlimit) note('prlimit not found: open-files and core-dump rlimits not applied');

    const std = o.stdio ?? 'pipe';
    const started = Date.now();
    const bash = findExecutable('bash');
    if (!bash) note('bash not found: descriptors inherited from the caller are not closed before bwrap');
    const shell = bash ?? '/bin/sh';
    const child: ChildProcess = spawn(
      shell,
      [
        ...(bash ? ['--norc', '--noprofile'] : []),
        '-c',
        bash ? CGROUP_SHIM_BASH : CGROUP_SHIM,
        'mcphub-shim',
        ...argv,
      ],
      {
        stdio: [std, std, std, 'pipe', 'pipe', 'pipe'],
        cwd: runDir,
        env: { PATH: '/usr/bin:/bin', MCPHUB_CGROUP_PROCS: applied?.plan.procs.join(':') ?? '' },
      },
    );
    const exited = childExited(child);
    // Take the output before anything else can run: see SandboxedProcess.stdout.
    const stdout = child.stdout ? child.stdout.pipe(new PassThrough()) : null;
    const stderr = child.stderr ? child.stderr.pipe(new PassThrough()) : null;
    // Keep the head of stderr: bwrap reports setup failures there ("bwrap: Can't chdir to /app").
    let stderrHead = '';
    child.stderr?.on('data', (d: Buffer) => {
      if (stderrHead.length < 2048) stderrHead += d.toString('utf8', 0, 2048 - stderrHead.length);
    });
    (child.stdio[SECCOMP_FD] as Writable).on('error', () => {});
    (child.stdio[SECCOMP_FD] as Writable).end(seccomp);
    const info = await Promise.race([
      readInfo(child.stdio[INFO_FD] as Readable),
      exited.then(() => undefined),
    ]);
    const sandboxPid = info?.['child-pid'];
    if (!sandboxPid) {
      const ex = await Promise.race([exited, sleep(2000).then(() => undefined)]);
      child.kill('SIGKILL');
      await cleanupSetup();
      throw new SandboxError(
        'SBX_ERR_SPAWN_FAILED',
        `bwrap exited before starting the sandbox (code ${ex?.code ?? '?'}${ex?.code === 125 ? ', could not join cgroup' : ''})`,
      );
    }

    // ---- observe what was actually achieved ----------------------------------------------------
    const namespaces = emptyNamespaces();
    let observed = true;
    for (const ns of NS) {
      const mine = nsOf('self', ns);
      const theirs = nsOf(sandboxPid, ns);
      if (!theirs) observed = false;
      namespaces[ns] = !!mine && !!theirs && mine !== theirs;
    }
    if (!observed)
      note('the sandbox exited before its namespaces could be read; they are reported as not achieved');
    // Transparent routes listen on the allowed ports (443…) inside the sandbox's own network
    // namespace; ports below 1024 need that namespace's unprivileged-port floor lowered — from
    // outside, while bwrap waits, since nothing inside keeps a capability.
    if (transparent?.routes.some((r) => r.port < 1024)) {
      const why = lowerPortFloor(sandboxPid, probe.userns.ok);
      if (why) note(`transparent routes below port 1024 unavailable (proxy variables still work): ${why}`);
    }
    // bwrap is blocked on BLOCK_FD before exec: the namespaces above were read from a live process.
    const release = (child.stdio as unknown as (Writable | null)[])[BLOCK_FD]!;
    release.on('error', () => {});
    release.end('go');
    const candidates = () =>
      (applied ? cgroupPids(applied.plan) : descendants(sandboxPid)).filter(
        (p) => p !== child.pid && p !== sandboxPid,
      );
    let seccompVerified = false;
    let nnp: boolean | null = null;
    let capsDropped: boolean | null = null;
    for (let i = 0; i < 200 && !seccompVerified; i++) {
      for (const p of candidates()) {
        if (nsOf(p, 'pid') !== nsOf(sandboxPid, 'pid')) continue;
        if (statusField(p, 'Seccomp') === '2') {
          seccompVerified = true;
          nnp = statusField(p, 'NoNewPrivs') === '1';
          capsDropped =
            /^0+$/.test(statusField(p, 'CapEff') ?? 'x') && /^0+$/.test(statusField(p, 'CapBnd') ?? 'x');
          break;
        }
      }
      if (seccompVerified || child.exitCode !== null) break;
      await sleep(5);
    }
    if (!seccompVerified) note('could not observe the sandboxed process in time to verify seccomp');

    const base = {
      platform: process.platform,
      backend: 'bwrap' as const,
      sandboxed: true,
      unsafeNoSandbox: false,
      namespaces,
      observed,
      seccomp: {
        enabled: true,
        verified: seccompVerified,
        deniedSyscalls: [...DENIED_SYSCALLS, ...ENOSYS_SYSCALLS],
      },
      noNewPrivileges: nnp,
      capabilitiesDropped: capsDropped,
      cgroup: {
        version: applied?.plan.version ?? null,
        controllers: applied?.plan.limited ?? [],
        ...applied?.plan.applied,
        skipped: applied?.skipped ?? [],
      },
      ...(o.hostUser ? { hostUser: o.hostUser } : {}),
      rlimits: probe.prlimit
        ? { nofile: limits.openFiles, core: 0, via: 'prlimit' as const }
        : { via: 'none' as const },
      wallTimeSec: limits.wallTimeSec,
      network: {
        mode: policy.network.mode,
        allow: policy.network.allow,
        ...(proxy ? { proxy: proxy.socketPath } : {}),
        ...(transparent
          ? { transparent: transparent.routes.map((r) => `${r.host}:${r.port} -> ${r.ip}`) }
          : {}),
      },
      filesystem: mounts,
      warnings,
    };
    const isolation: IsolationReport = { ...base, achieved: achievedFeatures(base) };
    // Namespaces were observed; anything required but absent now means the run must not continue.
    const lost = [...required].filter(
      (f) =>
        !isolation.achieved.includes(f) && f !== 'seccomp' && f !== 'cap-drop' && f !== 'no-new-privileges',
    );
    if (lost.length) {
      child.kill('SIGKILL');
      await exited;
      await cleanupSetup();
      throw new SandboxError('SBX_ERR_ISOLATION_UNMET', `observed without: ${lost.join(', ')}`, {
        unmet: lost,
      });
    }

    // ---- supervise -------------------------------------------------------------------------------
    let forced: 'wall-time' | 'killed' | undefined;
    const killAll = () => {
      if (applied) killCgroup(applied.plan);
      child.kill('SIGKILL');
    };
    const wall = setTimeout(() => {
      forced ??= 'wall-time';
      killAll();
    }, limits.wallTimeSec * 1000);
    wall.unref();

    const result: Promise<SandboxExit> = exited.then(async ({ code, signal }) => {
      clearTimeout(wall);
      const stats: CgroupStats = applied ? readCgroupStats(applied.plan) : {};
      // An OOM kill of a helper process the server survived is in stats, not the reason.
      const reason = forced ?? ((stats.oomKills ?? 0) > 0 && code !== 0 ? 'oom' : 'exit');
      const proxyEvents = proxy?.events ?? [];
      await cleanupSetup();
      await drainStreams([stdout, stderr]);
      const setupError = code === 1 ? /^bwrap: .*$/m.exec(stderrHead)?.[0] : undefined;
      return {
        exitCode: code,
        signal,
        reason,
        durationMs: Date.now() - started,
        stats,
        proxyEvents,
        ...(setupError ? { setupError } : {}),
      };
    });

    return {
      child,
      stdin: child.stdin,
      stdout,
      stderr,
      isolation,
      sandboxPid,
      wait: () => result,
      stats: () => (applied ? readCgroupStats(applied.plan) : {}),
      stop: async (graceMs = o.killGraceMs ?? 2000) => {
        if (child.exitCode === null && child.signalCode === null) {
          forced ??= 'killed';
          for (const p of applied ? cgroupPids(applied.plan) : [sandboxPid, ...descendants(sandboxPid)]) {
            try {
              process.kill(p, 'SIGTERM');
            } catch {}
          }
          const t = setTimeout(killAll, graceMs);
          await exited;
          clearTimeout(t);
        }
        return result;
      },
    };
  } catch (err) {
    await cleanupSetup();
    throw err;
  }
}
