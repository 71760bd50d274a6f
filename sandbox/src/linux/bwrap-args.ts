import { type LinuxSandboxPlan, SANDBOX_PATHS } from './plan.js';

/**
 * Optional /etc files: bound when present, and only those the sandbox needs — the CA certificates,
 * never `/etc/ssl/private` or `/etc/pki/tls/private` (host TLS keys, which a root-run sandbox could
 * otherwise read as their owner).
 */
const ETC_ALWAYS = [
  '/etc/ssl/certs',
  '/etc/ssl/openssl.cnf',
  '/etc/ca-certificates',
  '/etc/ca-certificates.conf',
  '/etc/pki/tls/certs',
  '/etc/pki/tls/cert.pem',
  '/etc/pki/ca-trust',
  '/etc/localtime',
];
/** Name resolution inside is only useful when the sandbox shares the host network. */
const ETC_NETWORK = ['/etc/resolv.conf', '/etc/hosts', '/etc/nsswitch.conf', '/etc/gai.conf'];

/**
 * Pure: the bwrap argv (without the `bwrap` itself) for a plan. Order matters to bwrap — later
 * mounts shadow earlier ones — so: runtime, /proc /dev /tmp, package, plumbing, user mounts, masks
 * (masks last so no user mount can re-open a denied path), then make / read-only.
 */
export function buildBwrapArgs(plan: LinuxSandboxPlan): string[] {
  const a: string[] = [];
  a.push('--unshare-all');
  if (plan.network.mode === 'host') a.push('--share-net');
  if (plan.disableUserns) a.push('--unshare-user', '--disable-userns');
  a.push('--die-with-parent', '--new-session', '--cap-drop', 'ALL');
  a.push('--hostname', plan.hostname ?? 'mcphub');

  a.push('--clearenv');
  for (const k of Object.keys(plan.env).sort()) a.push('--setenv', k, plan.env[k]!);

  for (const s of plan.runtime.symlinks) a.push('--symlink', s.target, s.path);
  for (const p of plan.runtime.roBinds) a.push('--ro-bind', p, p);
  for (const p of ETC_ALWAYS) a.push('--ro-bind-try', p, p);
  if (plan.network.mode === 'host') for (const p of ETC_NETWORK) a.push('--ro-bind-try', p, p);

  a.push('--proc', '/proc', '--dev', '/dev');
  if (plan.tmpSizeBytes) a.push('--size', String(plan.tmpSizeBytes));
  a.push('--tmpfs', '/tmp', '--dir', SANDBOX_PATHS.home);

  a.push('--ro-bind', plan.packageDir, SANDBOX_PATHS.app);
  if (plan.launcher) a.push('--ro-bind', plan.launcher, SANDBOX_PATHS.launcher);
  if (plan.network.mode === 'allowlist' && plan.network.proxySocket) {
    a.push('--ro-bind', plan.network.proxySocket, SANDBOX_PATHS.proxySocket);
    if (plan.network.hostsFile) a.push('--ro-bind', plan.network.hostsFile, '/etc/hosts');
    if (plan.network.nsswitchFile) a.push('--ro-bind', plan.network.nsswitchFile, '/etc/nsswitch.conf');
  }

  for (const b of plan.mounts.binds) a.push(b.writable ? '--bind' : '--ro-bind', b.host, b.sandbox);
  for (const m of plan.mounts.masks) {
    if (m.kind === 'dir') a.push('--perms', '0000', '--tmpfs', m.sandbox, '--remount-ro', m.sandbox);
    else a.push('--ro-bind', '/dev/null', m.sandbox);
  }

  a.push('--remount-ro', '/');
  a.push('--chdir', plan.cwd);
  if (plan.seccompFd !== undefined) a.push('--seccomp', String(plan.seccompFd));
  if (plan.infoFd !== undefined) a.push('--info-fd', String(plan.infoFd));
  if (plan.blockFd !== undefined) a.push('--block-fd', String(plan.blockFd));
  a.push('--', plan.command, ...plan.args);
  return a;
}
