import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, CopyConditions } from 'minio';
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

export interface S3ObjectStoreOptions {
  endPoint: string;
  port?: number;
  useSSL?: boolean;
  accessKey: string;
  secretKey: string;
  region?: string;
  /** Prepended to every logical bucket name, so several deployments can share one S3 account. */
  bucketPrefix?: string;
}

const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);

/**
 * Objects in S3 (MinIO, or any S3-compatible service) through the minio client. A single PUT (or a
 * multipart upload that is only completed at the end) makes a put all-or-nothing; `move` is copy +
 * delete because S3 has no rename.
 */
export class S3ObjectStore implements ObjectStore {
  private readonly client: Client;
  private readonly region: string;
  private readonly bucketPrefix: string;

  constructor(options: S3ObjectStoreOptions) {
    this.region = options.region ?? 'us-east-1';
    this.bucketPrefix = options.bucketPrefix ?? '';
    this.client = new Client({
      endPoint: options.endPoint,
      port: options.port,
      useSSL: options.useSSL ?? false,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: this.region,
    });
  }

  async ensureBucket(bucket: string): Promise<void> {
    const physical = this.physicalBucket(bucket);
    if (await this.client.bucketExists(physical)) return;
    try {
      await this.client.makeBucket(physical, this.region);
    } catch (error) {
      // Another process may have created it between the check and the create.
      if (!(await this.client.bucketExists(physical))) throw error;
    }
  }

  async put(
    bucket: string,
    key: string,
    body: Readable | Buffer,
    opts: ObjectStoreOptions = {},
  ): Promise<{ size: number }> {
    const physical = this.physicalBucket(bucket);
    assertObjectKey(key);
    const { signal } = opts;
    if (signal?.aborted) throw abortError(signal);
    if (Buffer.isBuffer(body)) {
      await this.client.putObject(physical, key, body, body.length);
      return this.abortedAfterUpload(bucket, key, signal, body.length);
    }
    // minio-js needs the size up front to choose a single PUT over a multipart upload, and it does
    // not propagate a source stream's error (the upload would hang). So the body is spooled to a
    // local temporary file first: an abort or a broken source then fails before S3 sees anything.
    const spoolDir = await mkdtemp(path.join(tmpdir(), 'mcphub-s3-spool-'));
    const spoolFile = path.join(spoolDir, 'body');
    try {
      await pipeline(body, createWriteStream(spoolFile), signal ? { signal } : {});
      const { size } = await stat(spoolFile);
      if (signal?.aborted) throw abortError(signal);
      await this.client.putObject(physical, key, createReadStream(spoolFile), size);
      return await this.abortedAfterUpload(bucket, key, signal, size);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      throw error;
    } finally {
      await rm(spoolDir, { recursive: true, force: true });
    }
  }

  /** An abort that lands while S3 completes the upload still must not leave the object behind. */
  private async abortedAfterUpload(
    bucket: string,
    key: string,
    signal: AbortSignal | undefined,
    size: number,
  ): Promise<{ size: number }> {
    if (signal?.aborted) {
      await this.delete(bucket, key);
      throw abortError(signal);
    }
    return { size };
  }

  async get(bucket: string, key: string, opts: ObjectStoreOptions = {}): Promise<Readable> {
    const physical = this.physicalBucket(bucket);
    assertObjectKey(key);
    if (opts.signal?.aborted) throw abortError(opts.signal);
    try {
      const stream = await this.client.getObject(physical, key);
      if (opts.signal) {
        const signal = opts.signal;
        signal.addEventListener('abort', () => stream.destroy(abortError(signal)), { once: true });
      }
      return stream;
    } catch (error) {
      throw this.mapNotFound(error, bucket, key);
    }
  }

  async head(bucket: string, key: string): Promise<{ size: number } | null> {
    const physical = this.physicalBucket(bucket);
    assertObjectKey(key);
    try {
      const stat = await this.client.statObject(physical, key);
      return { size: stat.size };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async delete(bucket: string, key: string): Promise<void> {
    const physical = this.physicalBucket(bucket);
    assertObjectKey(key);
    await this.client.removeObject(physical, key);
  }

  async *list(bucket: string, prefix: string): AsyncIterable<ObjectInfo> {
    const physical = this.physicalBucket(bucket);
    assertKeyPrefix(prefix);
    const stream = this.client.listObjectsV2(physical, prefix, true);
    for await (const item of stream as AsyncIterable<{ name?: string; size?: number }>) {
      if (item.name !== undefined) yield { key: item.name, size: item.size ?? 0 };
    }
  }

  async move(bucket: string, fromKey: string, toKey: string): Promise<void> {
    const physical = this.physicalBucket(bucket);
    assertObjectKey(fromKey);
    assertObjectKey(toKey);
    try {
      await this.client.copyObject(physical, toKey, `/${physical}/${fromKey}`, new CopyConditions());
    } catch (error) {
      throw this.mapNotFound(error, bucket, fromKey);
    }
    await this.client.removeObject(physical, fromKey);
  }

  private physicalBucket(bucket: string): string {
    return assertBucketName(`${this.bucketPrefix}${assertBucketName(bucket)}`);
  }

  private mapNotFound(error: unknown, bucket: string, key: string): unknown {
    return isNotFound(error)
      ? new RegistryError('REG_ERR_OBJECT_NOT_FOUND', `No object ${bucket}/${key}`, { cause: error })
      : error;
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NOT_FOUND_CODES.has(code);
}
