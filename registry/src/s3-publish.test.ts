import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { generateKeyPair } from 'jose';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintRegistryToken } from './auth.js';
import type { RegistryDatabase } from './db/schema.js';
import { sha256Digest } from './digest.js';
import type { ObjectStore } from './object-store/object-store.js';
import { startS3rver } from './object-store/s3rver.fixture.js';
import { buildRegistryApp } from './plugin.js';
import { buildMultipart, ISSUER, makeBundle, makeManifest, publishParts } from './registry.fixture.js';

describe('the registry over S3 (s3rver)', () => {
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  let app: FastifyInstance;
  let store: ObjectStore;
  let token: string;

  beforeAll(async () => {
    s3 = await startS3rver();
    store = s3.store;
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    const db = new Kysely<RegistryDatabase>({
      dialect: new SqliteDialect({ database: new Database(':memory:') }),
    });
    app = await buildRegistryApp({ db, store, auth: { getKey: publicKey, issuer: ISSUER, reads: 'open' } });
    token = await mintRegistryToken(privateKey, {
      sub: 'hub',
      scope: ['registry:publish'],
      resource: ['acme/*'],
      ttlSeconds: 60,
      issuer: ISSUER,
    });
  });
  afterAll(async () => {
    await app?.close();
    await s3?.close();
  });

  async function keys(): Promise<string[]> {
    const found: string[] = [];
    for await (const info of store.list('artifacts', '')) found.push(info.key);
    return found.sort();
  }

  async function post(parts: ReturnType<typeof publishParts>) {
    const { body, contentType } = buildMultipart(parts);
    return app.inject({
      method: 'POST',
      url: '/v1/publish',
      payload: body,
      headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
    });
  }

  it('publishes, downloads byte-identical, and leaves nothing behind on a digest mismatch', async () => {
    const bundle = makeBundle('on s3');
    const published = await post(publishParts(makeManifest('acme/s3', '1.0.0', bundle), bundle));
    expect(published.statusCode).toBe(201);
    const download = await app.inject({ method: 'GET', url: '/v1/download/acme/s3/latest' });
    expect(download.rawPayload.equals(bundle)).toBe(true);
    expect(download.headers.etag).toBe(`"${sha256Digest(bundle)}"`);

    const before = await keys();
    const liar = makeManifest('acme/s3', '1.0.1', bundle);
    liar.bundle.digest = sha256Digest('something else');
    const refused = await post(publishParts(liar, bundle));
    expect(refused.json()).toMatchObject({ code: 'REG_ERR_DIGEST_MISMATCH', statusCode: 400 });
    expect(await keys()).toEqual(before);
  });
});
