import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../testing/golden.js';
import { probeCgroupLayout } from './cgroup-runtime.js';
import { planCgroups } from './cgroups.js';

const here = dirname(fileURLToPath(import.meta.url));
const limits = { memoryMb: 256, cpuShare: 0.5, pids: 64, openFiles: 512, wallTimeSec: 60 };

describe('planCgroups', () => {
  it('v1: memory + memsw, cfs quota, pids, cpuacct for accounting', () => {
    const plan = planCgroups(
      limits,
      {
        version: 1,
        parents: {
          memory: '/sys/fs/cgroup/memory/user.slice',
          cpu: '/sys/fs/cgroup/cpu',
          cpuacct: '/sys/fs/cgroup/cpuacct',
          pids: '/sys/fs/cgroup/pids',
        },
      },
      'mcphub-test',
    );
    expectGolden(here, 'cgroups-v1.json.txt', `${JSON.stringify(plan, null, 2)}\n`);
    expect(plan.applied).toEqual({
      memoryBytes: 268435456,
      cpuQuotaUs: 50000,
      cpuPeriodUs: 100000,
      pidsMax: 64,
    });
  });

  it('v2: subtree_control first, then memory.max/swap.max, cpu.max, pids.max', () => {
    const plan = planCgroups(
      limits,
      {
        version: 2,
        parent: '/sys/fs/cgroup/user.slice/user-1000.slice/mcphub.scope',
        available: ['memory', 'cpu', 'pids'],
      },
      'mcphub-test',
    );
    expectGolden(here, 'cgroups-v2.json.txt', `${JSON.stringify(plan, null, 2)}\n`);
    expect(plan.writes[0]!.path.endsWith('cgroup.subtree_control')).toBe(true);
  });

  it('a controller the host lacks is simply not limited (the runner fails closed on explicit limits)', () => {
    const plan = planCgroups(limits, { version: 2, parent: '/x', available: ['pids'] }, 'r');
    expect(plan.limited).toEqual(['pids']);
  });
});

describe('probeCgroupLayout', () => {
  it('hybrid host: controllers on v1 even though cgroup2 is mounted at unified/', () => {
    const mountinfo = [
      '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
      '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
      '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n');
    const r = probeCgroupLayout(mountinfo, '4:memory:/nonexistent-for-test\n1:cpu:/nonexistent\n0::/\n');
    // the directories do not exist here, so nothing is usable — and the reason says which and why
    expect(r.layout).toBeUndefined();
    expect(r.why).toMatch(/memory .*not writable/);
  });
});

describe('probeCgroupLayout on a pure v2 host', () => {
  it('uses the parent of our supervisor leaf, and explains a non-writable hierarchy', () => {
    const r = probeCgroupLayout(
      '30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw',
      '0::/user.slice/user-1000.slice/session-3.scope/mcphub-supervisor-4242\n',
    );
    expect(r.layout).toBeUndefined(); // not on this host
    expect(r.why).toBe(
      `cgroup v2 at /sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope is not writable by uid ${process.getuid?.()} (no delegation)`,
    );
  });
});
