import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RegistryError } from '../errors.js';
import {
  abortError,
  assertBucketName,
  assertKeyPrefix,
  assertObjectKey,
  type ObjectInfo,
  type ObjectStore,
  type ObjectStoreOptions,
} from './object-store.js';

export interface FsObjectStoreOptions {
  /** Directory holding one sub-directory per bucket, plus `.tmp/` for in-flight writes. */
  root: string;
}

const TEMP_DIR = '.tmp';

/**
 * Objects as files under `root/<bucket>/<key>`. A put streams into `root/.tmp/<uuid>`, fsyncs it and
 * renames it into place, so a reader never sees a partial object and a failed put leaves nothing.
 */
export class FsObjectStore implements ObjectStore {
  private readonly root: string;

  constructor(options: FsObjectStoreOptions) {
    this.root = path.resolve(options.root);
  }

  async ensureBucket(bucket: string): Promise<void> {
    await mkdir(this.bucketDir(bucket), { recursive: true });
  }

  async put(
    bucket: string,
    key: string,
    body: Readable | Buffer,
    opts: ObjectStoreOptions = {},
  ): Promise<{ size: number }> {
    const target = this.objectPath(bucket, key);
    if (opts.signal?.aborted) throw abortError(opts.signal);
    const tempDir = path.join(this.root, TEMP_DIR);
    await mkdir(tempDir, { recursive: true });
    const tempPath = path.join(tempDir, randomUUID());
    try {
      await this.writeDurably(tempPath, body, opts.signal);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(tempPath, target);
      await syncDirectory(path.dirname(target));
      const { size } = await stat(target);
      return { size };
    } catch (error) {
      await rm(tempPath, { force: true });
      if (opts.signal?.aborted) throw abortError(opts.signal);
      throw error;
    }
  }

  async get(bucket: string, key: string, opts: ObjectStoreOptions = {}): Promise<Readable> {
    const file = this.objectPath(bucket, key);
    if (opts.signal?.aborted) throw abortError(opts.signal);
    // Open first so a missing object is a rejected promise, not a later stream error.
    const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
      throw this.mapNotFound(error, bucket, key);
    });
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw new RegistryError('REG_ERR_OBJECT_NOT_FOUND', `No object ${bucket}/${key}`);
    }
    return createReadStream('', { fd: handle, signal: opts.signal });
  }

  async head(bucket: string, key: string): Promise<{ size: number } | null> {
    try {
      const info = await stat(this.objectPath(bucket, key));
      return info.isFile() ? { size: info.size } : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(bucket: string, key: string): Promise<void> {
    const file = this.objectPath(bucket, key);
    const info = await stat(file).catch(() => null);
    if (info?.isFile()) await rm(file, { force: true });
  }

  async *list(bucket: string, prefix: string): AsyncIterable<ObjectInfo> {
    assertKeyPrefix(prefix);
    const bucketDir = this.bucketDir(bucket);
    // Start the walk at the deepest directory the prefix names, then filter by the full prefix.
    const slash = prefix.lastIndexOf('/');
    const startKey = slash === -1 ? '' : prefix.slice(0, slash);
    const keys: ObjectInfo[] = [];
    for await (const info of walkFiles(bucketDir, startKey)) {
      if (info.key.startsWith(prefix)) keys.push(info);
    }
    keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* keys;
  }

  async move(bucket: string, fromKey: string, toKey: string): Promise<void> {
    const from = this.objectPath(bucket, fromKey);
    const to = this.objectPath(bucket, toKey);
    const info = await stat(from).catch((error: NodeJS.ErrnoException) => {
      throw this.mapNotFound(error, bucket, fromKey);
    });
    if (!info.isFile()) throw new RegistryError('REG_ERR_OBJECT_NOT_FOUND', `No object ${bucket}/${fromKey}`);
    await mkdir(path.dirname(to), { recursive: true });
    await rename(from, to);
    await syncDirectory(path.dirname(to));
  }

  /** Deletes in-flight files older than `olderThanMs` left by a process that died mid-put. */
  async sweepTemporaryFiles(olderThanMs = 24 * 3600 * 1000, now = new Date()): Promise<number> {
    const tempDir = path.join(this.root, TEMP_DIR);
    const entries = await readdir(tempDir).catch(() => [] as string[]);
    let removed = 0;
    for (const entry of entries) {
      const file = path.join(tempDir, entry);
      const info = await stat(file).catch(() => null);
      if (info?.isFile() && now.getTime() - info.mtimeMs > olderThanMs) {
        await rm(file, { force: true });
        removed += 1;
      }
    }
    return removed;
  }

  private bucketDir(bucket: string): string {
    return path.join(this.root, assertBucketName(bucket));
  }

  private objectPath(bucket: string, key: string): string {
    const bucketDir = this.bucketDir(bucket);
    const file = path.resolve(bucketDir, assertObjectKey(key));
    // Defence in depth: assertObjectKey already refuses anything that could escape.
    if (!file.startsWith(bucketDir + path.sep)) {
      throw new RegistryError('REG_ERR_INVALID_OBJECT_KEY', `Key escapes its bucket: ${JSON.stringify(key)}`);
    }
    return file;
  }

  private async writeDurably(file: string, body: Readable | Buffer, signal?: AbortSignal): Promise<void> {
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    const out = createWriteStream(file, { flags: 'wx' });
    await pipeline(source, out, signal ? { signal } : {});
    const handle = await open(file, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private mapNotFound(error: NodeJS.ErrnoException, bucket: string, key: string): Error {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') {
      return new RegistryError('REG_ERR_OBJECT_NOT_FOUND', `No object ${bucket}/${key}`);
    }
    return error;
  }
}

/** Makes a rename durable; some platforms cannot open or sync a directory, which is harmless. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}

async function* walkFiles(bucketDir: string, relativeDir: string): AsyncGenerator<ObjectInfo> {
  const dir = relativeDir === '' ? bucketDir : path.join(bucketDir, relativeDir);
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
    throw error;
  });
  for (const entry of entries) {
    const key = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
    if (entry.isDirectory()) {
      yield* walkFiles(bucketDir, key);
    } else if (entry.isFile()) {
      const { size } = await stat(path.join(bucketDir, key));
      yield { key, size };
    }
  }
}
