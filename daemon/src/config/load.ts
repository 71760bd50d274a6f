import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { HubError } from '../errors.js';
import { type Config, ConfigSchema, defaultConfig } from './schema.js';

export interface ConfigSources {
  env?: NodeJS.ProcessEnv;
  /** Flag values keyed by flag name without dashes, e.g. `{'hub-port': '9090'}`. */
  flags?: Record<string, string | undefined>;
  /** Where `~` is; the default home is `<homeDir>/.mcphub`. */
  homeDir?: string;
}

interface Leaf {
  path: string[];
  schema: TSchema;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
export const envNameOf = (path: string[]) =>
  `MCPHUB_${path.map((p) => kebab(p).replace(/-/g, '_')).join('_')}`.toUpperCase();
export const flagNameOf = (path: string[]) => path.map(kebab).join('-');

function leavesOf(schema: TSchema, prefix: string[] = []): Leaf[] {
  if (schema.type === 'object' && schema.properties) {
    return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([k, s]) =>
      leavesOf(s, [...prefix, k]),
    );
  }
  return [{ path: prefix, schema }];
}

/** Every settable leaf of the config, with its env variable and flag names (for docs and `--help`). */
export function configKeys(): { path: string; env: string; flag: string; description?: string }[] {
  return leavesOf(ConfigSchema).map((l) => ({
    path: l.path.join('.'),
    env: envNameOf(l.path),
    flag: `--${flagNameOf(l.path)}`,
    description: l.schema.description as string | undefined,
  }));
}

/** Turns a string from env or a flag into the leaf's type; leaves it a string when it does not parse so validation names the problem. */
function coerce(raw: string, schema: TSchema): unknown {
  if (schema.type === 'integer' || schema.type === 'number') {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
  }
  if (schema.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (schema.type === 'array') {
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return raw;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new HubError('HUB_ERR_CONFIG_UNREADABLE', `Cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new HubError(
      'HUB_ERR_CONFIG_INVALID',
      `${file} is not a valid JSON object: ${(err as Error).message}`,
    );
  }
}

/**
 * Builds the effective configuration: defaults < `$MCPHUB_HOME/config.json` < `MCPHUB_*` env < flags,
 * then validates it against the one schema. Throws `HUB_ERR_CONFIG_INVALID` naming every bad key.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const flags = sources.flags ?? {};
  const home = resolve(flags.home ?? env.MCPHUB_HOME ?? join(sources.homeDir ?? homedir(), '.mcphub'));
  const leaves = leavesOf(ConfigSchema).filter((l) => l.path[0] !== 'home');
  const known = new Set(leaves.map((l) => flagNameOf(l.path)).concat('home'));
  const unknownFlags = Object.keys(flags).filter((f) => flags[f] !== undefined && !known.has(f));
  if (unknownFlags.length > 0) {
    throw new HubError(
      'HUB_ERR_CONFIG_INVALID',
      `Unknown option(s): ${unknownFlags.map((f) => `--${f}`).join(', ')}`,
    );
  }

  const fromEnv: Record<string, unknown> = {};
  const fromFlags: Record<string, unknown> = {};
  for (const leaf of leaves) {
    const e = env[envNameOf(leaf.path)];
    if (e !== undefined && e !== '') setPath(fromEnv, leaf.path, coerce(e, leaf.schema));
    const f = flags[flagNameOf(leaf.path)];
    if (f !== undefined) setPath(fromFlags, leaf.path, coerce(f, leaf.schema));
  }
  const merged = [readConfigFile(join(home, 'config.json')), fromEnv, fromFlags].reduce(
    (acc, layer) => deepMerge(acc, layer),
    defaultConfig(home) as unknown as Record<string, unknown>,
  );
  merged.home = home;

  if (!Value.Check(ConfigSchema, merged)) {
    const problems = [...Value.Errors(ConfigSchema, merged)].map((e) => `${e.path || '/'}: ${e.message}`);
    throw new HubError(
      'HUB_ERR_CONFIG_INVALID',
      `Invalid configuration:\n  ${problems.join('\n  ')}`,
      problems,
    );
  }
  return merged as Config;
}
