import { appendFileSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Jwks, Policy, PolicyEvaluation, PulledPackage } from '@mcphub/sandbox';
import { HubError } from '../errors.js';

type Sandbox = typeof import('@mcphub/sandbox');

/**
 * What `mcphub run` (CLI) and the daemon's RunManager share: pull + verify into the cache, decide by
 * policy, audit, and work out the command of a package's runtime. One place, so a rule added to one
 * path cannot be missing from the other.
 */

/** One JSON line per run in `MCPHUB_HOME/logs/audit.jsonl`: who, what, the decision, the isolation, the outcome. */
export function appendAudit(home: string, record: Record<string, unknown>): void {
  const dir = join(home, 'logs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  appendFileSync(
    join(dir, 'audit.jsonl'),
    `${JSON.stringify({ at: new Date().toISOString(), user: userInfo().username, ...record })}\n`,
    { mode: 0o600 },
  );
}

export interface Admission {
  pulled: PulledPackage;
  evaluation: PolicyEvaluation;
  /** What every audit line of this run carries. */
  base: {
    name: string;
    version: string;
    digest: string;
    level: number | null;
    limits: Policy['limits'];
    network: Policy['network']['mode'];
  };
}

export interface AdmitOptions {
  ref: string;
  policy: Policy;
  registries: string[];
  cacheDir: string;
  jwks: Jwks | (() => Promise<Jwks>);
  requireAttestation: boolean;
  audit: (record: Record<string, unknown>) => void;
  /** The local revocation list: a revoked digest is refused even from the cache. */
  revoked?: (digests: string[]) => { reason: string; origin: string } | null;
}

/**
 * Pull (resolve, download, verify digest and attestation signature, cache by digest) and evaluate the
 * policy. A refused pull is audited and rethrown as is (SBX_ERR_PULL_*); a denial is audited and
 * returned (`evaluation.allowed === false`) — the caller decides how to report it.
 */
export async function pullAndAdmit(sbx: Sandbox, o: AdmitOptions): Promise<Admission> {
  let pulled: PulledPackage;
  try {
    pulled = await sbx.pullPackage(o.ref, {
      registries: o.registries,
      cache: new sbx.PackageCache(o.cacheDir),
      jwks: o.jwks,
      requireAttestation: o.policy.requireAttestation || o.requireAttestation,
      ...(o.revoked ? { revoked: o.revoked } : {}),
    });
  } catch (err) {
    o.audit({
      decision: 'refused',
      reason: `${(err as { code?: string }).code ?? 'ERROR'}: ${(err as Error).message}`,
    });
    throw err;
  }
  const evaluation = sbx.evaluatePolicy(o.policy, {
    name: pulled.name,
    digest: pulled.digest,
    level: pulled.level ?? -1,
    origin: pulled.registry,
    attested: pulled.attested,
  });
  const base = {
    name: pulled.name,
    version: pulled.version,
    digest: pulled.digest,
    level: pulled.level,
    limits: o.policy.limits,
    network: o.policy.network.mode,
  };
  if (!evaluation.allowed) o.audit({ ...base, decision: 'denied', denials: evaluation.denials });
  return { pulled, evaluation, base };
}

/** The command line of a package's runtime, inside the sandbox (cwd = the package at /app). */
export function launchCommand(
  pulled: PulledPackage,
  serverArgs: string[] = [],
): { command: string; args: string[] } {
  const runtime = pulled.manifest.runtime;
  if (runtime.type === 'go')
    throw new HubError(
      'HUB_ERR_USAGE',
      'Go packages run from a built binary; publish one with runtime type "binary"',
    );
  if (runtime.type === 'node' || runtime.type === 'python') {
    return {
      command: runtime.type === 'node' ? 'node' : 'python3',
      args: [runtime.entrypoint, ...(runtime.args ?? []), ...serverArgs],
    };
  }
  return { command: `./${runtime.entrypoint}`, args: [...(runtime.args ?? []), ...serverArgs] };
}

/** The certified tools digest of a pulled package, if its attestation carries one (rug-pull guard). */
export const certifiedToolsDigest = (pulled: PulledPackage): string | undefined =>
  pulled.attestation?.statement.predicate.toolsDigest ?? undefined;
