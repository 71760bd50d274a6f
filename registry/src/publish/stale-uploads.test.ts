import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from '../object-store/fs-object-store.js';
import { sweepStaleUploads, temporaryKey } from './stale-uploads.js';

describe('sweepStaleUploads', () => {
  it('deletes abandoned temporary keys, keeps live uploads and stored blobs', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'registry-sweep-'));
    const store = new FsObjectStore({ root });
    await store.ensureBucket('artifacts');
    const now = new Date('2026-06-01T12:00:00Z');
    const abandoned = temporaryKey(new Date(now.getTime() - 48 * 3600 * 1000), 'old');
    const live = temporaryKey(new Date(now.getTime() - 60 * 1000), 'live');
    for (const key of [abandoned, live, 'tmp/unparseable', `sha256/${'a'.repeat(64)}`]) {
      await store.put('artifacts', key, Buffer.from('x'));
    }
    const swept = await sweepStaleUploads({ store, now });
    expect(swept.sort()).toEqual([abandoned, 'tmp/unparseable'].sort());
    const left: string[] = [];
    for await (const { key } of store.list('artifacts', '')) left.push(key);
    expect(left.sort()).toEqual([`sha256/${'a'.repeat(64)}`, live].sort());
    await rm(root, { recursive: true, force: true });
  });
});
