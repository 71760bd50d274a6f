import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertGitUrl, fetchGitSource } from './git-source.js';
import { packDirectory } from './pack-directory.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mcphub-ingest-'));

function tree(root: string, mtime: number) {
  mkdirSync(join(root, 'src/lib'), { recursive: true });
  for (const [p, body] of [
    ['package.json', '{"name":"x"}'],
    ['src/index.js', 'run()'],
    ['src/lib/a.js', 'a'],
    ['b.txt', 'b'],
  ]) {
    writeFileSync(join(root, p!), body!);
    utimesSync(join(root, p!), mtime, mtime);
  }
  chmodSync(join(root, 'src/index.js'), 0o775);
  mkdirSync(join(root, '.git'));
  writeFileSync(join(root, '.git/config'), String(mtime));
}

describe('packDirectory', () => {
  it('gives the same bytes for the same tree whatever the mtimes, modes noise and creation order', async () => {
    const a = tmp();
    const b = tmp();
    tree(a, 1_000_000);
    tree(b, 2_000_000);
    chmodSync(join(b, 'b.txt'), 0o664); // group-write differs; normalized away
    const pa = await packDirectory(a);
    const pb = await packDirectory(b);
    expect(pa.digest).toBe(pb.digest);
    expect(pa.bytes.equals(pb.bytes)).toBe(true);
    expect(pa.files).toBe(4); // .git is not packed
  });

  it('changes the digest when one byte of content changes', async () => {
    const a = tmp();
    tree(a, 1);
    const before = await packDirectory(a);
    writeFileSync(join(a, 'b.txt'), 'c');
    expect((await packDirectory(a)).digest).not.toBe(before.digest);
  });
});

describe('git sources', () => {
  it('refuses helper transports and option-like URLs (command injection through git)', () => {
    for (const url of [
      'ext::sh -c touch% /tmp/pwned',
      '--upload-pack=touch /tmp/pwned',
      'fd::17',
      'relative/path',
      'https://x y',
    ]) {
      expect(() => assertGitUrl(url), url).toThrow(/Unsupported git URL/);
    }
    expect(() => assertGitUrl('https://github.com/acme/files.git')).not.toThrow();
    expect(() => assertGitUrl('git@github.com:acme/files.git')).not.toThrow();
    expect(() => assertGitUrl('file:///srv/repos/files')).not.toThrow();
  });

  it('clones a local repository at a branch and at a commit, pinning the commit', async () => {
    const repo = tmp();
    const g = (...args: string[]) =>
      execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args])
        .toString()
        .trim();
    g('init', '--quiet', '-b', 'main');
    writeFileSync(join(repo, 'server.py'), 'print(1)\n');
    g('add', '.');
    g('commit', '--quiet', '-m', 'one');
    const first = g('rev-parse', 'HEAD');
    writeFileSync(join(repo, 'server.py'), 'print(2)\n');
    g('commit', '--quiet', '-am', 'two');
    const second = g('rev-parse', 'HEAD');

    const atBranch = join(tmp(), 'src');
    expect((await fetchGitSource(`file://${repo}`, 'main', atBranch)).commit).toBe(second);
    expect(readFileSync(join(atBranch, 'server.py'), 'utf8')).toBe('print(2)\n');

    const atCommit = join(tmp(), 'src');
    expect((await fetchGitSource(repo, first, atCommit)).commit).toBe(first);
    expect(readFileSync(join(atCommit, 'server.py'), 'utf8')).toBe('print(1)\n');
  });

  it('refuses option-like refs and reports a missing ref with a coded error', async () => {
    await expect(
      fetchGitSource('file:///nonexistent', '--output=/tmp/x', join(tmp(), 's')),
    ).rejects.toMatchObject({ code: 'HUB_ERR_VALIDATION' });
    const repo = tmp();
    execFileSync('git', ['init', '--quiet', repo]);
    await expect(fetchGitSource(repo, 'no-such-branch', join(tmp(), 's'))).rejects.toMatchObject({
      code: 'HUB_ERR_GIT_FAILED',
    });
  });
});
