import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

/** What the cache keeps beside each unpacked bundle. */
export interface CacheMeta {
  name: string;
  version: string;
  /** Bundle digest: the cache key. */
  digest: string;
  manifestDigest: string;
  registry: string;
  level: number | null;
  attested: boolean;
  pulledAt: string;
  bytes: number;
}

export interface CacheEntry extends CacheMeta {
  dir: string;
  packageDir: string;
}

const hexOf = (digest: string) => digest.replace(/^sha256:/, '');

/**
 * The package cache under `MCPHUB_HOME/cache`: one folder per bundle digest holding the bundle,
 * the unpacked package (`pkg/`), the manifest, the attestation and `meta.json`. Entries appear by an
 * atomic rename of a fully written staging folder, so a crash never leaves a half entry in place.
 */
export class PackageCache {
  constructor(readonly root: string) {}

  entryDir(digest: string): string {
    return join(this.root, 'sha256', hexOf(digest));
  }

  async get(digest: string): Promise<CacheEntry | null> {
    const dir = this.entryDir(digest);
    try {
      const meta = JSON.parse(await fsp.readFile(join(dir, 'meta.json'), 'utf8')) as CacheMeta;
      if (meta.digest !== digest) return null;
      return { ...meta, dir, packageDir: join(dir, 'pkg') };
    } catch {
      return null;
    }
  }

  async staging(): Promise<string> {
    await fsp.mkdir(join(this.root, 'staging'), { recursive: true, mode: 0o700 });
    return fsp.mkdtemp(join(this.root, 'staging', 'pull-'));
  }

  /** Moves a complete staging folder into place; if another pull won the race, keeps theirs. */
  async commit(staging: string, meta: CacheMeta): Promise<CacheEntry> {
    await fsp.writeFile(join(staging, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
    const dir = this.entryDir(meta.digest);
    await fsp.mkdir(join(this.root, 'sha256'), { recursive: true, mode: 0o700 });
    try {
      await fsp.rename(staging, dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      await fsp.rm(staging, { recursive: true, force: true });
    }
    return (await this.get(meta.digest))!;
  }

  async list(): Promise<CacheEntry[]> {
    let names: string[] = [];
    try {
      names = await fsp.readdir(join(this.root, 'sha256'));
    } catch {
      return [];
    }
    const entries = await Promise.all(names.map((hex) => this.get(`sha256:${hex}`)));
    return entries
      .filter((e): e is CacheEntry => e !== null)
      .sort((a, b) => a.name.localeCompare(b.name) || a.pulledAt.localeCompare(b.pulledAt));
  }

  /** Removes entries by digest, or every entry of a package name. Returns what was removed. */
  async remove(target: string): Promise<CacheEntry[]> {
    const victims = (await this.list()).filter(
      (e) => e.digest === target || e.name === target || `${e.name}@${e.version}` === target,
    );
    for (const v of victims) await fsp.rm(v.dir, { recursive: true, force: true });
    return victims;
  }

  /** Drops unfinished staging folders and all but the newest pulled version of each package. */
  async prune(): Promise<CacheEntry[]> {
    await fsp.rm(join(this.root, 'staging'), { recursive: true, force: true });
    const byName = new Map<string, CacheEntry[]>();
    for (const e of await this.list()) byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
    const removed: CacheEntry[] = [];
    for (const entries of byName.values()) {
      const sorted = entries.sort((a, b) => b.pulledAt.localeCompare(a.pulledAt));
      for (const old of sorted.slice(1)) {
        await fsp.rm(old.dir, { recursive: true, force: true });
        removed.push(old);
      }
    }
    return removed;
  }
}
