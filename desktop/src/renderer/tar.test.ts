import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stripTopFolder, tarGz } from './tar.js';

const enc = new TextEncoder();

describe('browser-side folder packing', () => {
  it('writes a .tar.gz that system tar reads back byte for byte, long paths and VCS folders included', async () => {
    const long = `src/${'deep/'.repeat(30)}index.js`;
    const blob = await tarGz(
      stripTopFolder([
        { path: 'server/package.json', data: enc.encode('{"name":"x"}') },
        { path: `server/${long}`, data: enc.encode('console.log(1)\n') },
        { path: 'server/.git/config', data: enc.encode('[core]') },
        { path: 'server/empty.txt', data: new Uint8Array() },
      ]),
    );
    const dir = mkdtempSync(join(tmpdir(), 'mcphub-tar-'));
    const file = join(dir, 'out.tar.gz');
    writeFileSync(file, new Uint8Array(await blob.arrayBuffer()));
    const listed = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(listed).toEqual(['empty.txt', long, 'package.json'].sort());
    execFileSync('tar', ['-xzf', file, '-C', dir]);
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe('{"name":"x"}');
    expect(readFileSync(join(dir, long), 'utf8')).toBe('console.log(1)\n');
  });

  it('keeps paths as they are when there is no single top folder', () => {
    const files = [
      { path: 'package.json', data: new Uint8Array() },
      { path: 'src/a.js', data: new Uint8Array() },
    ];
    expect(stripTopFolder(files)).toBe(files);
  });
});
