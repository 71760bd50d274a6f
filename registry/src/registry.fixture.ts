import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { type CryptoKey, generateKeyPair } from 'jose';
import { Kysely, SqliteDialect } from 'kysely';
import { mintRegistryToken } from './auth.js';
import type { RegistryLimits, RegistryPluginOptions } from './context.js';
import { sha256Digest } from './digest.js';
import type { Manifest } from './manifest.js';
import { FsObjectStore } from './object-store/fs-object-store.js';
import type { ObjectStore } from './object-store/object-store.js';
import { buildRegistryApp } from './plugin.js';
import type { ReadPolicy } from './request-access.js';

export const ISSUER = 'https://hub.test';

export interface RegistryFixture {
  app: FastifyInstance;
  root: string;
  publicKey: CryptoKey;
  store: FsObjectStore;
  // biome-ignore lint/suspicious/noExplicitAny: the host's database type is unknown to the registry
  db: Kysely<any>;
  privateKey: CryptoKey;
  token(options?: {
    scope?: string[];
    resource?: string[];
    ttlSeconds?: number;
    sub?: string;
  }): Promise<string>;
  close(): Promise<void>;
}

export async function createRegistryFixture(
  options: {
    limits?: Partial<RegistryLimits>;
    reads?: ReadPolicy;
    /** Wraps the store the app uses (to inject failures); the fixture still inspects the real one. */
    wrapStore?: (store: ObjectStore) => ObjectStore;
    onStatusChange?: RegistryPluginOptions['onStatusChange'];
    /** Run on this database (e.g. the hub's PostgreSQL) instead of a fresh in-memory SQLite; the caller closes it. */
    // biome-ignore lint/suspicious/noExplicitAny: the host's database type is unknown to the registry
    db?: Kysely<any>;
  } = {},
): Promise<RegistryFixture> {
  const root = await mkdtemp(path.join(tmpdir(), 'registry-test-'));
  const store = new FsObjectStore({ root });
  // biome-ignore lint/suspicious/noExplicitAny: the host's database type is unknown to the registry
  const db =
    options.db ?? new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const app = await buildRegistryApp({
    db,
    store: options.wrapStore ? options.wrapStore(store) : store,
    auth: { getKey: publicKey, issuer: ISSUER, reads: options.reads ?? 'open' },
    limits: options.limits,
    ...(options.onStatusChange ? { onStatusChange: options.onStatusChange } : {}),
  });
  await app.ready();
  return {
    app,
    root,
    publicKey,
    store,
    db,
    privateKey,
    token: (t = {}) =>
      mintRegistryToken(privateKey, {
        sub: t.sub ?? 'publisher@test',
        scope: t.scope ?? ['registry:publish', 'registry:read'],
        resource: t.resource ?? ['acme/*'],
        ttlSeconds: t.ttlSeconds ?? 300,
        issuer: ISSUER,
      }),
    close: async () => {
      await app.close();
      if (!options.db) await db.destroy();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A gzip stream standing in for a tar.gz bundle (the registry checks the gzip magic only). */
export function makeBundle(content = `bundle ${randomUUID()}`): Buffer {
  return gzipSync(Buffer.from(content));
}

export function makeManifest(
  name: string,
  version: string,
  bundle: Buffer,
  extra: Partial<Manifest> = {},
): Manifest {
  return {
    schemaVersion: 1,
    name,
    version,
    runtime: { type: 'node', entrypoint: 'dist/index.js' },
    bundle: { mediaType: 'application/gzip', digest: sha256Digest(bundle), size: bundle.length },
    ...extra,
  };
}

export interface MultipartPart {
  name: string;
  value: Buffer | string;
  filename?: string;
  contentType?: string;
}

/** A raw multipart/form-data body, so tests control every byte (order, duplicates, junk). */
export function buildMultipart(parts: MultipartPart[]): { body: Buffer; contentType: string } {
  const boundary = `----registry-test-${randomUUID()}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}`;
    const headers = [`Content-Disposition: ${disposition}`];
    if (part.contentType) headers.push(`Content-Type: ${part.contentType}`);
    chunks.push(Buffer.from(`--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export function publishParts(
  manifest: Manifest | string,
  bundle: Buffer,
  extra: MultipartPart[] = [],
): MultipartPart[] {
  return [
    { name: 'manifest', value: typeof manifest === 'string' ? manifest : JSON.stringify(manifest) },
    { name: 'bundle', value: bundle, filename: 'bundle.tar.gz', contentType: 'application/gzip' },
    ...extra,
  ];
}

export async function publish(
  fixture: RegistryFixture,
  parts: MultipartPart[],
  token?: string | null,
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON response bodies
): Promise<{ statusCode: number; body: any }> {
  const { body, contentType } = buildMultipart(parts);
  const auth = token === null ? undefined : (token ?? (await fixture.token()));
  const response = await fixture.app.inject({
    method: 'POST',
    url: '/v1/publish',
    payload: body,
    headers: { 'content-type': contentType, ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
  });
  return { statusCode: response.statusCode, body: response.json() };
}

/** Everything observable about the registry's state: listing, package views and stored keys. */
export async function observableState(fixture: RegistryFixture, names: string[]): Promise<unknown> {
  const listing = (await fixture.app.inject({ method: 'GET', url: '/v1/packages' })).json();
  const packages: Record<string, unknown> = {};
  for (const name of names) {
    const response = await fixture.app.inject({ method: 'GET', url: `/v1/packages/${name}` });
    packages[name] = { status: response.statusCode, body: response.json() };
  }
  const keys: string[] = [];
  for await (const info of fixture.store.list('artifacts', '')) keys.push(info.key);
  // In-flight writes of the fs store live outside the bucket, under .tmp: they must be gone too.
  const inFlight = await readdir(path.join(fixture.root, '.tmp')).catch(() => []);
  return { listing, packages, keys: keys.sort(), inFlight };
}
