import { tmpdir } from 'node:os';
import { isSandboxError } from './errors.js';
import type { IsolationReport } from './isolation-report.js';
import { findExecutable, type LinuxHostProbe, probeLinuxHost } from './linux/probe.js';
import { resolvePolicy } from './policy/load.js';
import type { IsolationFeature } from './policy/schema.js';
import { startSandboxed } from './run.js';

export interface DoctorFeature {
  feature: IsolationFeature | 'bwrap' | 'sandbox-exec' | 'network-allowlist' | 'landlock';
  available: boolean;
  why: string;
}

export interface DoctorReport {
  platform: NodeJS.Platform;
  arch: string;
  backend: 'bwrap' | 'sandbox-exec' | 'none';
  /** True when a default policy (no network, default limits) can run sandboxed here. */
  ok: boolean;
  features: DoctorFeature[];
  /** What to do about each missing feature, one line each. */
  advice: string[];
  probe?: LinuxHostProbe;
}

/** What isolation this machine can give, and why not where it cannot (for `mcphub doctor`). */
export function doctor(opts: { bwrapPath?: string } = {}): DoctorReport {
  if (process.platform === 'darwin') {
    const se = findExecutable('sandbox-exec');
    return {
      platform: 'darwin',
      arch: process.arch,
      backend: se ? 'sandbox-exec' : 'none',
      ok: !!se,
      features: [
        { feature: 'sandbox-exec', available: !!se, why: se ?? 'not found' },
        { feature: 'rlimits', available: true, why: 'ulimit in the launch shell' },
        { feature: 'network-allowlist', available: true, why: 'host proxy on a loopback port' },
        { feature: 'cgroup-memory', available: false, why: 'macOS has no cgroups' },
        { feature: 'cgroup-cpu', available: false, why: 'macOS has no cgroups' },
        { feature: 'cgroup-pids', available: false, why: 'macOS has no cgroups' },
      ],
      advice: se
        ? ['memory/CPU/pids limits cannot be enforced on macOS; run on Linux for those']
        : ['sandbox-exec is missing'],
    };
  }
  if (process.platform !== 'linux') {
    return {
      platform: process.platform,
      arch: process.arch,
      backend: 'none',
      ok: false,
      features: [],
      advice: [`no sandbox backend for ${process.platform}`],
    };
  }
  const p = probeLinuxHost(opts);
  const layout = p.cgroup.layout;
  const has = (c: 'memory' | 'cpu' | 'pids') =>
    !!layout && (layout.version === 1 ? !!layout.parents[c] : layout.available.includes(c));
  const nsOk = !!p.bwrap.path && (p.userns.ok || p.uid === 0);
  const features: DoctorFeature[] = [
    { feature: 'bwrap', available: !!p.bwrap.path, why: p.bwrap.why },
    { feature: 'user-namespace', available: p.userns.ok, why: p.userns.why },
    ...(['pid-namespace', 'net-namespace', 'ipc-namespace', 'uts-namespace', 'mount-namespace'] as const).map(
      (f) => ({
        feature: f,
        available: nsOk,
        why: nsOk ? 'bwrap --unshare-all' : 'needs bwrap and user namespaces',
      }),
    ),
    { feature: 'seccomp', available: p.seccomp.ok, why: p.seccomp.why },
    { feature: 'cap-drop', available: !!p.bwrap.path, why: 'bwrap --cap-drop ALL' },
    { feature: 'no-new-privileges', available: !!p.bwrap.path, why: 'bwrap sets PR_SET_NO_NEW_PRIVS' },
    ...(['memory', 'cpu', 'pids'] as const).map((c) => ({
      feature: `cgroup-${c}` as IsolationFeature,
      available: has(c),
      why: p.cgroup.why,
    })),
    { feature: 'rlimits', available: !!p.prlimit, why: p.prlimit ?? 'prlimit (util-linux) not found' },
    {
      feature: 'network-allowlist',
      available: nsOk,
      why: 'host proxy over a Unix socket bound into the sandbox',
    },
    {
      feature: 'landlock',
      available: p.landlock,
      why: p.landlock ? 'in the LSM list (not used yet)' : 'not in /sys/kernel/security/lsm',
    },
  ];
  const advice: string[] = [];
  if (!p.bwrap.path)
    advice.push('install bubblewrap: apt-get install -y bubblewrap (or dnf install bubblewrap)');
  if (p.bwrap.path && !p.userns.ok) advice.push(p.userns.why);
  if (!layout)
    advice.push(
      `resource limits unavailable: ${p.cgroup.why}; on cgroup v2 run under a delegated scope (systemd-run --user --scope -p Delegate=yes)`,
    );
  if (!p.prlimit) advice.push('install util-linux for prlimit (open-files and core-dump limits)');
  return {
    platform: 'linux',
    arch: process.arch,
    backend: p.bwrap.path ? 'bwrap' : 'none',
    ok: nsOk && p.seccomp.ok,
    features,
    advice,
    probe: p,
  };
}

/** Human-readable doctor output, one feature per line. */
export function formatDoctor(r: DoctorReport): string {
  const lines = [`platform: ${r.platform}/${r.arch}  backend: ${r.backend}  ${r.ok ? 'OK' : 'NOT OK'}`];
  for (const f of r.features) lines.push(`  ${f.available ? '✔' : '✘'} ${f.feature.padEnd(18)} ${f.why}`);
  for (const a of r.advice) lines.push(`  → ${a}`);
  return lines.join('\n');
}

export interface DeepDoctorReport extends DoctorReport {
  /** What a real sandboxed run of /bin/true achieved (default policy), or why it was refused. */
  trial:
    | { ok: true; isolation: IsolationReport; durationMs: number }
    | { ok: false; code: string; message: string };
}

/**
 * doctor() plus a real trial: start /bin/true under the default policy and report what was
 * observed — the difference between "should work" and "works".
 */
export async function doctorDeep(opts: { bwrapPath?: string } = {}): Promise<DeepDoctorReport> {
  const base = doctor(opts);
  const started = Date.now();
  try {
    const run = await startSandboxed({
      command: '/bin/true',
      cwd: tmpdir(),
      policy: resolvePolicy({}),
      ...(opts.bwrapPath ? { bwrapPath: opts.bwrapPath } : {}),
      ...(base.probe ? { probe: base.probe } : {}),
      onWarning: () => {},
    });
    await run.wait();
    return { ...base, trial: { ok: true, isolation: run.isolation, durationMs: Date.now() - started } };
  } catch (err) {
    return {
      ...base,
      ok: false,
      trial: {
        ok: false,
        code: isSandboxError(err) ? err.code : 'SBX_ERR_SPAWN_FAILED',
        message: (err as Error).message,
      },
    };
  }
}
