import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { safeExtractTarGz } from './safe-extract.js';
import { type RawEntry, rawTar, rawTarGz } from './tar-builder.test-helper.js';

/** Every test extracts into <parent>/out; afterwards the parent must hold nothing but what we put there. */
function arena() {
  const parent = mkdtempSync(join(tmpdir(), 'mcphub-extract-'));
  const victim = join(parent, 'victim.txt');
  writeFileSync(victim, 'original');
  return { parent, dest: join(parent, 'out'), victim };
}

async function refuses(archive: Buffer, code: string, limits = {}) {
  const a = arena();
  await expect(safeExtractTarGz(Readable.from([archive]), a.dest, limits)).rejects.toMatchObject({ code });
  // Nothing left behind: no out/, no staging dir, the neighbour untouched.
  expect(readdirSync(a.parent)).toEqual(['victim.txt']);
  expect(readFileSync(a.victim, 'utf8')).toBe('original');
  return a;
}

describe('safeExtractTarGz', () => {
  it('extracts an honest archive with files, directories and an internal symlink', async () => {
    const a = arena();
    const res = await safeExtractTarGz(
      Readable.from([
        rawTarGz([
          { path: 'pkg/', type: '5', mode: 0o755 },
          { path: 'pkg/index.js', body: 'console.log(1)', mode: 0o4755 },
          { path: 'pkg/lib/util.js', body: 'x' },
          { path: 'pkg/main.js', type: '2', linkpath: 'index.js' },
        ]),
      ]),
      a.dest,
    );
    expect(res.files).toBe(4);
    expect(readFileSync(join(a.dest, 'pkg/index.js'), 'utf8')).toBe('console.log(1)');
    expect(statSync(join(a.dest, 'pkg/index.js')).mode & 0o7777).toBe(0o755); // setuid stripped
    expect(readlinkSync(join(a.dest, 'pkg/main.js'))).toBe('index.js');
  });

  it('refuses an absolute path (write anywhere on the host)', () =>
    refuses(rawTarGz([{ path: '/tmp/evil.txt', body: 'x' }]), 'SBX_ERR_ARCHIVE_PATH'));

  it('refuses ".." traversal (zip-slip)', () =>
    refuses(rawTarGz([{ path: 'pkg/../../victim.txt', body: 'pwned' }]), 'SBX_ERR_ARCHIVE_PATH'));

  it('refuses a symlink that points outside', () =>
    refuses(rawTarGz([{ path: 'escape', type: '2', linkpath: '../victim.txt' }]), 'SBX_ERR_ARCHIVE_LINK'));

  it('refuses an absolute symlink', () =>
    refuses(rawTarGz([{ path: 'etc', type: '2', linkpath: '/etc' }]), 'SBX_ERR_ARCHIVE_LINK'));

  it('refuses writing a file through a symlinked directory (symlink-then-write)', () =>
    refuses(
      rawTarGz([
        { path: 'sub/', type: '5' },
        { path: 'link', type: '2', linkpath: 'sub' },
        { path: 'link/file.txt', body: 'through the link' },
      ]),
      'SBX_ERR_ARCHIVE_LINK',
    ));

  it('refuses a symlink that replaces an earlier entry (duplicate path)', () =>
    refuses(
      rawTarGz([
        { path: 'a.txt', body: 'one' },
        { path: 'a.txt', type: '2', linkpath: 'b' },
      ]),
      'SBX_ERR_ARCHIVE_DUPLICATE',
    ));

  it('refuses a hard link to a file outside', () =>
    refuses(rawTarGz([{ path: 'hl', type: '1', linkpath: '../victim.txt' }]), 'SBX_ERR_ARCHIVE_PATH'));

  it('refuses a hard link to a path that is not an extracted file', () =>
    refuses(rawTarGz([{ path: 'hl', type: '1', linkpath: 'etc/passwd' }]), 'SBX_ERR_ARCHIVE_LINK'));

  it('refuses device files and FIFOs', async () => {
    await refuses(rawTarGz([{ path: 'null', type: '3' }]), 'SBX_ERR_ARCHIVE_TYPE');
    await refuses(rawTarGz([{ path: 'disk', type: '4' }]), 'SBX_ERR_ARCHIVE_TYPE');
    await refuses(rawTarGz([{ path: 'pipe', type: '6' }]), 'SBX_ERR_ARCHIVE_TYPE');
  });

  it('refuses more files than allowed', () =>
    refuses(
      rawTarGz(Array.from({ length: 11 }, (_, i): RawEntry => ({ path: `f${i}`, body: 'x' }))),
      'SBX_ERR_ARCHIVE_TOO_MANY_FILES',
      { maxFiles: 10 },
    ));

  it('refuses nesting deeper than allowed', () =>
    refuses(rawTarGz([{ path: `${'d/'.repeat(12)}f`, body: 'x' }]), 'SBX_ERR_ARCHIVE_TOO_DEEP', {
      maxDepth: 10,
    }));

  it('refuses an archive that expands past the size limit', () =>
    refuses(rawTarGz([{ path: 'big', body: Buffer.alloc(300_000, 1) }]), 'SBX_ERR_ARCHIVE_TOO_LARGE', {
      maxTotalBytes: 200_000,
      maxCompressionRatio: 1e9,
    }));

  it('refuses a gzip bomb by its compression ratio before inflating it all', () =>
    refuses(rawTarGz([{ path: 'zeros', body: Buffer.alloc(64 * 1024 * 1024) }]), 'SBX_ERR_ARCHIVE_BOMB', {
      maxCompressionRatio: 100,
      ratioGraceBytes: 1024 * 1024,
    }));

  it('refuses what is not gzip, and a truncated archive', async () => {
    await refuses(Buffer.from('definitely not gzip'), 'SBX_ERR_ARCHIVE_CORRUPT');
    const whole = rawTarGz([{ path: 'a', body: Buffer.alloc(100_000, 7) }]);
    await refuses(whole.subarray(0, Math.floor(whole.length / 2)), 'SBX_ERR_ARCHIVE_CORRUPT');
    await refuses(gzipSync(rawTar([{ path: 'a', body: 'abc' }]).subarray(0, 700)), 'SBX_ERR_ARCHIVE_CORRUPT');
  });

  it('stops reading a large file input as soon as an early entry is refused', async () => {
    const a = arena();
    const file = join(a.parent, 'input.tar.gz');
    writeFileSync(
      file,
      rawTarGz([
        { path: '../escape', body: 'x' },
        ...Array.from({ length: 40 }, (_, i): RawEntry => ({ path: `f${i}`, body: randomBytes(256 * 1024) })),
      ]),
    );
    await expect(safeExtractTarGz(file, a.dest)).rejects.toMatchObject({ code: 'SBX_ERR_ARCHIVE_PATH' });
    expect(readdirSync(a.parent).sort()).toEqual(['input.tar.gz', 'victim.txt']);
    // A small file whose only entry is refused (the shape of a real zip-slip upload).
    const small = join(a.parent, 'small.tar.gz');
    writeFileSync(small, rawTarGz([{ path: '../../etc/cron.d/evil', body: 'x' }]));
    await expect(safeExtractTarGz(small, a.dest)).rejects.toMatchObject({ code: 'SBX_ERR_ARCHIVE_PATH' });
  });

  it('refuses control characters in names', () =>
    refuses(rawTarGz([{ path: 'a\u0007b', body: 'x' }]), 'SBX_ERR_ARCHIVE_PATH'));
});
