import type { ObjectStore } from '../object-store/object-store.js';

export const TEMP_PREFIX = 'tmp/';

/** A temporary key carries its creation time, so a sweep can tell abandoned uploads from live ones. */
export function temporaryKey(now: Date, id: string): string {
  return `${TEMP_PREFIX}${now.getTime()}-${id}`;
}

function createdAt(key: string): number | undefined {
  const match = /^tmp\/(\d{13})-/.exec(key);
  return match ? Number(match[1]) : undefined;
}

export interface SweepOptions {
  store: ObjectStore;
  bucket?: string;
  /** Temporary keys older than this are abandoned (default 24 hours: far beyond any upload). */
  olderThanMs?: number;
  now?: Date;
}

/**
 * Deletes temporary upload keys left behind by a process that died mid-publish. Live uploads are
 * younger than `olderThanMs`, so this is safe to run while other registry processes publish.
 */
export async function sweepStaleUploads(options: SweepOptions): Promise<string[]> {
  const bucket = options.bucket ?? 'artifacts';
  const cutoff = (options.now ?? new Date()).getTime() - (options.olderThanMs ?? 24 * 3600 * 1000);
  const stale: string[] = [];
  for await (const { key } of options.store.list(bucket, TEMP_PREFIX)) {
    const created = createdAt(key);
    if (created === undefined || created < cutoff) stale.push(key);
  }
  for (const key of stale) await options.store.delete(bucket, key);
  return stale;
}
