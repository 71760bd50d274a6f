/**
 * The one catalog of sandbox error codes. Codes are stable API: the CLI branches on them and the
 * README lists each one (a test checks it). A policy denial is a result (`evaluatePolicy`), not one of
 * these; these are for "cannot do what was asked" — most importantly, isolation that policy requires
 * but this machine cannot give (fail closed).
 */
export const SANDBOX_ERRORS = {
  SBX_ERR_POLICY_INVALID: 'The policy file or flags failed validation',
  SBX_ERR_POLICY_DENIED: 'Policy refused to run this package',
  SBX_ERR_MOUNT_DENIED: 'A filesystem mount targets a path on the built-in deny list',
  SBX_ERR_MOUNT_INVALID: 'A filesystem mount is malformed (relative path, missing host path, bad target)',
  SBX_ERR_BWRAP_MISSING: 'bubblewrap (bwrap) is not installed',
  SBX_ERR_USERNS_BLOCKED: 'Unprivileged user namespaces are blocked on this machine',
  SBX_ERR_CGROUP_UNAVAILABLE: 'No writable cgroup hierarchy for the requested resource limits',
  SBX_ERR_SECCOMP_UNAVAILABLE: 'seccomp filtering is not available for this architecture or kernel',
  SBX_ERR_ISOLATION_UNMET: 'The isolation features required by policy cannot be achieved here',
  SBX_ERR_PLATFORM_UNSUPPORTED: 'No sandbox backend for this platform',
  SBX_ERR_SPAWN_FAILED: 'The sandboxed process could not be started',
  SBX_ERR_PROXY_FAILED: 'The network allowlist proxy could not be started',
  SBX_ERR_ALLOWLIST_INVALID: 'A network allowlist entry is not host:port',
} as const satisfies Record<string, string>;

export type SandboxErrorCode = keyof typeof SANDBOX_ERRORS;

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  readonly code: SandboxErrorCode;
  /** Machine-readable context: what was required, what was seen, how to fix it. */
  readonly details: Record<string, unknown>;

  constructor(code: SandboxErrorCode, detail?: string, details: Record<string, unknown> = {}) {
    super(detail ? `${SANDBOX_ERRORS[code]}: ${detail}` : SANDBOX_ERRORS[code]);
    this.code = code;
    this.details = details;
  }
}

export function isSandboxError(err: unknown, code?: SandboxErrorCode): err is SandboxError {
  return err instanceof SandboxError && (code === undefined || err.code === code);
}
