import { join } from 'node:path';
import type { Limits } from '../policy/schema.js';

export type CgroupController = 'memory' | 'cpu' | 'cpuacct' | 'pids';

/** Where we may create cgroups on this host (found by probeCgroups). */
export type CgroupLayout =
  | {
      version: 1;
      /** Per controller: the directory under which a per-run child is created (our own cgroup). */
      parents: Partial<Record<CgroupController, string>>;
    }
  | {
      version: 2;
      /** A delegated directory whose subtree_control we may write. */
      parent: string;
      /** Controllers listed in the parent's cgroup.controllers. */
      available: CgroupController[];
    };

export interface CgroupWrite {
  path: string;
  value: string;
  /** Skip silently when the file is absent (e.g. memsw without swap accounting); reported. */
  optional?: boolean;
}

export interface CgroupPlan {
  version: 1 | 2;
  /** Directories to create, in order (removed in reverse). */
  dirs: string[];
  writes: CgroupWrite[];
  /** `cgroup.procs` files the launcher shim writes its own pid to before exec. */
  procs: string[];
  /** Controllers that carry a limit (cpuacct is accounting only). */
  limited: CgroupController[];
  /** Per controller, the run's directory (for stats and cleanup). */
  dirOf: Partial<Record<CgroupController, string>>;
  /** What the writes set, in kernel units, for the isolation report. */
  applied: { memoryBytes?: number; cpuQuotaUs?: number; cpuPeriodUs?: number; pidsMax?: number };
}

export const CPU_PERIOD_US = 100_000;

/**
 * Pure: the directories and control-file writes that impose `limits` in a fresh cgroup named `name`.
 * v1 sets memory.limit_in_bytes then memory.memsw.limit_in_bytes (same value: no swap escape; the
 * memsw limit must never be below the memory limit, hence the order), cpu.cfs_quota_us against a
 * 100 ms period, pids.max. v2 sets memory.max + memory.swap.max=0, cpu.max, pids.max after enabling
 * the controllers in the parent's subtree_control.
 */
export function planCgroups(limits: Limits, layout: CgroupLayout, name: string): CgroupPlan {
  const applied: CgroupPlan['applied'] = {};
  const memoryBytes = limits.memoryMb !== undefined ? limits.memoryMb * 1024 * 1024 : undefined;
  const cpuQuotaUs =
    limits.cpuShare !== undefined ? Math.max(1000, Math.round(limits.cpuShare * CPU_PERIOD_US)) : undefined;
  const wanted: CgroupController[] = [];
  if (memoryBytes !== undefined) wanted.push('memory');
  if (cpuQuotaUs !== undefined) wanted.push('cpu');
  if (limits.pids !== undefined) wanted.push('pids');

  if (layout.version === 1) {
    const dirs: string[] = [];
    const writes: CgroupWrite[] = [];
    const procs: string[] = [];
    const dirOf: CgroupPlan['dirOf'] = {};
    const limited: CgroupController[] = [];
    // cpuacct is joined even without a CPU limit so usage can be reported.
    for (const c of [...wanted, 'cpuacct' as const]) {
      const parent = layout.parents[c];
      if (!parent) continue;
      const dir = join(parent, name);
      dirs.push(dir);
      procs.push(join(dir, 'cgroup.procs'));
      dirOf[c] = dir;
      if (c !== 'cpuacct') limited.push(c);
      if (c === 'memory' && memoryBytes !== undefined) {
        writes.push({ path: join(dir, 'memory.limit_in_bytes'), value: String(memoryBytes) });
        writes.push({
          path: join(dir, 'memory.memsw.limit_in_bytes'),
          value: String(memoryBytes),
          optional: true,
        });
        writes.push({ path: join(dir, 'memory.swappiness'), value: '0', optional: true });
        applied.memoryBytes = memoryBytes;
      }
      if (c === 'cpu' && cpuQuotaUs !== undefined) {
        writes.push({ path: join(dir, 'cpu.cfs_period_us'), value: String(CPU_PERIOD_US) });
        writes.push({ path: join(dir, 'cpu.cfs_quota_us'), value: String(cpuQuotaUs) });
        applied.cpuQuotaUs = cpuQuotaUs;
        applied.cpuPeriodUs = CPU_PERIOD_US;
      }
      if (c === 'pids' && limits.pids !== undefined) {
        writes.push({ path: join(dir, 'pids.max'), value: String(limits.pids) });
        applied.pidsMax = limits.pids;
      }
    }
    return { version: 1, dirs, writes, procs, limited, dirOf, applied };
  }

  const usable = wanted.filter((c) => layout.available.includes(c));
  const dir = join(layout.parent, name);
  const writes: CgroupWrite[] = [];
  if (usable.length > 0) {
    writes.push({
      path: join(layout.parent, 'cgroup.subtree_control'),
      value: usable.map((c) => `+${c}`).join(' '),
    });
  }
  if (usable.includes('memory') && memoryBytes !== undefined) {
    writes.push({ path: join(dir, 'memory.max'), value: String(memoryBytes) });
    writes.push({ path: join(dir, 'memory.swap.max'), value: '0', optional: true });
    applied.memoryBytes = memoryBytes;
  }
  if (usable.includes('cpu') && cpuQuotaUs !== undefined) {
    writes.push({ path: join(dir, 'cpu.max'), value: `${cpuQuotaUs} ${CPU_PERIOD_US}` });
    applied.cpuQuotaUs = cpuQuotaUs;
    applied.cpuPeriodUs = CPU_PERIOD_US;
  }
  if (usable.includes('pids') && limits.pids !== undefined) {
    writes.push({ path: join(dir, 'pids.max'), value: String(limits.pids) });
    applied.pidsMax = limits.pids;
  }
  const dirOf: CgroupPlan['dirOf'] = {};
  for (const c of [...usable, 'cpuacct' as const]) dirOf[c] = dir;
  return {
    version: 2,
    dirs: [dir],
    writes,
    procs: [join(dir, 'cgroup.procs')],
    limited: usable,
    dirOf,
    applied,
  };
}
