import { SandboxError } from './errors.js';
import { startLinuxSandbox } from './linux/run-linux.js';
import { startMacosSandbox } from './macos/run-macos.js';
import type { SandboxedProcess, StartSandboxedOptions } from './run-types.js';
import { startUnsandboxed } from './run-unsafe.js';

export type { ExitReason, SandboxExit, SandboxedProcess, StartSandboxedOptions } from './run-types.js';

/**
 * Start an MCP server under the platform's sandbox. Throws a SandboxError (SBX_ERR_*) when the
 * isolation the policy requires cannot be had — it never silently runs with less, unless the
 * caller passes `unsafeNoSandbox: true`, which is reported on stderr and in `isolation`.
 * Policy admission (`evaluatePolicy`) is the caller's step before this one.
 */
export async function startSandboxed(o: StartSandboxedOptions): Promise<SandboxedProcess> {
  if (o.unsafeNoSandbox) return startUnsandboxed(o);
  if (process.platform === 'linux') return startLinuxSandbox(o);
  if (process.platform === 'darwin') return startMacosSandbox(o);
  throw new SandboxError('SBX_ERR_PLATFORM_UNSUPPORTED', process.platform);
}
