import { spawnSync } from 'node:child_process';
import { accessSync, constants, lstatSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { probeCgroupLayout } from './cgroup-runtime.js';
import type { CgroupLayout } from './cgroups.js';
import type { RuntimeLayout } from './plan.js';
import { type SeccompArch, seccompArchFor } from './seccomp.js';

export interface LinuxHostProbe {
  bwrap: { path?: string; version?: string; disableUserns: boolean; why: string };
  userns: { ok: boolean; why: string; apparmorRestricted: boolean };
  cgroup: { layout?: CgroupLayout; why: string };
  seccomp: { ok: boolean; arch?: SeccompArch; why: string };
  prlimit?: string;
  landlock: boolean;
  uid: number;
}

function readText(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function findExecutable(name: string, pathEnv = process.env.PATH ?? ''): string | undefined {
  if (name.includes('/')) {
    try {
      accessSync(name, constants.X_OK);
      return name;
    } catch {
      return undefined;
    }
  }
  for (const dir of [...pathEnv.split(delimiter), '/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  return undefined;
}

function versionAtLeast(v: string | undefined, major: number, minor: number): boolean {
  const m = v ? /(\d+)\.(\d+)/.exec(v) : null;
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

/**
 * What isolation this Linux host can give, and why not where it cannot. Runs bwrap once with a
 * user namespace to find out for sure (sysctls alone miss AppArmor profiles and container seccomp).
 */
export function probeLinuxHost(opts: { bwrapPath?: string } = {}): LinuxHostProbe {
  const uid = process.getuid?.() ?? -1;
  const bwrapPath = findExecutable(opts.bwrapPath ?? 'bwrap');
  let version: string | undefined;
  if (bwrapPath) {
    const r = spawnSync(bwrapPath, ['--version'], { encoding: 'utf8', timeout: 5000 });
    version = r.stdout?.trim().replace(/^bubblewrap\s+/, '') || undefined;
  }
  const bwrap = {
    ...(bwrapPath ? { path: bwrapPath } : {}),
    ...(version ? { version } : {}),
    disableUserns: versionAtLeast(version, 0, 8),
    why: bwrapPath
      ? `bubblewrap ${version ?? '(unknown version)'}`
      : 'bwrap not found: apt-get install -y bubblewrap',
  };

  const apparmorRestricted = readText('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1';
  const maxUserNs = readText('/proc/sys/user/max_user_namespaces');
  const debianClone = readText('/proc/sys/kernel/unprivileged_userns_clone');
  let userns: LinuxHostProbe['userns'];
  if (maxUserNs === '0') {
    userns = { ok: false, why: 'user.max_user_namespaces = 0', apparmorRestricted };
  } else if (!bwrapPath) {
    userns = { ok: false, why: 'not tested (no bwrap)', apparmorRestricted };
  } else {
    const r = spawnSync(
      bwrapPath,
      ['--unshare-user', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', '--', 'true'],
      { encoding: 'utf8', timeout: 10_000 },
    );
    if (r.status === 0) {
      userns = { ok: true, why: 'bwrap created a user namespace', apparmorRestricted };
    } else {
      const err = (r.stderr || r.error?.message || '').trim();
      let why = `bwrap --unshare-user failed: ${err}`;
      if (apparmorRestricted) {
        why +=
          ' — AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1, Ubuntu 24.04+); install an AppArmor profile for bwrap granting "userns," or set the sysctl to 0';
      } else if (debianClone === '0') {
        why += ' — kernel.unprivileged_userns_clone=0; set it to 1';
      }
      userns = { ok: false, why, apparmorRestricted };
    }
  }

  const arch = seccompArchFor(process.arch);
  const seccompStatus = readText('/proc/self/status')?.match(/^Seccomp:\s*(\d)/m)?.[1];
  const seccomp: LinuxHostProbe['seccomp'] = !arch
    ? { ok: false, why: `no syscall table for ${process.arch}` }
    : seccompStatus === undefined
      ? { ok: false, arch, why: 'kernel without CONFIG_SECCOMP (no Seccomp: line in /proc/self/status)' }
      : { ok: true, arch, why: `seccomp-bpf (${arch})` };

  const lsm = readText('/sys/kernel/security/lsm') ?? '';
  const prlimit = findExecutable('prlimit');
  return {
    bwrap,
    userns,
    cgroup: probeCgroupLayout(),
    seccomp,
    ...(prlimit ? { prlimit } : {}),
    landlock: lsm.split(',').includes('landlock'),
    uid,
  };
}

const RUNTIME_TOP = ['/usr', '/lib', '/lib64', '/lib32', '/libx32', '/bin', '/sbin'];

/**
 * The host runtime as the sandbox sees it: /usr (and merged-/usr symlinks, or real /lib* dirs on
 * older layouts), plus the node install when it lives elsewhere (nvm, /opt).
 */
export function probeRuntimeLayout(nodePath = process.execPath): RuntimeLayout {
  const roBinds: string[] = [];
  const symlinks: RuntimeLayout['symlinks'] = [];
  for (const p of RUNTIME_TOP) {
    try {
      const st = lstatSync(p);
      if (st.isSymbolicLink()) symlinks.push({ path: p, target: readlinkSync(p) });
      else if (st.isDirectory()) roBinds.push(p);
    } catch {}
  }
  const node = realpathSync(nodePath);
  const covered = roBinds.some((b) => node.startsWith(`${b}/`));
  if (!covered) roBinds.push(dirname(dirname(node))); // <prefix>/bin/node → <prefix>
  return { roBinds, symlinks, node };
}
