import { SandboxError } from '../errors.js';
import type { Policy } from './schema.js';

/** What we know about a package before running it (from pull + verify). */
export interface PolicyCandidate {
  name: string; // org/name
  digest: string; // sha256:<hex>
  level: number; // certification level 0..3, -1 when uncertified/unknown
  origin: string; // registry base URL it came from
  attested: boolean; // attestation present and its signature verified
}

export interface PolicyDecision {
  rule: string;
  ok: boolean;
  saw: string;
  need: string;
  /** What would make this rule pass (only for failures). */
  hint?: string;
}

export interface PolicyEvaluation {
  /** In `warn` mode this is true even when a rule fails; the failures are still in `decisions`. */
  allowed: boolean;
  mode: Policy['mode'];
  decisions: PolicyDecision[];
  denials: PolicyDecision[];
}

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

function normalizeUrl(u: string): string {
  return u.trim().toLowerCase().replace(/\/+$/, '');
}

function orgPrefix(entry: string): string {
  // 'acme', 'acme/', 'acme/*' all mean "packages of org acme"; 'acme/tools-*' is a name prefix.
  const e = entry.trim().toLowerCase().replace(/\*$/, '');
  return e.includes('/') ? e : `${e}/`;
}

/** Pure: same policy and candidate, same answer. Every failing rule says what it saw and what it needs. */
export function evaluatePolicy(policy: Policy, candidate: PolicyCandidate): PolicyEvaluation {
  const decisions: PolicyDecision[] = [];

  decisions.push(
    DIGEST_RE.test(candidate.digest)
      ? { rule: 'digest', ok: true, saw: candidate.digest, need: 'sha256:<64 hex>' }
      : {
          rule: 'digest',
          ok: false,
          saw: candidate.digest || '(none)',
          need: 'sha256:<64 hex>',
          hint: 'pull the package by digest through the registry client so its bytes are verified',
        },
  );

  const levelOk = candidate.level >= policy.minLevel;
  decisions.push({
    rule: 'minLevel',
    ok: levelOk,
    saw: candidate.level < 0 ? 'uncertified' : `level ${candidate.level}`,
    need: `level >= ${policy.minLevel}`,
    ...(levelOk
      ? {}
      : {
          hint: `use a version certified at level ${policy.minLevel} or higher, or lower minLevel to ${Math.max(0, candidate.level)} (--min-level)`,
        }),
  });

  const registries = policy.origins.filter((o) => /^https?:\/\//i.test(o)).map(normalizeUrl);
  const orgs = policy.origins.filter((o) => !/^https?:\/\//i.test(o)).map(orgPrefix);
  if (registries.length > 0) {
    const origin = normalizeUrl(candidate.origin);
    const ok = registries.some((r) => origin === r || origin.startsWith(`${r}/`));
    decisions.push({
      rule: 'origins.registry',
      ok,
      saw: candidate.origin || '(unknown)',
      need: `one of ${registries.join(', ')}`,
      ...(ok
        ? {}
        : { hint: `add ${normalizeUrl(candidate.origin)} to origins, or pull from a listed registry` }),
    });
  }
  if (orgs.length > 0) {
    const name = candidate.name.toLowerCase();
    const ok = orgs.some((p) => name.startsWith(p));
    decisions.push({
      rule: 'origins.org',
      ok,
      saw: candidate.name,
      need: `name starting with ${orgs.join(', ')}`,
      ...(ok ? {} : { hint: `add '${name.split('/')[0]}/*' to origins` }),
    });
  }

  if (policy.requireAttestation) {
    decisions.push({
      rule: 'requireAttestation',
      ok: candidate.attested,
      saw: candidate.attested ? 'verified attestation' : 'no verified attestation',
      need: 'an attestation signed by a trusted hub key',
      ...(candidate.attested
        ? {}
        : { hint: 'pull a certified version with an attestation, or set requireAttestation: false' }),
    });
  }

  const denials = decisions.filter((d) => !d.ok);
  return {
    allowed: denials.length === 0 || policy.mode === 'warn',
    mode: policy.mode,
    decisions,
    denials,
  };
}

/** One line per denial, for stderr. */
export function formatDenials(ev: PolicyEvaluation): string[] {
  return ev.denials.map(
    (d) =>
      `policy rule '${d.rule}' ${ev.mode === 'warn' ? 'warns' : 'refused'}: saw ${d.saw}, need ${d.need}${d.hint ? ` (${d.hint})` : ''}`,
  );
}

/**
 * For callers that want an exception: throws SBX_ERR_POLICY_DENIED (details.denials) when the
 * evaluation refused; returns the warn-mode failures otherwise (to be printed).
 */
export function assertAdmitted(ev: PolicyEvaluation): PolicyDecision[] {
  if (!ev.allowed) {
    throw new SandboxError('SBX_ERR_POLICY_DENIED', formatDenials(ev).join('; '), { denials: ev.denials });
  }
  return ev.denials;
}
