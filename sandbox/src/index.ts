// Public API of @mcphub/sandbox: what `mcphub run` and `mcphub doctor` need.

export { ARCHIVE_ERRORS, ArchiveError, type ArchiveErrorCode } from './archive/archive-error.js';
export {
  DEFAULT_EXTRACT_LIMITS,
  type ExtractLimits,
  type ExtractResult,
  safeExtractTarGz,
} from './archive/safe-extract.js';
export {
  type DeepDoctorReport,
  type DoctorFeature,
  type DoctorReport,
  doctor,
  doctorDeep,
  formatDoctor,
} from './doctor.js';
export { buildSandboxEnv } from './env.js';
export { isSandboxError, SANDBOX_ERRORS, SandboxError, type SandboxErrorCode } from './errors.js';
export { canonicalJson } from './guard/canonical-json.js';
export { canonicalToolsDigest, type ToolDefinition } from './guard/tools-digest.js';
export {
  createToolsGuard,
  type GuardEvent,
  type GuardMode,
  type GuardState,
  TOOLS_CHANGED_ERROR_CODE,
  type ToolsGuard,
  type ToolsGuardOptions,
} from './guard/tools-guard.js';
export { achievedFeatures, type IsolationReport } from './isolation-report.js';
export { buildBwrapArgs } from './linux/bwrap-args.js';
export type { CgroupStats } from './linux/cgroup-runtime.js';
export { type CgroupLayout, type CgroupPlan, planCgroups } from './linux/cgroups.js';
export { type LinuxSandboxPlan, type RuntimeLayout, SANDBOX_PATHS } from './linux/plan.js';
export { type LinuxHostProbe, probeLinuxHost } from './linux/probe.js';
export {
  buildSeccompFilter,
  DENIED_SYSCALLS,
  disassembleSeccomp,
  ENOSYS_SYSCALLS,
  type SeccompArch,
} from './linux/seccomp.js';
export { buildSbplProfile, type MacosSandboxPlan } from './macos/sbpl.js';
export { type RuntimeCheckResult, runtimeCheck } from './mcp/runtime-check.js';
export {
  processExitCode,
  type ServeOverStdioOptions,
  type ServeOverStdioResult,
  serveOverStdio,
} from './mcp/serve-stdio.js';
export { bridgeStdio } from './mcp/stdio-bridge.js';
export { StreamClientTransport } from './mcp/stream-client-transport.js';
export { type Mask, type ResolvedMounts, resolveMounts, resolvePackageDir } from './mounts.js';
export { matchAllowlist, parseAllowEntry } from './net/allowlist.js';
export { type AllowlistProxy, type ProxyEvent, startAllowlistProxy } from './net/proxy.js';
export { planTransparentRoutes, type TransparentPlan, type TransparentRoute } from './net/transparent.js';
export { ANYWHERE_DENY_LIST, HOME_DENY_LIST } from './policy/deny-list.js';
export {
  assertAdmitted,
  evaluatePolicy,
  formatDenials,
  type PolicyCandidate,
  type PolicyDecision,
  type PolicyEvaluation,
} from './policy/evaluate.js';
export {
  loadPolicy,
  loadPolicyFile,
  mergePolicyInputs,
  type PolicyInput,
  parsePolicyText,
  resolvePolicy,
} from './policy/load.js';
export {
  DEFAULT_LIMITS,
  ISOLATION_FEATURES,
  type IsolationFeature,
  type Limits,
  type Mount,
  type NetworkMode,
  type Policy,
  PolicySchema,
} from './policy/schema.js';
export { type CacheEntry, type CacheMeta, PackageCache } from './pull/package-cache.js';
export {
  type Jwks,
  type PackageRef,
  type PulledPackage,
  type PullOptions,
  parsePackageRef,
  pullPackage,
} from './pull/pull.js';
export { PULL_ERRORS, PullError, type PullErrorCode } from './pull/pull-error.js';
export {
  type ExitReason,
  type SandboxExit,
  type SandboxedProcess,
  type StartSandboxedOptions,
  startSandboxed,
} from './run.js';
