import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What one revocation says; announced on the broker and kept in the list. */
export interface Revocation {
  schemaVersion: 1;
  name: string;
  version: string;
  /** Manifest digest. */
  digest: string;
  bundleDigest: string;
  reason: string;
  revokedAt: string;
  /** The registry (or hub) that revoked it. */
  origin: string;
}

interface ListFile {
  schemaVersion: 1;
  revocations: Revocation[];
}

/**
 * The revocation list of one MCPHUB_HOME (`revocations.json`): digests revoked by this hub's
 * registry or announced by a connected hub. `mcphub pull` and `mcphub run` read it and refuse a
 * listed digest even when the bytes are already in the cache or the registry they use still
 * serves them (a mirror that has not heard yet). Writes are atomic (temp file + rename).
 */
export class RevocationList {
  readonly file: string;

  constructor(home: string) {
    this.file = join(home, 'revocations.json');
  }

  all(): Revocation[] {
    if (!existsSync(this.file)) return [];
    try {
      return (JSON.parse(readFileSync(this.file, 'utf8')) as ListFile).revocations ?? [];
    } catch {
      // A list we cannot read must not silently allow everything: fail closed.
      throw new Error(`The revocation list ${this.file} is unreadable; fix or remove it`);
    }
  }

  /** The revocation of any of these digests (manifest or bundle), or null. */
  find(digests: readonly string[]): Revocation | null {
    const wanted = new Set(digests);
    return this.all().find((r) => wanted.has(r.digest) || wanted.has(r.bundleDigest)) ?? null;
  }

  /** Adds revocations not listed yet; returns how many were new. */
  add(entries: readonly Revocation[]): number {
    const list = this.all();
    const known = new Set(list.map((r) => r.digest));
    const fresh = entries.filter((e) => !known.has(e.digest));
    if (fresh.length === 0) return 0;
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(
      tmp,
      `${JSON.stringify({ schemaVersion: 1, revocations: [...list, ...fresh] } satisfies ListFile, null, 2)}\n`,
      { mode: 0o644 },
    );
    renameSync(tmp, this.file);
    return fresh.length;
  }
}

/** This home's stable node id (`MCPHUB_HOME/node-id`), created on first use. */
export function nodeIdOf(home: string): string {
  const file = join(home, 'node-id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const id = randomUUID();
  writeFileSync(file, `${id}\n`, { mode: 0o644 });
  return id;
}
