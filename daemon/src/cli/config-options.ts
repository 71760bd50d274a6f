import type { Command } from 'commander';
import { type ConfigSources, configKeys, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';

const camel = (flag: string) =>
  flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Adds one `--a-b-c <value>` option per config leaf, so flags always match the schema. */
export function addConfigOptions(cmd: Command): Command {
  cmd.option('--home <dir>', 'data directory (env MCPHUB_HOME, default ~/.mcphub)');
  for (const key of configKeys()) {
    if (key.path === 'home') continue;
    cmd.option(`${key.flag} <value>`, `${key.description ?? key.path} (env ${key.env})`);
  }
  return cmd;
}

/** Reads the config-leaf flags back out of commander's camel-cased options and loads the config. */
export function configFromOptions(opts: Record<string, unknown>, extra: Partial<ConfigSources> = {}): Config {
  const flags: Record<string, string | undefined> = {};
  for (const key of [{ flag: '--home' }, ...configKeys()]) {
    const value = opts[camel(key.flag)];
    if (typeof value === 'string') flags[key.flag.slice(2)] = value;
  }
  return loadConfig({ ...extra, flags });
}
