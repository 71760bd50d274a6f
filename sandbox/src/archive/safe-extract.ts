import { constants, createReadStream, promises as fsp } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { ArchiveError } from './archive-error.js';

export interface ExtractLimits {
  /** Sum of the sizes of all files once extracted. */
  maxTotalBytes: number;
  maxFiles: number;
  /** Path components below the root. */
  maxDepth: number;
  /** Uncompressed ÷ compressed; checked once more than `ratioGraceBytes` have come out. */
  maxCompressionRatio: number;
  ratioGraceBytes: number;
  maxPathLength: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxTotalBytes: 512 * 1024 * 1024,
  maxFiles: 50_000,
  maxDepth: 40,
  maxCompressionRatio: 200,
  ratioGraceBytes: 4 * 1024 * 1024,
  maxPathLength: 1024,
};

export interface ExtractResult {
  dir: string;
  files: number;
  bytes: number;
}

/**
 * Validates one entry path and returns it normalized (POSIX, relative, no `.` parts), or throws.
 * Refuses absolute paths, drive letters, `..` anywhere, NUL and control characters.
 */
export function normalizeEntryPath(
  raw: string,
  limits: Pick<ExtractLimits, 'maxDepth' | 'maxPathLength'>,
): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we refuse
  if (raw.length === 0 || raw.length > limits.maxPathLength || /[\u0000-\u001f\u007f]/.test(raw)) {
    throw new ArchiveError('SBX_ERR_ARCHIVE_PATH', JSON.stringify(raw.slice(0, 200)));
  }
  const p = raw.replace(/\\/g, '/');
  if (p.startsWith('/') || /^[a-zA-Z]:/.test(p) || p.split('/').includes('..')) {
    throw new ArchiveError('SBX_ERR_ARCHIVE_PATH', JSON.stringify(raw));
  }
  const norm = posix.normalize(p).replace(/\/+$/, '');
  if (norm === '.' || norm === '') return '.';
  const depth = norm.split('/').length;
  if (depth > limits.maxDepth)
    throw new ArchiveError('SBX_ERR_ARCHIVE_TOO_DEEP', `${norm} (${depth} levels)`);
  return norm;
}

const inside = (root: string, target: string) => {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

/** Every existing ancestor of `target` below `root` must be a real directory: no write goes through a link. */
async function assertNoLinkInParents(root: string, target: string): Promise<void> {
  const parts = relative(root, dirname(target)).split(sep).filter(Boolean);
  let cur = root;
  for (const part of parts) {
    cur = join(cur, part);
    const st = await fsp.lstat(cur).catch(() => null);
    if (!st) return;
    if (!st.isDirectory()) {
      throw new ArchiveError(
        'SBX_ERR_ARCHIVE_LINK',
        `${relative(root, target)} would be written through ${relative(root, cur)}`,
      );
    }
  }
}

/**
 * Extracts a gzip-compressed tar into a new directory `dest` (which must not exist yet). Hostile
 * until proven otherwise: entries are checked one by one (paths, links, types, counts, sizes, depth,
 * compression ratio), files are created with O_EXCL|O_NOFOLLOW and never through a link, modes lose
 * setuid/setgid/sticky and world-write. Extraction happens in a sibling staging directory that is
 * renamed into place only when every entry passed; on any refusal it is removed, so nothing is left.
 */
export async function safeExtractTarGz(
  input: Readable | string,
  dest: string,
  limits: Partial<ExtractLimits> = {},
): Promise<ExtractResult> {
  const lim = { ...DEFAULT_EXTRACT_LIMITS, ...limits };
  const target = resolve(dest);
  if (await fsp.lstat(target).catch(() => null))
    throw new Error(`extraction target ${target} already exists`);
  await fsp.mkdir(dirname(target), { recursive: true });
  const staging = await fsp.mkdtemp(join(dirname(target), `.${basename(target)}.partial-`));
  const source = typeof input === 'string' ? createReadStream(input) : input;

  let compressed = 0;
  let decompressed = 0;
  let total = 0;
  let files = 0;
  const seen = new Set<string>();
  const work: Promise<void>[] = [];
  let failure: unknown = null;

  const counter = new PassThrough();
  counter.on('data', (c: Buffer) => {
    compressed += c.length;
  });
  const parser = new Parser({ strict: true });
  let onFailure: () => void = () => undefined;
  const failed = new Promise<void>((r) => {
    onFailure = r;
  });
  let current: ReadEntry | null = null;
  const gunzip = createGunzip();
  const fail = (err: unknown) => {
    failure ??= err;
    source.destroy();
    // pipe() does not pass a destroy downstream: end the stream we iterate, or the loop waits forever.
    gunzip.destroy();
    // An entry being written will never see its end now: break its pipe so placement settles.
    current?.destroy?.(err instanceof Error ? err : new Error(String(err)));
    onFailure();
  };

  async function place(entry: ReadEntry): Promise<void> {
    current = entry;
    const rel = normalizeEntryPath(entry.path, lim);
    if (rel === '.') {
      entry.resume();
      return;
    }
    if (seen.has(rel)) throw new ArchiveError('SBX_ERR_ARCHIVE_DUPLICATE', rel);
    seen.add(rel);
    files += 1;
    if (files > lim.maxFiles)
      throw new ArchiveError('SBX_ERR_ARCHIVE_TOO_MANY_FILES', `more than ${lim.maxFiles}`);
    const abs = join(staging, rel);
    await assertNoLinkInParents(staging, abs);
    await fsp.mkdir(dirname(abs), { recursive: true });
    const mode = ((entry.mode ?? 0o644) & 0o775) | 0o600;
    switch (entry.type) {
      case 'Directory':
        await fsp.mkdir(abs, { recursive: true, mode: mode | 0o700 });
        entry.resume();
        return;
      case 'File':
      case 'OldFile':
      case 'ContiguousFile': {
        total += entry.size;
        if (total > lim.maxTotalBytes)
          throw new ArchiveError('SBX_ERR_ARCHIVE_TOO_LARGE', `over ${lim.maxTotalBytes} bytes`);
        const handle = await fsp.open(
          abs,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          mode,
        );
        try {
          await pipeline(entry, handle.createWriteStream());
        } finally {
          await handle.close().catch(() => undefined);
        }
        return;
      }
      case 'SymbolicLink': {
        const link = entry.linkpath ?? '';
        const resolvedTarget = resolve(dirname(abs), link);
        if (!link || isAbsolute(link) || !inside(staging, resolvedTarget)) {
          throw new ArchiveError('SBX_ERR_ARCHIVE_LINK', `${rel} -> ${link}`);
        }
        await fsp.symlink(link, abs);
        entry.resume();
        return;
      }
      case 'Link': {
        // A hard link is materialized as a copy of a regular file already extracted inside the root.
        const from = normalizeEntryPath(entry.linkpath ?? '', lim);
        const src = join(staging, from);
        const st = await fsp.lstat(src).catch(() => null);
        if (!st?.isFile() || !inside(staging, src))
          throw new ArchiveError('SBX_ERR_ARCHIVE_LINK', `${rel} => ${entry.linkpath}`);
        await assertNoLinkInParents(staging, src);
        total += st.size;
        if (total > lim.maxTotalBytes)
          throw new ArchiveError('SBX_ERR_ARCHIVE_TOO_LARGE', `over ${lim.maxTotalBytes} bytes`);
        await fsp.copyFile(src, abs, constants.COPYFILE_EXCL);
        entry.resume();
        return;
      }
      default:
        throw new ArchiveError('SBX_ERR_ARCHIVE_TYPE', `${rel} is a ${entry.type}`);
    }
  }

  // Entries are placed strictly one after another: a later entry may depend on an earlier one.
  let chain: Promise<void> = Promise.resolve();
  parser.on('entry', (entry: ReadEntry) => {
    if (failure) {
      entry.resume();
      return;
    }
    entry.pause();
    // Errors of an entry surface through its placement; without a listener a destroyed entry would crash the process.
    entry.on('error', () => undefined);
    chain = chain
      .then(() => (failure ? void entry.resume() : place(entry)))
      .catch((err) => {
        entry.resume();
        fail(err);
      });
    work.push(chain);
  });
  parser.on('error', (err: Error) => fail(new ArchiveError('SBX_ERR_ARCHIVE_CORRUPT', err.message)));

  const parserEnded = new Promise<void>((r) => parser.once('end', () => r()));
  try {
    const feed = (async () => {
      for await (const chunk of source.pipe(counter).pipe(gunzip) as AsyncIterable<Buffer>) {
        if (failure) break;
        decompressed += chunk.length;
        if (
          decompressed > lim.ratioGraceBytes &&
          decompressed / Math.max(1, compressed) > lim.maxCompressionRatio
        ) {
          throw new ArchiveError('SBX_ERR_ARCHIVE_BOMB', `ratio above ${lim.maxCompressionRatio}:1`);
        }
        // Tar headers and padding add a little; twice the file budget is far beyond any honest archive.
        if (decompressed > lim.maxTotalBytes * 2 + 1024 * 1024) {
          throw new ArchiveError('SBX_ERR_ARCHIVE_TOO_LARGE', `tar stream over ${lim.maxTotalBytes} bytes`);
        }
        if (!parser.write(chunk)) await Promise.race([new Promise((r) => parser.once('drain', r)), failed]);
      }
      parser.end();
    })();
    await feed.catch((err: unknown) => {
      fail(
        err instanceof ArchiveError
          ? err
          : new ArchiveError('SBX_ERR_ARCHIVE_CORRUPT', (err as Error).message),
      );
    });
    if (!failure) await Promise.race([parserEnded, failed]);
    await Promise.allSettled(work);
    if (failure) throw failure;
    await fsp.rename(staging, target);
    return { dir: target, files, bytes: total };
  } catch (err) {
    await fsp.rm(staging, { recursive: true, force: true });
    throw err;
  }
}
