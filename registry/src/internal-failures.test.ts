import { afterEach, describe, expect, it } from 'vitest';
import type { ObjectStore } from './object-store/object-store.js';
import {
  createRegistryFixture,
  makeBundle,
  makeManifest,
  observableState,
  publish,
  publishParts,
  type RegistryFixture,
} from './registry.fixture.js';

function diskFull(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
}

/** A store that fails its `n`-th call of `method` (1-based), and behaves normally otherwise. */
function failingOn(method: 'put' | 'move', n: number): (store: ObjectStore) => ObjectStore {
  return (store) => {
    let calls = 0;
    const fail = () => {
      calls += 1;
      return calls === n;
    };
    return {
      ensureBucket: (bucket) => store.ensureBucket(bucket),
      put: async (bucket, key, body, opts) => {
        if (method === 'put' && fail()) throw diskFull();
        return store.put(bucket, key, body, opts);
      },
      get: (bucket, key, opts) => store.get(bucket, key, opts),
      head: (bucket, key) => store.head(bucket, key),
      delete: (bucket, key) => store.delete(bucket, key),
      list: (bucket, prefix) => store.list(bucket, prefix),
      move: async (bucket, from, to) => {
        if (method === 'move' && fail()) throw diskFull();
        return store.move(bucket, from, to);
      },
    };
  };
}

describe('internal failures during a publish', () => {
  let fx: RegistryFixture;
  afterEach(async () => {
    await fx?.close();
  });

  const cases: [string, (store: ObjectStore) => ObjectStore][] = [
    ['the store fails while receiving the bundle (disk full)', failingOn('put', 1)],
    ['the store fails while storing the manifest blob', failingOn('put', 2)],
    ['the store fails moving the second blob into place', failingOn('move', 2)],
  ];
  for (const [title, wrapStore] of cases) {
    it(`${title}: answers REG_ERR_INTERNAL, not a client error, and leaves nothing behind`, async () => {
      fx = await createRegistryFixture({ wrapStore });
      const before = await observableState(fx, ['acme/files']);
      const bundle = makeBundle('doomed');
      const response = await publish(fx, publishParts(makeManifest('acme/files', '1.0.0', bundle), bundle));
      expect(response.body).toEqual({
        code: 'REG_ERR_INTERNAL',
        message: 'Internal registry error',
        statusCode: 500,
      });
      expect(await observableState(fx, ['acme/files'])).toEqual(before);
    });
  }
});
