import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { deepMerge } from './load.js';
import { ConfigSchema, defaultConfig } from './schema.js';

/** `$MCPHUB_HOME/config.json`: the layer the Settings screen edits. */
export const configFileOf = (home: string) => join(home, 'config.json');
/** `$MCPHUB_HOME/policy.json`: the default sandbox policy of `mcphub run` when no --policy is given. */
export const defaultPolicyFileOf = (home: string) => join(home, 'policy.json');

/**
 * Writes JSON so a reader sees the old file or the new one, never half of either: a temporary file
 * beside it (same file system), then rename. Mode 0600: config.json may hold the S3 secret.
 */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(value, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Problems of a config.json object against the one schema (defaults below it), `[]` when it is valid. */
export function configFileProblems(home: string, file: Record<string, unknown>): string[] {
  const merged = deepMerge(defaultConfig(home) as unknown as Record<string, unknown>, file);
  merged.home = home;
  const problems = Value.Check(ConfigSchema, merged)
    ? []
    : [...Value.Errors(ConfigSchema, merged)].map((e) => `${e.path || '/'}: ${e.message}`);
  if (merged.s3Endpoint && (!merged.s3AccessKey || !merged.s3SecretKey)) {
    problems.push('/s3Endpoint: needs s3AccessKey and s3SecretKey');
  }
  return problems;
}
