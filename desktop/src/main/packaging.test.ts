import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const yml = readFileSync(new URL('../../../electron-builder.yml', import.meta.url), 'utf8');

describe('electron-builder.yml', () => {
  it('packages Linux (AppImage, deb), macOS (dmg) and Windows (nsis)', () => {
    for (const target of ['AppImage', 'deb', 'dmg', 'nsis'])
      expect(yml).toMatch(new RegExp(`^\\s+- ${target}$`, 'm'));
  });
  it('unpacks the daemon and its native modules from the asar', () => {
    for (const glob of [
      'daemon/dist/**',
      'better-sqlite3/**',
      'tree-sitter/**',
      'tree-sitter-*/**',
      'node-pty/**',
      '"**/*.node"',
    ]) {
      expect(yml).toContain(glob);
    }
  });
  it('starts the Electron main the desktop package builds', () => {
    expect(yml).toMatch(/main: desktop\/dist\/main\/main\.js/);
  });
});
