import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SandboxError } from '../errors.js';
import type { CgroupController, CgroupLayout, CgroupPlan } from './cgroups.js';

const CONTROLLERS: CgroupController[] = ['memory', 'cpu', 'cpuacct', 'pids'];

function readText(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return existsSync(join(dir, 'cgroup.procs'));
  } catch {
    return false;
  }
}

/**
 * Find where this process may create child cgroups: pure cgroup v2 (when /sys/fs/cgroup is cgroup2
 * and our own cgroup's parent delegates controllers), else v1 hierarchies (hybrid hosts keep the
 * controllers on v1). Children go under *our own* cgroup so the run stays inside whatever limits
 * the caller already lives in.
 */
export function probeCgroupLayout(
  mountinfo = readText('/proc/self/mountinfo') ?? '',
  selfCgroup = readText('/proc/self/cgroup') ?? '',
): { layout?: CgroupLayout; why: string } {
  const mounts: { point: string; fstype: string; opts: string[] }[] = [];
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const point = pre.split(' ')[4];
    const [fstype, , superOpts] = post.split(' ');
    if (!point || !fstype) continue;
    mounts.push({ point, fstype, opts: (superOpts ?? '').split(',') });
  }
  const paths = new Map<string, string>();
  for (const line of selfCgroup.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (m) paths.set(m[2]!, m[3]!);
  }

  const v2 = mounts.find((m) => m.fstype === 'cgroup2');
  const v1 = mounts.filter((m) => m.fstype === 'cgroup');
  if (v2 && v1.length === 0) {
    let own = paths.get('') ?? '/';
    // After a first run moved us into our supervisor leaf (see createCgroups), runs go beside it.
    if (/\/mcphub-supervisor-\d+$/.test(own)) own = dirname(own);
    const parent = join(v2.point, own);
    const available = (readText(join(parent, 'cgroup.controllers')) ?? '')
      .trim()
      .split(/\s+/)
      .filter((c): c is CgroupController => CONTROLLERS.includes(c as CgroupController));
    if (!writable(parent)) {
      return { why: `cgroup v2 at ${parent} is not writable by uid ${process.getuid?.()} (no delegation)` };
    }
    return { layout: { version: 2, parent, available: [...available, 'cpuacct'] }, why: 'cgroup v2' };
  }
  const parents: Partial<Record<CgroupController, string>> = {};
  const missing: string[] = [];
  for (const c of CONTROLLERS) {
    const mount = v1.find((m) => m.opts.includes(c));
    const key = [...paths.keys()].find((k) => k.split(',').includes(c));
    if (!mount || key === undefined) {
      missing.push(`${c} (not mounted)`);
      continue;
    }
    const dir = join(mount.point, paths.get(key)!);
    if (!writable(dir)) {
      missing.push(`${c} (${dir} not writable)`);
      continue;
    }
    parents[c] = dir;
  }
  if (Object.keys(parents).length === 0) {
    return { why: `no usable cgroup v1 controller: ${missing.join(', ') || 'no cgroup mounts'}` };
  }
  return {
    layout: { version: 1, parents },
    why: missing.length ? `cgroup v1; unavailable: ${missing.join(', ')}` : 'cgroup v1',
  };
}

export interface AppliedCgroup {
  plan: CgroupPlan;
  /** Optional writes that could not be applied (e.g. memsw without swap accounting). */
  skipped: string[];
}

/** Create the run's cgroups and apply the limits. On any failure, undo and throw. */
export function createCgroups(plan: CgroupPlan): AppliedCgroup {
  const made: string[] = [];
  const skipped: string[] = [];
  try {
    for (const w of plan.writes.filter((w) => w.path.endsWith('cgroup.subtree_control'))) {
      try {
        writeFileSync(w.path, w.value);
      } catch (err) {
        // cgroup v2 "no internal processes": controllers cannot be enabled for the children of a
        // cgroup that itself holds processes — ours. Move this process into a leaf beside the runs
        // (what container runtimes do in a delegated scope), then retry. Untested on a host with
        // delegated v2 controllers: the CI host here is v1.
        if ((err as NodeJS.ErrnoException).code !== 'EBUSY') throw err;
        const leaf = join(dirname(w.path), `mcphub-supervisor-${process.pid}`);
        mkdirSync(leaf, { recursive: true });
        writeFileSync(join(leaf, 'cgroup.procs'), String(process.pid));
        writeFileSync(w.path, w.value);
      }
    }
    for (const d of plan.dirs) {
      mkdirSync(d);
      made.push(d);
    }
    for (const w of plan.writes) {
      if (w.path.endsWith('cgroup.subtree_control')) continue;
      if (w.optional && !existsSync(w.path)) {
        skipped.push(w.path);
        continue;
      }
      try {
        writeFileSync(w.path, w.value);
      } catch (err) {
        if (!w.optional) throw err;
        skipped.push(w.path);
      }
    }
  } catch (err) {
    for (const d of made.reverse()) {
      try {
        rmdirSync(d);
      } catch {}
    }
    throw new SandboxError('SBX_ERR_CGROUP_UNAVAILABLE', (err as Error).message);
  }
  return { plan, skipped };
}

export function cgroupPids(plan: CgroupPlan): number[] {
  const pids = new Set<number>();
  for (const p of plan.procs) {
    for (const s of (readText(p) ?? '').split('\n')) if (s.trim()) pids.add(Number(s));
  }
  return [...pids];
}

export function killCgroup(plan: CgroupPlan, signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of cgroupPids(plan)) {
    try {
      process.kill(pid, signal);
    } catch {}
  }
}

export interface CgroupStats {
  memoryPeakBytes?: number;
  memoryFailcnt?: number;
  oomKills?: number;
  cpuUsageNs?: number;
  pidsCurrent?: number;
  pidsLimitHits?: number;
}

function num(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s.trim());
  return Number.isFinite(n) ? n : undefined;
}

function kv(s: string | undefined, key: string): number | undefined {
  const m = s ? new RegExp(`^${key} (\\d+)$`, 'm').exec(s) : null;
  return m ? Number(m[1]) : undefined;
}

export function readCgroupStats(plan: CgroupPlan): CgroupStats {
  const d = plan.dirOf;
  const st: CgroupStats = {};
  if (plan.version === 1) {
    if (d.memory) {
      st.memoryPeakBytes = num(readText(join(d.memory, 'memory.max_usage_in_bytes')));
      st.memoryFailcnt = num(readText(join(d.memory, 'memory.failcnt')));
      st.oomKills = kv(readText(join(d.memory, 'memory.oom_control')), 'oom_kill');
    }
    if (d.cpuacct) st.cpuUsageNs = num(readText(join(d.cpuacct, 'cpuacct.usage')));
    if (d.pids) {
      st.pidsCurrent = num(readText(join(d.pids, 'pids.current')));
      st.pidsLimitHits = kv(readText(join(d.pids, 'pids.events')), 'max');
    }
  } else {
    const dir = plan.dirs[0]!;
    st.memoryPeakBytes = num(readText(join(dir, 'memory.peak')));
    st.oomKills = kv(readText(join(dir, 'memory.events')), 'oom_kill');
    const usec = kv(readText(join(dir, 'cpu.stat')), 'usage_usec');
    if (usec !== undefined) st.cpuUsageNs = usec * 1000;
    st.pidsCurrent = num(readText(join(dir, 'pids.current')));
    st.pidsLimitHits = kv(readText(join(dir, 'pids.events')), 'max');
  }
  return st;
}

/** Kill what is left and remove the directories; retries while the kernel reaps. */
export async function removeCgroups(plan: CgroupPlan): Promise<string[]> {
  const left: string[] = [];
  for (let attempt = 0; attempt < 50; attempt++) {
    killCgroup(plan);
    left.length = 0;
    for (const d of [...plan.dirs].reverse()) {
      if (!existsSync(d)) continue;
      try {
        rmdirSync(d);
      } catch {
        left.push(d);
      }
    }
    if (left.length === 0) return [];
    await sleep(20);
  }
  return left;
}

const RUN_CGROUP_RE = /^mcphub-(\d+)-[0-9a-f]{8}$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove run cgroups left behind by a supervisor that died without cleaning up (SIGKILL, power
 * loss): their name carries the supervisor's pid. Processes still inside are sandboxed servers
 * whose supervisor is gone; they are killed. Best effort; returns the directories removed.
 */
export function sweepStaleCgroups(layout: CgroupLayout): string[] {
  const parents = layout.version === 1 ? Object.values(layout.parents) : [layout.parent];
  const removed: string[] = [];
  for (const parent of parents) {
    let names: string[] = [];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = RUN_CGROUP_RE.exec(name);
      if (!m || alive(Number(m[1]))) continue;
      const dir = join(parent, name);
      for (const s of (readText(join(dir, 'cgroup.procs')) ?? '').split('\n')) {
        if (!s.trim()) continue;
        try {
          process.kill(Number(s), 'SIGKILL');
        } catch {}
      }
      try {
        rmdirSync(dir);
        removed.push(dir);
      } catch {}
    }
  }
  return removed;
}
