import type { ObjectStore } from '@mcphub/registry';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { RetryingObjectStore } from './retrying-object-store.js';

const flaky = (failures: number, error: () => Error) => {
  const calls = { head: 0 };
  const store = {
    head: async () => {
      calls.head += 1;
      if (calls.head <= failures) throw error();
      return { size: 1 };
    },
  } as unknown as ObjectStore;
  return { store, calls };
};
const policy = { attempts: 4, minDelayMs: 1, maxDelayMs: 5 };
const logger = createLogger('silent');

describe('RetryingObjectStore', () => {
  it('rides out a store that refuses connections for a while', async () => {
    const { store, calls } = flaky(3, () =>
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );
    expect(await new RetryingObjectStore(store, logger, policy).head('b', 'k')).toEqual({ size: 1 });
    expect(calls.head).toBe(4);
  });

  it('gives up after the bounded number of attempts', async () => {
    const { store, calls } = flaky(10, () => new Error('socket hang up'));
    await expect(new RetryingObjectStore(store, logger, policy).head('b', 'k')).rejects.toThrow(
      'socket hang up',
    );
    expect(calls.head).toBe(4);
  });

  it('does not retry an answer that cannot change (not found)', async () => {
    const { store, calls } = flaky(10, () =>
      Object.assign(new Error('missing'), { code: 'REG_ERR_OBJECT_NOT_FOUND' }),
    );
    await expect(new RetryingObjectStore(store, logger, policy).head('b', 'k')).rejects.toThrow('missing');
    expect(calls.head).toBe(1);
  });
});
