import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { create } from 'tar';

export interface PackedSource {
  bytes: Buffer;
  digest: string;
  files: number;
}

/** Paths never packed: VCS metadata. (Dependencies stay: a bundle must run as submitted.) */
const SKIP_DIRS = new Set(['.git', '.hg', '.svn']);

async function listEntries(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = await fsp.readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      if (e.isDirectory() && SKIP_DIRS.has(e.name)) continue;
      const abs = join(dir, e.name);
      if (e.isDirectory()) await walk(abs);
      else if (e.isFile() || e.isSymbolicLink()) out.push(relative(root, abs).split(sep).join('/'));
    }
  }
  await walk(root);
  // Code-point order, not locale order: the same tree gives the same bytes on every machine.
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Packs a directory into a deterministic tar.gz: sorted entries, mtime 0, no owners, modes reduced
 * to 0644/0755, a fixed gzip header. The same tree always yields the same SHA-256, which identifies
 * the source everywhere after ingest.
 */
export async function packDirectory(root: string): Promise<PackedSource> {
  const files = await listEntries(root);
  const chunks: Buffer[] = [];
  const stream = create(
    {
      gzip: { level: 9 },
      cwd: root,
      portable: true,
      mtime: new Date(0),
      noDirRecurse: true,
      // Mutating the stat before the header is written is how node-tar lets us normalize modes.
      filter: (_path: string, stat: Stats | { mode?: number }) => {
        const mode = stat.mode ?? 0o644;
        stat.mode = (mode & ~0o7777) | ((mode & 0o111) !== 0 ? 0o755 : 0o644);
        return true;
      },
    },
    files,
  );
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  // Byte 9 of a gzip header names the OS that wrote it; pin it so the digest is the same everywhere.
  if (bytes.length > 10) bytes[9] = 0xff;
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, files: files.length };
}
