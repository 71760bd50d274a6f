import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../errors.js';
import type { ObjectStore } from './object-store.js';

export interface ObjectStoreFixture {
  store: ObjectStore;
  close?: () => Promise<void>;
}

const BUCKET = 'contract';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function listKeys(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list(BUCKET, prefix)) keys.push(info.key);
  // Listing order is not part of the contract (S3 and s3rver disagree on it).
  return keys.sort();
}

function chunkedStream(totalBytes: number, chunkBytes: number): { stream: Readable; sha256: string } {
  const data = randomBytes(totalBytes);
  const sha256 = createHash('sha256').update(data).digest('hex');
  async function* chunks() {
    for (let offset = 0; offset < data.length; offset += chunkBytes) {
      yield data.subarray(offset, offset + chunkBytes);
    }
  }
  return { stream: Readable.from(chunks()), sha256 };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRegistryError(error), `expected a RegistryError ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

/** The one suite every ObjectStore adapter must pass (DESIGN.md §3). */
export function describeObjectStoreContract(name: string, factory: () => Promise<ObjectStoreFixture>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let fixture: ObjectStoreFixture;
    let store: ObjectStore;

    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
      await store.ensureBucket(BUCKET);
    });

    afterAll(async () => {
      await fixture?.close?.();
    });

    it('ensureBucket is idempotent', async () => {
      await store.ensureBucket(BUCKET);
      await store.ensureBucket(BUCKET);
    });

    it('round-trips a buffer, with head reporting the size', async () => {
      const body = Buffer.from('hello, object store');
      expect(await store.put(BUCKET, 'round/trip.txt', body)).toEqual({ size: body.length });
      expect(await store.head(BUCKET, 'round/trip.txt')).toEqual({ size: body.length });
      expect(await readAll(await store.get(BUCKET, 'round/trip.txt'))).toEqual(body);
    });

    it('round-trips an empty object', async () => {
      expect(await store.put(BUCKET, 'empty', Buffer.alloc(0))).toEqual({ size: 0 });
      expect((await readAll(await store.get(BUCKET, 'empty'))).length).toBe(0);
    });

    it('streams a 20 MiB body in and out unchanged', async () => {
      const { stream, sha256 } = chunkedStream(20 * 1024 * 1024, 64 * 1024);
      expect(await store.put(BUCKET, 'large/blob', stream)).toEqual({ size: 20 * 1024 * 1024 });
      const hash = createHash('sha256');
      for await (const chunk of await store.get(BUCKET, 'large/blob')) hash.update(chunk as Uint8Array);
      expect(hash.digest('hex')).toBe(sha256);
      await store.delete(BUCKET, 'large/blob');
    });

    it('reports a missing object: get rejects with REG_ERR_OBJECT_NOT_FOUND, head is null', async () => {
      await expectCode(store.get(BUCKET, 'no/such/key'), 'REG_ERR_OBJECT_NOT_FOUND');
      expect(await store.head(BUCKET, 'no/such/key')).toBeNull();
    });

    it('delete removes an object and is a no-op for a missing one', async () => {
      await store.put(BUCKET, 'doomed', Buffer.from('x'));
      await store.delete(BUCKET, 'doomed');
      expect(await store.head(BUCKET, 'doomed')).toBeNull();
      await store.delete(BUCKET, 'doomed');
    });

    it('overwrites an existing key with the new content', async () => {
      await store.put(BUCKET, 'over/write', Buffer.from('first version'));
      await store.put(BUCKET, 'over/write', Buffer.from('second'));
      expect((await readAll(await store.get(BUCKET, 'over/write'))).toString()).toBe('second');
      expect(await store.head(BUCKET, 'over/write')).toEqual({ size: 6 });
    });

    it('lists by prefix, with sizes, and nothing outside the prefix', async () => {
      await store.put(BUCKET, 'listing/a/1', Buffer.from('1'));
      await store.put(BUCKET, 'listing/a/2', Buffer.from('22'));
      await store.put(BUCKET, 'listing/b/1', Buffer.from('333'));
      await store.put(BUCKET, 'listing-other', Buffer.from('4444'));
      const all: { key: string; size: number }[] = [];
      for await (const info of store.list(BUCKET, 'listing/')) all.push(info);
      all.sort((a, b) => a.key.localeCompare(b.key));
      expect(all).toEqual([
        { key: 'listing/a/1', size: 1 },
        { key: 'listing/a/2', size: 2 },
        { key: 'listing/b/1', size: 3 },
      ]);
      expect(await listKeys(store, 'listing/a/')).toEqual(['listing/a/1', 'listing/a/2']);
      expect(await listKeys(store, 'listing')).toEqual([
        'listing-other',
        'listing/a/1',
        'listing/a/2',
        'listing/b/1',
      ]);
      expect(await listKeys(store, 'listing/zzz')).toEqual([]);
    });

    it('moves an object: the source disappears, the target has the bytes', async () => {
      await store.put(BUCKET, 'move/from', Buffer.from('moving'));
      await store.move(BUCKET, 'move/from', 'move/deep/to');
      expect(await store.head(BUCKET, 'move/from')).toBeNull();
      expect((await readAll(await store.get(BUCKET, 'move/deep/to'))).toString()).toBe('moving');
    });

    it('move onto an existing key replaces it', async () => {
      await store.put(BUCKET, 'move2/from', Buffer.from('new'));
      await store.put(BUCKET, 'move2/to', Buffer.from('old content'));
      await store.move(BUCKET, 'move2/from', 'move2/to');
      expect((await readAll(await store.get(BUCKET, 'move2/to'))).toString()).toBe('new');
    });

    it('move of a missing object rejects with REG_ERR_OBJECT_NOT_FOUND', async () => {
      await expectCode(store.move(BUCKET, 'move/missing', 'move/elsewhere'), 'REG_ERR_OBJECT_NOT_FOUND');
    });

    it('an abort mid-put leaves no object behind', async () => {
      const controller = new AbortController();
      let sent = 0;
      const body = new Readable({
        read() {
          sent += 1;
          if (sent === 4) controller.abort(new Error('client went away'));
          if (sent > 1000) return this.push(null);
          setTimeout(() => this.push(randomBytes(16 * 1024)), 2);
        },
      });
      await expectCode(
        store.put(BUCKET, 'aborted/object', body, { signal: controller.signal }),
        'REG_ERR_ABORTED',
      );
      expect(await store.head(BUCKET, 'aborted/object')).toBeNull();
      expect(await listKeys(store, 'aborted/')).toEqual([]);
    });

    it('an abort during get fails the stream', async () => {
      await store.put(BUCKET, 'get/abort', randomBytes(4 * 1024 * 1024));
      const controller = new AbortController();
      const stream = await store.get(BUCKET, 'get/abort', { signal: controller.signal });
      const reading = (async () => {
        for await (const _ of stream) controller.abort();
      })();
      await expect(reading).rejects.toThrow();
    });

    it('a put whose source stream fails leaves no object behind', async () => {
      let sent = 0;
      const body = new Readable({
        read() {
          sent += 1;
          if (sent === 3) return this.destroy(new Error('source broke'));
          this.push(randomBytes(16 * 1024));
        },
      });
      await expect(store.put(BUCKET, 'broken/object', body)).rejects.toThrow();
      expect(await store.head(BUCKET, 'broken/object')).toBeNull();
    });

    it('a put with an already-aborted signal writes nothing', async () => {
      const controller = new AbortController();
      controller.abort();
      await expectCode(
        store.put(BUCKET, 'pre-aborted', Buffer.from('x'), { signal: controller.signal }),
        'REG_ERR_ABORTED',
      );
      expect(await store.head(BUCKET, 'pre-aborted')).toBeNull();
    });

    const invalidKeys = [
      '',
      '../escape',
      'a/../../escape',
      'a/..',
      '..',
      '.',
      './a',
      '/absolute',
      'trailing/',
      'double//slash',
      'nul\u0000byte',
      'new\nline',
      'esc\u001b',
      'back\\slash',
      'x'.repeat(2000),
    ];
    for (const key of invalidKeys) {
      it(`refuses the invalid key ${JSON.stringify(key.slice(0, 40))} (path traversal / injection)`, async () => {
        await expectCode(store.put(BUCKET, key, Buffer.from('x')), 'REG_ERR_INVALID_OBJECT_KEY');
        await expectCode(store.get(BUCKET, key), 'REG_ERR_INVALID_OBJECT_KEY');
        await expectCode(store.head(BUCKET, key), 'REG_ERR_INVALID_OBJECT_KEY');
        await expectCode(store.delete(BUCKET, key), 'REG_ERR_INVALID_OBJECT_KEY');
        await expectCode(store.move(BUCKET, 'round/trip.txt', key), 'REG_ERR_INVALID_OBJECT_KEY');
      });
    }

    it('refuses an invalid bucket name', async () => {
      await expectCode(store.put('../etc', 'key', Buffer.from('x')), 'REG_ERR_INVALID_BUCKET');
      await expectCode(store.ensureBucket('UPPER'), 'REG_ERR_INVALID_BUCKET');
    });

    it('refuses a listing prefix that climbs out', async () => {
      const iterate = async () => {
        for await (const _ of store.list(BUCKET, '../')) {
          // never reached
        }
      };
      await expectCode(iterate(), 'REG_ERR_INVALID_OBJECT_KEY');
    });
  });
}
