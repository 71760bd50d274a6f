import type { Readable } from 'node:stream';
import type { ObjectInfo, ObjectStore, ObjectStoreOptions } from '@mcphub/registry';
import type { Logger } from '../logger.js';
import { outboxDelayMs } from '../sync/outbox.js';

export interface StoreRetryPolicy {
  /** Tries per call, the first included. */
  attempts: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_STORE_RETRY: StoreRetryPolicy = { attempts: 8, minDelayMs: 200, maxDelayMs: 5_000 };

/** Answers that another try cannot change: a missing object, a refused name, an abort, a denial. */
const PERMANENT =
  /^(REG_ERR_OBJECT_NOT_FOUND|REG_ERR_INVALID_BUCKET|REG_ERR_INVALID_OBJECT_KEY|REG_ERR_ABORTED|NoSuchKey|NoSuchBucket|NotFound|AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidBucketName)$/;

export function isTransientStoreError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return !(typeof code === 'string' && PERMANENT.test(code));
}

/**
 * An ObjectStore that retries what failed for a reason that may pass (connection refused or cut,
 * timeouts, 5xx) with jittered, bounded exponential backoff, so a store that is down for a while
 * delays the pipeline instead of failing its jobs. Stream bodies cannot be replayed, so a `put` of
 * a stream is tried once; a `get` retries opening the stream, not a read that breaks mid-way.
 */
export class RetryingObjectStore implements ObjectStore {
  constructor(
    private readonly inner: ObjectStore,
    private readonly logger: Logger,
    private readonly policy: StoreRetryPolicy = DEFAULT_STORE_RETRY,
  ) {}

  private async retry<T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= this.policy.attempts || !isTransientStoreError(err) || signal?.aborted) throw err;
        const delay = outboxDelayMs(attempt, this.policy.minDelayMs, this.policy.maxDelayMs);
        this.logger.warn(
          { what, attempt, retryInMs: delay, err: (err as Error).message },
          'object store unreachable; retrying',
        );
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  ensureBucket(bucket: string): Promise<void> {
    return this.retry(`ensureBucket ${bucket}`, () => this.inner.ensureBucket(bucket));
  }

  put(bucket: string, key: string, body: Readable | Buffer, opts?: ObjectStoreOptions) {
    if (!Buffer.isBuffer(body)) return this.inner.put(bucket, key, body, opts);
    return this.retry(`put ${bucket}/${key}`, () => this.inner.put(bucket, key, body, opts), opts?.signal);
  }

  get(bucket: string, key: string, opts?: ObjectStoreOptions): Promise<Readable> {
    return this.retry(`get ${bucket}/${key}`, () => this.inner.get(bucket, key, opts), opts?.signal);
  }

  head(bucket: string, key: string) {
    return this.retry(`head ${bucket}/${key}`, () => this.inner.head(bucket, key));
  }

  delete(bucket: string, key: string): Promise<void> {
    return this.retry(`delete ${bucket}/${key}`, () => this.inner.delete(bucket, key));
  }

  list(bucket: string, prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(bucket, prefix);
  }

  move(bucket: string, fromKey: string, toKey: string): Promise<void> {
    return this.retry(`move ${bucket}/${fromKey}`, () => this.inner.move(bucket, fromKey, toKey));
  }
}
