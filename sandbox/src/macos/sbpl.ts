import type { ResolvedBind } from '../mounts.js';
import type { NetworkMode } from '../policy/schema.js';

export interface MacosSandboxPlan {
  /** Runtime directories readable by the server (node install, system libraries). */
  runtimeReadPaths: string[];
  /** Executables the server may exec (node; add others explicitly). */
  exec: string[];
  packageDir: string;
  /** Per-run temp dir: the only place writes go (plus writable mounts). */
  tmpDir: string;
  mounts: ResolvedBind[];
  /** Absolute host paths denied for read and write even inside an allowed subpath. */
  deny: string[];
  network: { mode: NetworkMode; proxyPort?: number };
}

/** SBPL string literal: backslash and double quote escaped. */
export function sbplString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Read-only system locations every process needs on macOS (dyld cache, frameworks, zoneinfo). */
const SYSTEM_READ = [
  '/usr/lib',
  '/usr/share',
  '/System/Library',
  '/Library/Apple/System/Library',
  '/private/var/db/timezone',
  '/private/var/db/dyld',
  '/System/Volumes/Preboot/Cryptexes/OS', // dyld shared cache on macOS 13+
  '/private/etc/ssl',
  '/dev',
];

/**
 * Pure: a sandbox-exec profile. Default deny; reads of the runtime, the package and mounts; writes
 * to the run's temp dir and writable mounts only; network none, or only to the host proxy's
 * loopback port. Deny rules come last because in SBPL the last matching rule wins — so no mount
 * can re-open a denied path.
 */
export function buildSbplProfile(plan: MacosSandboxPlan): string {
  const L: string[] = [];
  L.push('(version 1)');
  L.push('(deny default)');
  L.push(';; processes');
  L.push('(allow process-fork)');
  L.push(`(allow process-exec ${plan.exec.map((e) => `(literal ${sbplString(e)})`).join(' ')})`);
  L.push('(allow signal (target same-sandbox))');
  L.push('(allow sysctl-read)');
  L.push(
    '(allow mach-lookup (global-name "com.apple.system.opendirectoryd.libinfo") (global-name "com.apple.trustd.agent") (global-name "com.apple.system.notification_center"))',
  );
  L.push(
    '(allow ipc-posix-shm-read-data ipc-posix-shm-read-metadata (ipc-posix-name "apple.shm.notification_center"))',
  );
  L.push(';; metadata (stat) everywhere: path resolution walks every ancestor; contents stay denied');
  L.push('(allow file-read-metadata)');
  L.push(';; reads');
  const reads = [
    ...SYSTEM_READ,
    ...plan.runtimeReadPaths,
    plan.packageDir,
    plan.tmpDir,
    ...plan.mounts.map((m) => m.host),
  ];
  L.push(`(allow file-read* ${reads.map((p) => `(subpath ${sbplString(p)})`).join(' ')})`);
  L.push(';; writes');
  const writes = [plan.tmpDir, ...plan.mounts.filter((m) => m.writable).map((m) => m.host)];
  L.push(
    `(allow file-write* ${writes.map((p) => `(subpath ${sbplString(p)})`).join(' ')} (literal "/dev/null") (literal "/dev/stdout") (literal "/dev/stderr"))`,
  );
  L.push(';; network');
  if (plan.network.mode === 'host') {
    L.push('(allow network*)');
  } else if (plan.network.mode === 'allowlist' && plan.network.proxyPort) {
    L.push(`(allow network-outbound (remote ip ${sbplString(`localhost:${plan.network.proxyPort}`)}))`);
  } else {
    L.push(';; none');
  }
  if (plan.deny.length) {
    L.push(';; built-in deny list (last rule wins)');
    L.push(`(deny file-read* file-write* ${plan.deny.map((p) => `(subpath ${sbplString(p)})`).join(' ')})`);
  }
  return `${L.join('\n')}\n`;
}
