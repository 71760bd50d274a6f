import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { doctor, doctorDeep, formatDoctor } from './doctor.js';
import { isSandboxError, type SandboxErrorCode } from './errors.js';
import { type LinuxHostProbe, probeLinuxHost } from './linux/probe.js';
import { type PolicyInput, resolvePolicy } from './policy/load.js';
import { startSandboxed } from './run.js';

const isLinux = process.platform === 'linux';
let real: LinuxHostProbe;
let pkg: string;

async function refusal(policy: PolicyInput, probe: LinuxHostProbe): Promise<SandboxErrorCode | 'started'> {
  try {
    const p = await startSandboxed({
      command: '/bin/true',
      cwd: pkg,
      policy: resolvePolicy(policy),
      probe,
      onWarning: () => {},
    });
    await p.wait();
    return 'started';
  } catch (e) {
    if (isSandboxError(e)) return e.code;
    throw e;
  }
}

describe.skipIf(!isLinux)('fails closed when policy asks for isolation this machine cannot give', () => {
  beforeAll(() => {
    real = probeLinuxHost();
    pkg = mkdtempSync(join(tmpdir(), 'failclosed-'));
  });

  it('bwrap missing → SBX_ERR_BWRAP_MISSING naming the package to install', async () => {
    const probe = probeLinuxHost({ bwrapPath: '/nonexistent/bwrap' });
    expect(probe.bwrap.path).toBeUndefined();
    expect(await refusal({}, probe)).toBe('SBX_ERR_BWRAP_MISSING');
    await expect(
      startSandboxed({ command: '/bin/true', cwd: pkg, policy: resolvePolicy({}), probe }),
    ).rejects.toThrow(/apt-get install -y bubblewrap/);
  });

  it('user namespaces blocked (e.g. Ubuntu AppArmor restriction) → SBX_ERR_USERNS_BLOCKED for a non-root user', async () => {
    const probe: LinuxHostProbe = {
      ...real,
      uid: 1000,
      userns: { ok: false, apparmorRestricted: true, why: 'kernel.apparmor_restrict_unprivileged_userns=1' },
    };
    expect(await refusal({}, probe)).toBe('SBX_ERR_USERNS_BLOCKED');
  });

  it('explicit limits without a cgroup → SBX_ERR_CGROUP_UNAVAILABLE; default limits only warn', async () => {
    const probe: LinuxHostProbe = { ...real, cgroup: { why: 'no delegation' } };
    expect(await refusal({ limits: { memoryMb: 128 } }, probe)).toBe('SBX_ERR_CGROUP_UNAVAILABLE');
    const warnings: string[] = [];
    const p = await startSandboxed({
      command: '/bin/true',
      cwd: pkg,
      policy: resolvePolicy({}),
      probe,
      onWarning: (m) => warnings.push(m),
    });
    await p.wait();
    expect(p.isolation.cgroup.version).toBeNull();
    expect(warnings.join('\n')).toMatch(/default resource limits not applied: no delegation/);
  });

  it('isolation.require lists a feature that is unavailable → SBX_ERR_ISOLATION_UNMET', async () => {
    const probe: LinuxHostProbe = { ...real };
    delete probe.prlimit;
    expect(await refusal({ isolation: { require: ['rlimits'] } }, probe)).toBe('SBX_ERR_ISOLATION_UNMET');
    expect(
      await refusal({ network: { mode: 'host' }, isolation: { require: ['net-namespace'] } }, real),
    ).toBe('SBX_ERR_ISOLATION_UNMET');
    expect(
      await refusal({ isolation: { require: ['seccomp', 'cgroup-memory', 'pid-namespace'] } }, real),
    ).toBe('started');
  });

  it('unsafeNoSandbox runs, but says so loudly and reports no isolation', async () => {
    const warnings: string[] = [];
    const p = await startSandboxed({
      command: '/bin/sh',
      args: ['-c', 'echo $HOME'],
      cwd: pkg,
      policy: resolvePolicy({}),
      unsafeNoSandbox: true,
      onWarning: (m) => warnings.push(m),
    });
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    await p.wait();
    expect(out.trim().length).toBeGreaterThan(0);
    expect(warnings[0]).toMatch(/WITHOUT A SANDBOX/);
    expect(p.isolation).toMatchObject({
      sandboxed: false,
      unsafeNoSandbox: true,
      backend: 'none',
      achieved: [],
    });
  });

  it('doctor says what this machine can give and why not', () => {
    const r = doctor();
    expect(r.platform).toBe('linux');
    const names = r.features.map((f) => f.feature);
    expect(names).toEqual(
      expect.arrayContaining(['bwrap', 'user-namespace', 'seccomp', 'cgroup-memory', 'rlimits']),
    );
    for (const f of r.features) expect(f.why.length).toBeGreaterThan(0);
    console.log(formatDoctor(r));
  });

  it('doctorDeep runs a real trial and reports what it observed', async () => {
    const r = await doctorDeep();
    expect(r.trial.ok).toBe(true);
    if (r.trial.ok)
      expect(r.trial.isolation.achieved).toEqual(expect.arrayContaining(['seccomp', 'pid-namespace']));
    const broken = await doctorDeep({ bwrapPath: '/nonexistent/bwrap' });
    expect(broken.ok).toBe(false);
    expect(broken.trial).toMatchObject({ ok: false, code: 'SBX_ERR_BWRAP_MISSING' });
  });
});
