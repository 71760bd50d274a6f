import { accessSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { resolvePolicy } from '../policy/load.js';
import { startSandboxed } from '../run.js';
import { probeLinuxHost } from './probe.js';

// Hybrid hosts (like CI here) mount cgroup2 at /sys/fs/cgroup/unified without controllers: enough to
// exercise the v2 join/stats/cleanup path for real, not the v2 limits themselves.
const unified = '/sys/fs/cgroup/unified';
const usable = (() => {
  try {
    accessSync(unified, constants.W_OK);
    return process.platform === 'linux' && existsSync(join(unified, 'cgroup.procs'));
  } catch {
    return false;
  }
})();

describe.skipIf(!usable)('cgroup v2 path on a real cgroup2 mount (no controllers delegated)', () => {
  it('joins the sandbox to its own v2 cgroup before exec, reads cpu.stat, removes it after', async () => {
    const probe = {
      ...probeLinuxHost(),
      cgroup: { layout: { version: 2 as const, parent: unified, available: [] }, why: 'test' },
    };
    const warnings: string[] = [];
    const p = await startSandboxed({
      command: '/bin/sh',
      args: ['-c', 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 5'],
      cwd: mkdtempSync(join(tmpdir(), 'v2-')),
      policy: resolvePolicy({}),
      probe,
      onWarning: (m) => warnings.push(m),
    });
    const before = readdirSync(unified).filter((n) => n.startsWith('mcphub-'));
    expect(before.length).toBeGreaterThan(0);
    const procs = before.flatMap((d) =>
      readFileSync(join(unified, d, 'cgroup.procs'), 'utf8')
        .trim()
        .split('\n'),
    );
    expect(procs.map(Number)).toContain(p.child.pid); // the shim-turned-bwrap is inside
    await sleep(300);
    expect(p.stats().cpuUsageNs ?? 0).toBeGreaterThan(0);
    expect(p.isolation.cgroup).toMatchObject({ version: 2, controllers: [] });
    expect(warnings.join('\n')).toMatch(/default memory limit not applied/);
    await p.stop(100);
    expect(readdirSync(unified).filter((n) => before.includes(n))).toEqual([]);
  });
});

describe.skipIf(process.platform !== 'linux')('stale run cgroups', () => {
  it('are swept (and their processes killed) when their supervisor is dead', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdirSync } = await import('node:fs');
    const probe = probeLinuxHost();
    const layout = probe.cgroup.layout;
    expect(layout, probe.cgroup.why).toBeDefined();
    const deadPid = spawnSync('/bin/true').pid!; // exited: its pid names no live supervisor
    const parent = layout!.version === 1 ? layout!.parents.pids! : layout!.parent;
    const stale = join(parent, `mcphub-${deadPid}-deadbeef`);
    mkdirSync(stale);
    const warnings: string[] = [];
    const p = await startSandboxed({
      command: '/bin/true',
      cwd: tmpdir(),
      policy: resolvePolicy({}),
      probe,
      onWarning: (m) => warnings.push(m),
    });
    await p.wait();
    expect(existsSync(stale)).toBe(false);
    expect(warnings.join('\n')).toContain(stale);
  });
});

describe.skipIf(process.platform !== 'linux')('stale run directories', () => {
  it('are removed when the supervisor that made them is gone', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdirSync } = await import('node:fs');
    const deadPid = spawnSync('/bin/true').pid!;
    const stale = join(tmpdir(), `mcphub-run-${deadPid}-AbC123`);
    mkdirSync(stale);
    const p = await startSandboxed({
      command: '/bin/true',
      cwd: tmpdir(),
      policy: resolvePolicy({}),
      onWarning: () => {},
    });
    await p.wait();
    expect(existsSync(stale)).toBe(false);
  });
});
