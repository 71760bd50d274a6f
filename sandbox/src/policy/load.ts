import { readFile } from 'node:fs/promises';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { SandboxError } from '../errors.js';
import { parseAllowEntry } from '../net/allowlist.js';
import { type Policy, PolicySchema } from './schema.js';

/** A partial policy as written in a file or assembled from CLI flags. */
export type PolicyInput = {
  [K in keyof Policy]?: Policy[K] extends unknown[]
    ? Policy[K]
    : Policy[K] extends object
      ? Partial<Policy[K]>
      : Policy[K];
};

/** Parse policy text (JSON or YAML; YAML is a superset, but JSON errors read better so try it first). */
export function parsePolicyText(text: string, source = 'policy'): PolicyInput {
  let raw: unknown;
  const trimmed = text.trim();
  try {
    raw = trimmed.startsWith('{') ? JSON.parse(trimmed) : parseYaml(text);
  } catch (err) {
    throw new SandboxError('SBX_ERR_POLICY_INVALID', `${source}: ${(err as Error).message}`);
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SandboxError('SBX_ERR_POLICY_INVALID', `${source}: the top level must be an object`);
  }
  return raw as PolicyInput;
}

export async function loadPolicyFile(path: string): Promise<PolicyInput> {
  return parsePolicyText(await readFile(path, 'utf8'), path);
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/**
 * Layer policies: defaults < file < flags. Scalars are replaced by the later layer; lists are
 * concatenated (a flag adds an origin or a mount, it does not silently drop the file's); `env.set`
 * and `limits` merge key by key.
 */
export function mergePolicyInputs(...layers: (PolicyInput | undefined)[]): PolicyInput {
  const out: PolicyInput = {};
  for (const l of layers) {
    if (!l) continue;
    if (l.mode !== undefined) out.mode = l.mode;
    if (l.minLevel !== undefined) out.minLevel = l.minLevel;
    if (l.requireAttestation !== undefined) out.requireAttestation = l.requireAttestation;
    if (l.origins) out.origins = uniq([...(out.origins ?? []), ...l.origins]);
    if (l.network) {
      out.network = {
        ...out.network,
        ...(l.network.mode !== undefined ? { mode: l.network.mode } : {}),
        ...(l.network.allow ? { allow: uniq([...(out.network?.allow ?? []), ...l.network.allow]) } : {}),
      };
    }
    if (l.filesystem?.mounts) {
      out.filesystem = { mounts: [...(out.filesystem?.mounts ?? []), ...l.filesystem.mounts] };
    }
    if (l.env) {
      out.env = {
        allow: uniq([...(out.env?.allow ?? []), ...(l.env.allow ?? [])]),
        set: { ...out.env?.set, ...l.env.set },
      };
    }
    if (l.limits) out.limits = { ...out.limits, ...l.limits };
    if (l.isolation?.require) {
      out.isolation = { require: uniq([...(out.isolation?.require ?? []), ...l.isolation.require]) };
    }
  }
  return out;
}

/** Validate and fill defaults. Throws SBX_ERR_POLICY_INVALID listing every problem with its path. */
export function resolvePolicy(input: PolicyInput = {}): Policy {
  const candidate = Value.Default(PolicySchema, structuredClone(input));
  const errors = [...Value.Errors(PolicySchema, candidate)];
  if (errors.length > 0) {
    const lines = errors.slice(0, 10).map((e) => `${e.path || '/'}: ${e.message}`);
    throw new SandboxError('SBX_ERR_POLICY_INVALID', lines.join('; '), { errors: lines });
  }
  const policy = candidate as Policy;
  // Allowlist entries are checked here, at load time, so a typo fails `mcphub run` before anything
  // starts — not as a proxy error later (and never as an entry that silently matches nothing).
  const badAllow: string[] = [];
  for (const entry of policy.network.allow) {
    try {
      parseAllowEntry(entry);
    } catch (err) {
      badAllow.push((err as Error).message);
    }
  }
  if (badAllow.length) {
    throw new SandboxError('SBX_ERR_POLICY_INVALID', `/network/allow: ${badAllow.join('; ')}`, {
      errors: badAllow,
    });
  }
  if (policy.network.mode !== 'allowlist' && policy.network.allow.length > 0) {
    throw new SandboxError(
      'SBX_ERR_POLICY_INVALID',
      `/network/allow is set but /network/mode is '${policy.network.mode}'; set mode: allowlist`,
    );
  }
  return policy;
}

/** File + flags → validated policy. */
export async function loadPolicy(opts: { file?: string; flags?: PolicyInput } = {}): Promise<Policy> {
  const file = opts.file ? await loadPolicyFile(opts.file) : undefined;
  return resolvePolicy(mergePolicyInputs(file, opts.flags));
}
