import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isSandboxError } from './errors.js';
import { resolveMounts } from './mounts.js';

let home: string;
beforeAll(() => {
  home = join(mkdtempSync(join(tmpdir(), 'mounts-')), 'alice');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'id_ed25519'), 'key');
  mkdirSync(join(home, '.aws'));
  mkdirSync(join(home, '.config', 'gh'), { recursive: true });
  mkdirSync(join(home, '.docker'));
  writeFileSync(join(home, '.docker', 'config.json'), '{}');
  writeFileSync(join(home, '.zshrc'), '');
  mkdirSync(join(home, 'code', 'app', '.git', 'hooks'), { recursive: true });
  mkdirSync(join(home, 'code', 'lib', 'node_modules', 'x', '.git', 'hooks'), { recursive: true });
  writeFileSync(join(home, 'code', 'app', '.mcp.json'), '{}');
  symlinkSync(join(home, '.ssh'), join(home, 'code', 'keys'));
});

const denied = (host: string) => {
  try {
    resolveMounts([{ host, sandbox: '/m' }], { home });
    return undefined;
  } catch (e) {
    return e;
  }
};

describe('resolveMounts and the built-in deny list', () => {
  it('refuses a mount of a denied path, of anything inside one, and of a symlink to one', () => {
    for (const p of [
      '~/.ssh',
      '~/.ssh/id_ed25519',
      '~/.aws',
      '~/.config/gh',
      '~/.docker/config.json',
      '~/.zshrc',
    ]) {
      expect(isSandboxError(denied(p), 'SBX_ERR_MOUNT_DENIED'), p).toBe(true);
    }
    expect(isSandboxError(denied(join(home, 'code', 'keys')), 'SBX_ERR_MOUNT_DENIED')).toBe(true);
    expect(isSandboxError(denied(join(home, 'code', 'app', '.git', 'hooks')), 'SBX_ERR_MOUNT_DENIED')).toBe(
      true,
    );
  });

  it('masks denied paths under a mounted parent (dirs with an empty tmpfs, files with /dev/null)', () => {
    const r = resolveMounts([{ host: '~', sandbox: '/home' }], { home });
    const masks = Object.fromEntries(r.masks.map((m) => [m.sandbox, m.kind]));
    expect(masks).toMatchObject({
      '/home/.ssh': 'dir',
      '/home/.aws': 'dir',
      '/home/.config/gh': 'dir',
      '/home/.docker/config.json': 'file',
      '/home/.zshrc': 'file',
      '/home/code/app/.git/hooks': 'dir',
      '/home/code/app/.mcp.json': 'file',
    });
    // missing denied files under a read-only mount cannot be created, so need no mask
    expect(masks['/home/.bashrc']).toBeUndefined();
    // node_modules is not walked (size), and says so only if truncated
    expect(Object.keys(masks).some((k) => k.includes('node_modules'))).toBe(false);
  });

  it('under a writable mount, masks denied names even where they do not exist yet', () => {
    const r = resolveMounts([{ host: join(home, 'code', 'app'), sandbox: '/w', writable: true }], { home });
    expect(r.binds).toEqual([{ host: join(home, 'code', 'app'), sandbox: '/w', writable: true }]);
    expect(r.masks.map((m) => m.sandbox).sort()).toEqual(['/w/.git/hooks', '/w/.gitconfig', '/w/.mcp.json']);
  });

  it('refuses relative paths, missing host paths and the sandbox plumbing as a target', () => {
    expect(isSandboxError(denied('relative/dir'), 'SBX_ERR_MOUNT_INVALID')).toBe(true);
    expect(isSandboxError(denied('/does/not/exist'), 'SBX_ERR_MOUNT_INVALID')).toBe(true);
    for (const target of ['/', '/proc', '/usr/lib', '/app', '/run/mcphub', '/tmp', '/etc']) {
      const e = (() => {
        try {
          resolveMounts([{ host: join(home, 'code'), sandbox: target }], { home });
        } catch (err) {
          return err;
        }
      })();
      expect(isSandboxError(e, 'SBX_ERR_MOUNT_INVALID'), target).toBe(true);
    }
    expect(resolveMounts([{ host: join(home, 'code'), sandbox: '/tmp/code' }], { home }).binds).toHaveLength(
      1,
    );
  });
});
