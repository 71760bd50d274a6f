import { readdirSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { SandboxError } from './errors.js';
import {
  ANYWHERE_DENY_LIST,
  DENIED_DIRS,
  HOME_DENY_LIST,
  RESERVED_SANDBOX_PATHS,
} from './policy/deny-list.js';
import type { Mount } from './policy/schema.js';

export interface ResolvedBind {
  host: string; // real path on the host
  sandbox: string;
  writable: boolean;
}

export interface Mask {
  sandbox: string;
  kind: 'dir' | 'file';
  /** The host path this hides, for the isolation report. */
  hides: string;
}

export interface ResolvedMounts {
  binds: ResolvedBind[];
  masks: Mask[];
  /** True when a mounted tree was too large to walk completely for ANYWHERE_DENY_LIST names. */
  walkTruncated: boolean;
}

/** File-system access used by mount resolution, injectable for tests. */
export interface MountFs {
  realpath(p: string): string;
  kind(p: string): 'dir' | 'file' | 'missing';
  /** Directory entries: name and whether it is a real (non-symlink) directory. */
  entries(p: string): { name: string; dir: boolean }[];
}

export const nodeMountFs: MountFs = {
  realpath: (p) => realpathSync(p),
  kind: (p) => {
    try {
      return statSync(p).isDirectory() ? 'dir' : 'file';
    } catch {
      return 'missing';
    }
  },
  entries: (p) => {
    try {
      return readdirSync(p, { withFileTypes: true }).map((d) => ({ name: d.name, dir: d.isDirectory() }));
    } catch {
      return [];
    }
  },
};

function isWithin(child: string, parent: string): boolean {
  if (parent === '/') return true;
  return child === parent || child.startsWith(parent + sep);
}

export function expandHome(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return join(home, p.slice(2));
  return p;
}

const WALK_MAX_DEPTH = 6;
const WALK_MAX_DIRS = 20_000;
const WALK_SKIP = new Set(['node_modules', '.cache', '.npm']);

/** Host directories (inside `root`) holding an ANYWHERE_DENY_LIST entry: bounded breadth-first walk. */
function findAnywhereDenied(root: string, fs: MountFs): { hits: string[]; truncated: boolean } {
  // One readdir per directory: the denied names are looked up among its entries (no stat per name).
  const firstParts = new Set(ANYWHERE_DENY_LIST.map((rel) => rel.split('/')[0]!));
  const hits: string[] = [];
  let seen = 0;
  let frontier = [root];
  for (let depth = 0; depth <= WALK_MAX_DEPTH && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of frontier) {
      const entries = fs.entries(dir);
      const names = new Set(entries.map((e) => e.name));
      for (const rel of ANYWHERE_DENY_LIST) {
        if (!names.has(rel.split('/')[0]!)) continue;
        const p = join(dir, rel);
        if (!rel.includes('/') || fs.kind(p) !== 'missing') hits.push(p);
      }
      for (const e of entries) {
        if (!e.dir || WALK_SKIP.has(e.name) || firstParts.has(e.name)) continue;
        if (++seen > WALK_MAX_DIRS) return { hits, truncated: true };
        next.push(join(dir, e.name));
      }
    }
    frontier = next;
  }
  return { hits, truncated: frontier.length > 0 };
}

/**
 * Turn policy mounts into binds + masks, enforcing the deny list on *real* paths (a symlink to
 * ~/.ssh is as denied as ~/.ssh). Throws SBX_ERR_MOUNT_DENIED / SBX_ERR_MOUNT_INVALID.
 */
export function resolveMounts(mounts: Mount[], opts: { home?: string; fs?: MountFs } = {}): ResolvedMounts {
  const fs = opts.fs ?? nodeMountFs;
  const home = opts.home ?? homedir();
  let realHome = home;
  try {
    realHome = fs.realpath(home);
  } catch {}
  const homeDenied = HOME_DENY_LIST.map((rel) => join(realHome, rel));

  const binds: ResolvedBind[] = [];
  const masks: Mask[] = [];
  let walkTruncated = false;

  for (const m of mounts) {
    const hostPath = expandHome(m.host, home);
    if (!isAbsolute(hostPath)) {
      throw new SandboxError('SBX_ERR_MOUNT_INVALID', `host path must be absolute: ${m.host}`);
    }
    const target = normalize(m.sandbox).replace(/\/+$/, '') || '/';
    if (!isAbsolute(m.sandbox) || target.split('/').includes('..')) {
      throw new SandboxError('SBX_ERR_MOUNT_INVALID', `sandbox path must be absolute: ${m.sandbox}`);
    }
    for (const r of RESERVED_SANDBOX_PATHS) {
      const tmpChild = r === '/tmp' && target.startsWith('/tmp/') && target !== '/tmp/home';
      if (tmpChild) continue; // /tmp/<x> is fine: the tmpfs is mounted first
      if (target === r || (r !== '/' && r !== '/tmp' && isWithin(target, r))) {
        throw new SandboxError('SBX_ERR_MOUNT_INVALID', `sandbox path ${target} is reserved (${r})`);
      }
    }
    let real: string;
    try {
      real = fs.realpath(hostPath);
    } catch {
      throw new SandboxError('SBX_ERR_MOUNT_INVALID', `host path does not exist: ${hostPath}`);
    }

    // A mount of a denied path, or of something inside one, is refused outright.
    const deniedSelf =
      homeDenied.find((d) => isWithin(real, d)) ??
      ANYWHERE_DENY_LIST.find((rel) => {
        const parts = real.split(sep);
        const relParts = rel.split('/');
        for (let i = 0; i + relParts.length <= parts.length; i++) {
          if (relParts.every((rp, j) => parts[i + j] === rp)) return true;
        }
        return false;
      });
    if (deniedSelf) {
      throw new SandboxError(
        'SBX_ERR_MOUNT_DENIED',
        `${m.host} (${real}) is or is inside ${deniedSelf}, which is on the built-in deny list`,
        { mount: m, denied: deniedSelf },
      );
    }
    const writable = m.writable === true;
    binds.push({ host: real, sandbox: target, writable });
    if (fs.kind(real) !== 'dir') continue;

    const toMask = new Set<string>();
    for (const d of homeDenied) {
      if (!isWithin(d, real)) continue;
      // A missing denied path under a read-only mount cannot be created: nothing to mask.
      if (fs.kind(d) === 'missing' && !writable) continue;
      toMask.add(d);
    }
    const walk = findAnywhereDenied(real, fs);
    walkTruncated ||= walk.truncated;
    for (const h of walk.hits) toMask.add(h);
    if (writable) {
      // Do not let a server create a hook or an rc file that does not exist yet.
      for (const rel of ANYWHERE_DENY_LIST) {
        if (rel.includes('/') && fs.kind(join(real, rel.split('/')[0]!)) === 'missing') continue;
        toMask.add(join(real, rel));
      }
    }
    for (const hidden of [...toMask].sort()) {
      const k = fs.kind(hidden);
      const kind: Mask['kind'] =
        k === 'missing' ? (DENIED_DIRS.some((d) => hidden.endsWith(`/${d}`)) ? 'dir' : 'file') : k;
      masks.push({ sandbox: join(target, relative(real, hidden)), kind, hides: hidden });
    }
  }
  return { binds, masks, walkTruncated };
}

/** For tests and reports: is `p` (a host path) covered by the deny list? */
export function isDeniedHostPath(p: string, home = homedir()): boolean {
  return HOME_DENY_LIST.some((rel) => isWithin(p, join(home, rel)));
}

/**
 * The package directory (bound at /app): must be an existing directory, and neither a denied path
 * nor inside one. Returns its real path.
 */
export function resolvePackageDir(dir: string, home?: string, fs: MountFs = nodeMountFs): string {
  let real: string;
  try {
    real = fs.realpath(dir);
  } catch {
    throw new SandboxError('SBX_ERR_MOUNT_INVALID', `package directory does not exist: ${dir}`);
  }
  if (fs.kind(real) !== 'dir') throw new SandboxError('SBX_ERR_MOUNT_INVALID', `not a directory: ${dir}`);
  let realHome = home ?? homedir();
  try {
    realHome = fs.realpath(realHome);
  } catch {}
  const denied = HOME_DENY_LIST.map((rel) => join(realHome, rel)).find((d) => isWithin(real, d));
  if (denied) {
    throw new SandboxError('SBX_ERR_MOUNT_DENIED', `package directory ${real} is inside ${denied}`);
  }
  return real;
}
