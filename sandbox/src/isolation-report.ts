import type { Mask, ResolvedBind } from './mounts.js';
import type { IsolationFeature, NetworkMode } from './policy/schema.js';

/** What a run actually got — observed where it can be (namespaces, seccomp), planned otherwise. */
export interface IsolationReport {
  platform: NodeJS.Platform;
  backend: 'bwrap' | 'sandbox-exec' | 'none';
  sandboxed: boolean;
  /** True when the caller passed unsafeNoSandbox: nothing below protects the host. */
  unsafeNoSandbox: boolean;
  namespaces: Record<'user' | 'pid' | 'net' | 'ipc' | 'uts' | 'mnt' | 'cgroup', boolean>;
  /** True when namespaces/seccomp/capabilities were read from /proc of the running sandbox. */
  observed: boolean;
  seccomp: { enabled: boolean; verified: boolean; deniedSyscalls: string[] };
  noNewPrivileges: boolean | null;
  capabilitiesDropped: boolean | null;
  cgroup: {
    version: 1 | 2 | null;
    controllers: string[];
    memoryBytes?: number;
    cpuQuotaUs?: number;
    cpuPeriodUs?: number;
    pidsMax?: number;
    /** Control files that could not be written (e.g. memsw without swap accounting). */
    skipped: string[];
  };
  /** The unprivileged host user the sandbox ran as (root supervisor with hostUser). */
  hostUser?: { uid: number; gid: number };
  rlimits: { nofile?: number; core?: number; cpuSec?: number; via: 'prlimit' | 'setrlimit' | 'none' };
  wallTimeSec?: number;
  network: {
    mode: NetworkMode;
    allow: string[];
    proxy?: string;
    /** Allowlisted names reachable without proxy support: `name:port -> loopback address`. */
    transparent?: string[];
  };
  filesystem: { binds: ResolvedBind[]; masks: Mask[]; walkTruncated: boolean };
  /** Features from IsolationFeature that were achieved. */
  achieved: IsolationFeature[];
  warnings: string[];
}

export function emptyNamespaces(): IsolationReport['namespaces'] {
  return { user: false, pid: false, net: false, ipc: false, uts: false, mnt: false, cgroup: false };
}

/** Map a report to the policy's feature names, for `isolation.require` checks. */
export function achievedFeatures(r: Omit<IsolationReport, 'achieved'>): IsolationFeature[] {
  const f: IsolationFeature[] = [];
  if (r.namespaces.user) f.push('user-namespace');
  if (r.namespaces.pid) f.push('pid-namespace');
  if (r.namespaces.net) f.push('net-namespace');
  if (r.namespaces.ipc) f.push('ipc-namespace');
  if (r.namespaces.uts) f.push('uts-namespace');
  if (r.namespaces.mnt) f.push('mount-namespace');
  if (r.seccomp.enabled) f.push('seccomp');
  if (r.cgroup.controllers.includes('memory')) f.push('cgroup-memory');
  if (r.cgroup.controllers.includes('cpu')) f.push('cgroup-cpu');
  if (r.cgroup.controllers.includes('pids')) f.push('cgroup-pids');
  if (r.rlimits.via !== 'none') f.push('rlimits');
  if (r.noNewPrivileges) f.push('no-new-privileges');
  if (r.capabilitiesDropped) f.push('cap-drop');
  return f;
}
