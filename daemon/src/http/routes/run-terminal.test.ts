import { describe, expect, it } from 'vitest';
import { runCgroupProcsFiles, terminalCommand } from './run-terminal.js';

const MOUNTINFO = [
  '30 25 0:26 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory',
  '31 25 0:27 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids',
  '32 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct',
  '33 25 0:29 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw',
].join('\n');

describe('the run terminal joins the run, not the host', () => {
  it("finds only the run's own cgroups (v1 controllers), never a shared parent", () => {
    const cgroups = [
      '8:pids:/process_api/mcphub-4242-0a1b2c3d',
      '4:memory:/process_api/mcphub-4242-0a1b2c3d',
      '3:cpu,cpuacct:/process_api/mcphub-4242-0a1b2c3d',
      '2:cpuset:/',
      '0::/user.slice',
    ].join('\n');
    expect(runCgroupProcsFiles(1, MOUNTINFO, cgroups).sort()).toEqual([
      '/sys/fs/cgroup/cpu,cpuacct/process_api/mcphub-4242-0a1b2c3d/cgroup.procs',
      '/sys/fs/cgroup/memory/process_api/mcphub-4242-0a1b2c3d/cgroup.procs',
      '/sys/fs/cgroup/pids/process_api/mcphub-4242-0a1b2c3d/cgroup.procs',
    ]);
  });

  it('a path that could break out of the shell quoting is dropped', () => {
    const cgroups = "4:memory:/x'; rm -rf /; '/mcphub-1-0a1b2c3d";
    expect(runCgroupProcsFiles(1, MOUNTINFO, cgroups)).toEqual([]);
  });

  it('enters every namespace of the sandbox and drops all capabilities before the shell', () => {
    const { file, args } = terminalCommand(99, ['/sys/fs/cgroup/pids/a/mcphub-1-0a1b2c3d/cgroup.procs']);
    expect(file).toBe('/bin/sh');
    expect(args[1]).toBe(
      'echo $$ > \'/sys/fs/cgroup/pids/a/mcphub-1-0a1b2c3d/cgroup.procs\' || exit 97; exec "$@"',
    );
    const enter = args.slice(3);
    expect(enter.slice(0, 2)).toEqual(['nsenter', '--target=99']);
    for (const ns of ['--user', '--mount', '--pid', '--net', '--ipc', '--uts']) expect(enter).toContain(ns);
    expect(enter).toEqual(expect.arrayContaining(['setpriv', '--no-new-privs', '--bounding-set=-all']));
    expect(enter.at(-2)).toBe('/bin/sh');
  });
});
