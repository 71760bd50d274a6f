import { join } from 'node:path';
import { FsObjectStore, type ObjectStore, S3ObjectStore } from '@mcphub/registry';
import type { Config } from './config/schema.js';
import { type HubDb, maskUrl } from './db/database.js';
import { HubError } from './errors.js';
import type { Logger } from './logger.js';
import { RetryingObjectStore } from './object-store/retrying-object-store.js';
import { AmqpJobQueue } from './queue/amqp-job-queue.js';
import type { JobQueue } from './queue/job-queue.js';
import { SqliteJobQueue } from './queue/sqlite-job-queue.js';

/**
 * Files under `objects/` by default; S3 (MinIO, AWS) when `s3Endpoint` is set, retried with
 * jittered backoff when a logger is given (a store down for a while delays jobs, not fails them).
 */
export function createObjectStore(config: Config, logger?: Logger): ObjectStore {
  if (!config.s3Endpoint) return new FsObjectStore({ root: join(config.home, 'objects') });
  if (!config.s3AccessKey || !config.s3SecretKey) {
    throw new HubError('HUB_ERR_CONFIG_INVALID', 's3Endpoint needs s3AccessKey and s3SecretKey');
  }
  const url = new URL(config.s3Endpoint);
  const s3 = new S3ObjectStore({
    endPoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    useSSL: url.protocol === 'https:',
    accessKey: config.s3AccessKey,
    secretKey: config.s3SecretKey,
    ...(config.s3Region ? { region: config.s3Region } : {}),
    ...(config.s3BucketPrefix ? { bucketPrefix: config.s3BucketPrefix } : {}),
  });
  return logger ? new RetryingObjectStore(s3, logger.child({ role: 'object-store' })) : s3;
}

/** The embedded SQLite queue by default; AMQP when `amqpUrl` is set (required without a database). */
export function createJobQueue(config: Config, db: HubDb | null): JobQueue {
  if (config.amqpUrl)
    return new AmqpJobQueue({
      url: config.amqpUrl,
      retry: { maxAttempts: config.queue.maxAttempts },
      ...(config.queue.prefix ? { prefix: config.queue.prefix } : {}),
      connectTimeoutMs: config.sync.dispatchTimeoutMs,
    });
  if (!db)
    throw new HubError(
      'HUB_ERR_CONFIG_INVALID',
      'A worker without the hub database needs amqpUrl (a shared broker)',
    );
  return new SqliteJobQueue(db, {
    visibilityTimeoutMs: config.queue.visibilityTimeoutMs,
    retry: { maxAttempts: config.queue.maxAttempts },
  });
}

/** The configuration with secrets masked, for `mcphub config` and logs. */
export function redactConfig(config: Config): Config {
  return {
    ...config,
    ...(config.amqpUrl ? { amqpUrl: maskUrl(config.amqpUrl) } : {}),
    ...(config.databaseUrl ? { databaseUrl: maskUrl(config.databaseUrl) } : {}),
    ...(config.s3SecretKey ? { s3SecretKey: '***' } : {}),
    ...(config.hub.webhookSecret ? { hub: { ...config.hub, webhookSecret: '***' } } : {}),
    ...(config.sync.upstreamToken ? { sync: { ...config.sync, upstreamToken: '***' } } : {}),
  };
}
