import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CLIENTS,
  clientTarget,
  entryNameOf,
  installClientEntry,
  removeClientEntry,
} from './client-configs.js';

const entry = { command: 'mcphub', args: ['run', 'acme/files@^1'] };

describe('client configs', () => {
  it('knows where every client keeps its config on Linux, macOS and Windows', () => {
    const linux = { platform: 'linux' as const, home: '/home/a' };
    expect(clientTarget('claude-desktop', linux).file).toBe(
      '/home/a/.config/Claude/claude_desktop_config.json',
    );
    expect(clientTarget('claude-desktop', { platform: 'darwin', home: '/Users/a' }).file).toBe(
      '/Users/a/Library/Application Support/Claude/claude_desktop_config.json',
    );
    expect(clientTarget('vscode', linux)).toMatchObject({
      file: '/home/a/.config/Code/User/mcp.json',
      key: 'servers',
    });
    expect(clientTarget('cursor', linux).file).toBe('/home/a/.cursor/mcp.json');
    expect(clientTarget('claude-code', linux).file).toBe('/home/a/.claude.json');
    expect(entryNameOf('acme/files@^1')).toBe('acme-files');
  });

  it.each(CLIENTS)(
    '%s: install keeps the rest of the file intact; remove takes back only our entry',
    async (client) => {
      const home = mkdtempSync(join(tmpdir(), 'mcphub-clients-'));
      const target = clientTarget(client, { platform: 'linux', home });
      mkdirSync(dirname(target.file), { recursive: true });
      const original = {
        theme: 'dark',
        [target.key]: { other: { command: 'uvx', args: ['other-server'] } },
        nested: { a: [1, 2] },
      };
      writeFileSync(target.file, JSON.stringify(original));

      expect((await installClientEntry(target, 'acme-files', entry)).replaced).toBe(false);
      const after = JSON.parse(readFileSync(target.file, 'utf8'));
      expect(after.theme).toBe('dark');
      expect(after.nested).toEqual({ a: [1, 2] });
      expect(after[target.key].other).toEqual({ command: 'uvx', args: ['other-server'] });
      expect(after[target.key]['acme-files']).toMatchObject(entry);
      if (client === 'vscode') expect(after[target.key]['acme-files'].type).toBe('stdio');

      expect((await removeClientEntry(target, 'acme-files')).removed).toBe(true);
      expect(JSON.parse(readFileSync(target.file, 'utf8'))).toEqual(original);
    },
  );

  it('creates a missing config file, and refuses to rewrite one that is not plain JSON (leaving it untouched)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mcphub-clients-'));
    const cursor = clientTarget('cursor', { platform: 'linux', home });
    await installClientEntry(cursor, 'x', entry);
    expect(JSON.parse(readFileSync(cursor.file, 'utf8')).mcpServers.x).toEqual(entry);

    const vscode = clientTarget('vscode', { platform: 'linux', home });
    mkdirSync(dirname(vscode.file), { recursive: true });
    const jsonc = '{\n  // my servers\n  "servers": {}\n}\n';
    writeFileSync(vscode.file, jsonc);
    await expect(installClientEntry(vscode, 'x', entry)).rejects.toMatchObject({
      code: 'HUB_ERR_CLIENT_CONFIG',
    });
    expect(readFileSync(vscode.file, 'utf8')).toBe(jsonc);
  });
});
