import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPolicyFileOf } from '../config/config-file.js';
import type { Config } from '../config/schema.js';
import { HubError } from '../errors.js';
import { appendAudit, certifiedToolsDigest, launchCommand, pullAndAdmit } from '../runs/run-admission.js';
import { loadJwks, registriesOf, revokedCheck } from './pull-commands.js';

export interface RunFlags {
  policy?: string;
  mode?: 'strict' | 'warn';
  minLevel?: string;
  network?: 'none' | 'allowlist' | 'host';
  allow?: string[];
  mount?: string[];
  env?: string[];
  memory?: string;
  cpu?: string;
  pids?: string;
  openFiles?: string;
  wallTime?: string;
  unsafeNoSandbox?: boolean;
}

const int = (v: string | undefined, flag: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new HubError('HUB_ERR_USAGE', `${flag} needs a number, got ${v}`);
  return n;
};

/** Flags as a policy layer on top of the policy file: `--mount host:sandbox[:rw]`, `--allow host:port`… */
export function policyFlags(f: RunFlags): Record<string, unknown> {
  const limits = Object.fromEntries(
    Object.entries({
      memoryMb: int(f.memory, '--memory'),
      cpuShare: int(f.cpu, '--cpu'),
      pids: int(f.pids, '--pids'),
      openFiles: int(f.openFiles, '--open-files'),
      wallTimeSec: int(f.wallTime, '--wall-time'),
    }).filter(([, v]) => v !== undefined),
  );
  const mounts = (f.mount ?? []).map((m) => {
    const [host, sandbox, rw] = m.split(':');
    if (!host || !sandbox || (rw !== undefined && rw !== 'rw' && rw !== 'ro')) {
      throw new HubError('HUB_ERR_USAGE', `--mount takes host:sandbox[:rw], got ${m}`);
    }
    return { host, sandbox, writable: rw === 'rw' };
  });
  return {
    ...(f.mode ? { mode: f.mode } : {}),
    ...(f.minLevel !== undefined ? { minLevel: int(f.minLevel, '--min-level') } : {}),
    ...(f.network || f.allow?.length
      ? {
          network: {
            ...(f.network ? { mode: f.network } : {}),
            ...(f.allow?.length ? { allow: f.allow } : {}),
          },
        }
      : {}),
    ...(mounts.length ? { filesystem: { mounts } } : {}),
    ...(f.env?.length ? { env: { allow: f.env } } : {}),
    ...(Object.keys(limits).length ? { limits } : {}),
  };
}

/**
 * `mcphub run <ref>`: pull and verify, decide by policy, then serve the server's MCP stdio through
 * the sandbox (and the tools guard, when the attestation carries a tools digest). Returns the exit code.
 */
export async function runCommand(
  config: Config,
  ref: string,
  flags: RunFlags,
  serverArgs: string[],
): Promise<number> {
  const sbx = await import('@mcphub/sandbox');
  const log = (s: string) => process.stderr.write(`mcphub run: ${s}\n`);
  const audit = (r: Record<string, unknown>) => appendAudit(config.home, { ref, ...r });

  // Without --policy, the default policy saved in Settings (MCPHUB_HOME/policy.json), if any.
  const policyFile =
    flags.policy ??
    (existsSync(defaultPolicyFileOf(config.home)) ? defaultPolicyFileOf(config.home) : undefined);
  const policy = await sbx.loadPolicy({
    ...(policyFile ? { file: policyFile } : {}),
    flags: policyFlags(flags) as never,
  });
  const { pulled, evaluation, base } = await pullAndAdmit(sbx, {
    ref,
    policy,
    registries: registriesOf(config),
    cacheDir: join(config.home, 'cache'),
    jwks: () => loadJwks(config),
    requireAttestation: config.client.requireAttestation,
    audit,
    revoked: revokedCheck(config),
  });
  for (const line of sbx.formatDenials(evaluation)) log(line);
  if (!evaluation.allowed) {
    throw new HubError(
      'HUB_ERR_FORBIDDEN',
      `policy denied ${pulled.name}@${pulled.version}: ${sbx.formatDenials(evaluation).join('; ')}`,
    );
  }
  if (flags.unsafeNoSandbox) log('WARNING: --unsafe-no-sandbox: the server runs with NO isolation, as you');

  const { command, args } = launchCommand(pulled, serverArgs);
  const toolsDigest = certifiedToolsDigest(pulled);

  const result = await sbx.serveOverStdio({
    command,
    args,
    cwd: pulled.packageDir,
    policy,
    ...(flags.unsafeNoSandbox ? { unsafeNoSandbox: true } : {}),
    ...(toolsDigest ? { toolsDigest, guardMode: policy.mode === 'warn' ? 'warn' : 'strict' } : {}),
    onGuardEvent: (e) => log(`tools guard: ${JSON.stringify(e)}`),
    onStarted: (isolation) =>
      log(
        `started ${pulled.name}@${pulled.version} (${pulled.digest.slice(0, 19)}…) isolation ${JSON.stringify(isolation)}`,
      ),
    onWarning: log,
  });
  audit({
    ...base,
    decision: evaluation.denials.length ? 'allowed-with-warnings' : 'allowed',
    isolation: result.isolation,
    exit: {
      code: result.exit.exitCode,
      signal: result.exit.signal,
      reason: result.exit.reason,
      durationMs: result.exit.durationMs,
    },
    ...(result.guard ? { guard: result.guard.state } : {}),
  });
  return result.exitCode;
}

export async function doctorCommand(deep: boolean, json: boolean, out: (s: string) => void): Promise<number> {
  const sbx = await import('@mcphub/sandbox');
  const report = deep ? await sbx.doctorDeep() : sbx.doctor();
  out(json ? JSON.stringify(report, null, 2) : sbx.formatDoctor(report));
  return 0;
}

export { appendAudit, registriesOf };
