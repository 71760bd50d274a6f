import type { Readable } from 'node:stream';
import { RegistryError } from '../errors.js';

export interface ObjectStoreOptions {
  signal?: AbortSignal;
}

export interface ObjectInfo {
  key: string;
  size: number;
}

/**
 * A bucket + key blob store (the `ObjectStore` port of DESIGN.md §3). Every adapter passes the
 * shared suite in `object-store.contract.ts`.
 *
 * - `put` replaces any object at the key; the object appears whole or not at all (an aborted or
 *   failed put leaves nothing behind).
 * - `get` rejects with `REG_ERR_OBJECT_NOT_FOUND` for a missing key.
 * - `move` is atomic where the backend allows (rename on a filesystem, copy + delete on S3).
 */
export interface ObjectStore {
  ensureBucket(bucket: string): Promise<void>;
  put(
    bucket: string,
    key: string,
    body: Readable | Buffer,
    opts?: ObjectStoreOptions,
  ): Promise<{ size: number }>;
  get(bucket: string, key: string, opts?: ObjectStoreOptions): Promise<Readable>;
  head(bucket: string, key: string): Promise<{ size: number } | null>;
  delete(bucket: string, key: string): Promise<void>;
  list(bucket: string, prefix: string): AsyncIterable<ObjectInfo>;
  move(bucket: string, fromKey: string, toKey: string): Promise<void>;
}

const BUCKET_PATTERN = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const MAX_KEY_BYTES = 1024;
// Control characters (C0, DEL, C1) and the backslash, which some filesystems treat as a separator.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const FORBIDDEN_KEY_CHARS = /[\u0000-\u001f\u007f-\u009f\\]/;

export function assertBucketName(bucket: string): string {
  if (typeof bucket !== 'string' || !BUCKET_PATTERN.test(bucket)) {
    throw new RegistryError('REG_ERR_INVALID_BUCKET', `Invalid bucket name: ${JSON.stringify(bucket)}`);
  }
  return bucket;
}

/**
 * A key is a `/`-separated relative path: no leading or trailing `/`, no empty, `.` or `..`
 * segment, no control characters. This is what keeps a key from ever escaping a filesystem root.
 */
export function assertObjectKey(key: string): string {
  const invalid = (why: string) =>
    new RegistryError('REG_ERR_INVALID_OBJECT_KEY', `Invalid object key (${why}): ${JSON.stringify(key)}`);
  if (typeof key !== 'string' || key.length === 0) throw invalid('empty');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw invalid('too long');
  if (FORBIDDEN_KEY_CHARS.test(key)) throw invalid('control character or backslash');
  if (key.startsWith('/') || key.endsWith('/')) throw invalid('leading or trailing slash');
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') throw invalid('empty, . or .. segment');
  }
  return key;
}

/** A prefix for `list` is a key prefix: same rules, but it may be empty or end with `/`. */
export function assertKeyPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  assertObjectKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}

export function abortError(signal: AbortSignal | undefined): RegistryError {
  return new RegistryError('REG_ERR_ABORTED', undefined, { cause: signal?.reason });
}
