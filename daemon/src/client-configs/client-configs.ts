import { existsSync, promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { HubError } from '../errors.js';

export const CLIENTS = ['claude-desktop', 'cursor', 'vscode', 'claude-code'] as const;
export type ClientName = (typeof CLIENTS)[number];

export interface ClientTarget {
  client: ClientName;
  file: string;
  /** The object key holding server entries: `mcpServers`, or `servers` for VS Code. */
  key: 'mcpServers' | 'servers';
}

export interface PlatformInfo {
  platform: NodeJS.Platform;
  home: string;
  appData?: string;
}

/** Where each client keeps its user-level MCP configuration. */
export function clientTarget(
  client: ClientName,
  p: PlatformInfo = { platform: process.platform, home: homedir(), appData: process.env.APPDATA },
): ClientTarget {
  const appSupport =
    p.platform === 'darwin'
      ? join(p.home, 'Library', 'Application Support')
      : p.platform === 'win32'
        ? (p.appData ?? join(p.home, 'AppData', 'Roaming'))
        : join(p.home, '.config');
  switch (client) {
    case 'claude-desktop':
      return { client, file: join(appSupport, 'Claude', 'claude_desktop_config.json'), key: 'mcpServers' };
    case 'cursor':
      return { client, file: join(p.home, '.cursor', 'mcp.json'), key: 'mcpServers' };
    case 'vscode':
      return { client, file: join(appSupport, 'Code', 'User', 'mcp.json'), key: 'servers' };
    case 'claude-code':
      return { client, file: join(p.home, '.claude.json'), key: 'mcpServers' };
  }
}

export interface ServerEntry {
  command: string;
  args: string[];
}

/** The entry name for a package: `acme/files@^1` → `acme-files`. */
export const entryNameOf = (ref: string) => ref.split('@')[0]!.replace(/[^a-z0-9._-]+/g, '-');

async function readConfig(file: string): Promise<Record<string, unknown>> {
  if (!existsSync(file)) return {};
  const text = await fsp.readFile(file, 'utf8');
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new HubError(
      'HUB_ERR_CLIENT_CONFIG',
      `${file} is not plain JSON (${(err as Error).message}); it was left untouched — edit it by hand or fix it first`,
    );
  }
}

/** Writes through a temporary file and a rename, keeping the original mode; never a half-written config. */
async function writeConfig(file: string, data: Record<string, unknown>): Promise<void> {
  await fsp.mkdir(dirname(file), { recursive: true });
  const mode = existsSync(file) ? (await fsp.stat(file)).mode & 0o777 : 0o600;
  const tmp = `${file}.mcphub-${process.pid}.tmp`;
  await fsp.writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode });
  await fsp.rename(tmp, file);
}

/** Adds (or replaces) our entry, keeping every other key and server of the file as it was. */
export async function installClientEntry(
  target: ClientTarget,
  name: string,
  entry: ServerEntry,
): Promise<{ file: string; replaced: boolean }> {
  const config = await readConfig(target.file);
  const servers = (
    config[target.key] && typeof config[target.key] === 'object' ? config[target.key] : {}
  ) as Record<string, unknown>;
  const replaced = name in servers;
  const value = target.key === 'servers' ? { type: 'stdio', ...entry } : entry;
  await writeConfig(target.file, { ...config, [target.key]: { ...servers, [name]: value } });
  return { file: target.file, replaced };
}

export async function removeClientEntry(
  target: ClientTarget,
  name: string,
): Promise<{ file: string; removed: boolean }> {
  const config = await readConfig(target.file);
  const servers = (config[target.key] ?? {}) as Record<string, unknown>;
  if (!(name in servers)) return { file: target.file, removed: false };
  const { [name]: _gone, ...rest } = servers;
  await writeConfig(target.file, { ...config, [target.key]: rest });
  return { file: target.file, removed: true };
}
