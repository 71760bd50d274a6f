import type { ResolvedMounts } from '../mounts.js';
import type { NetworkMode } from '../policy/schema.js';

/** Where the sandbox's own plumbing lives inside the sandbox. */
export const SANDBOX_PATHS = {
  app: '/app',
  home: '/tmp/home',
  runDir: '/run/mcphub',
  launcher: '/run/mcphub/launcher.mjs',
  proxySocket: '/run/mcphub/proxy.sock',
} as const;

/** The host's runtime as seen from inside: read-only binds at the same path, and merged-/usr symlinks. */
export interface RuntimeLayout {
  /** Host directories bound read-only at the same path (must exist). */
  roBinds: string[];
  /** `/lib -> usr/lib` style links recreated inside. */
  symlinks: { path: string; target: string }[];
  /** Absolute path of the node binary (inside == outside). */
  node: string;
}

/**
 * Everything buildBwrapArgs needs, already resolved (paths real, env final). Building this touches
 * the host; turning it into argv does not, so argv can be golden-tested byte for byte.
 */
export interface LinuxSandboxPlan {
  command: string;
  args: string[];
  /** Host path of the package, bound read-only at /app. */
  packageDir: string;
  /** Working directory inside the sandbox (default /app). */
  cwd: string;
  runtime: RuntimeLayout;
  network: {
    mode: NetworkMode;
    /** Host path of the allowlist proxy's Unix socket (allowlist mode). */
    proxySocket?: string;
    /** Port the in-sandbox bridge listens on (127.0.0.1). */
    proxyPort?: number;
    /** Host paths of generated /etc/hosts and /etc/nsswitch.conf (allowlist mode, transparent routes). */
    hostsFile?: string;
    nsswitchFile?: string;
  };
  /** Host path of the launcher script (allowlist mode). */
  launcher?: string;
  mounts: ResolvedMounts;
  /** The complete environment inside the sandbox (nothing else is inherited). */
  env: Record<string, string>;
  /** fd number (in bwrap) the seccomp program is read from; undefined = no seccomp. */
  seccompFd?: number;
  /** fd number bwrap writes `{"child-pid": N}` to. */
  infoFd?: number;
  /** fd bwrap waits on (after setting up namespaces, before exec) so they can be observed. */
  blockFd?: number;
  /** bwrap ≥ 0.8: forbid new user namespaces inside (belt and braces with seccomp). */
  disableUserns?: boolean;
  hostname?: string;
  /** Size cap of the private /tmp (bytes); memory cgroup still bounds it. */
  tmpSizeBytes?: number;
}
