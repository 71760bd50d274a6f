import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import multipart from '@fastify/multipart';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { generateKeyPair } from 'jose';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintRegistryToken } from './auth.js';
import { migrateRegistry } from './db/migrations.js';
import type { RegistryDatabase } from './db/schema.js';
import { FsObjectStore } from './object-store/fs-object-store.js';
import { registryPlugin } from './plugin.js';
import { buildMultipart, ISSUER, makeBundle, makeManifest, publishParts } from './registry.fixture.js';

describe('registryPlugin inside a host app', () => {
  const host = Fastify();
  let root: string;
  let token: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'registry-plugin-'));
    const db = new Kysely<RegistryDatabase>({
      dialect: new SqliteDialect({ database: new Database(':memory:') }),
    });
    await migrateRegistry(db);
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    token = await mintRegistryToken(privateKey, {
      sub: 'hub',
      scope: ['registry:publish'],
      resource: ['*'],
      ttlSeconds: 60,
      issuer: ISSUER,
    });
    // The host already parses multipart for its own routes and has its own error handler.
    await host.register(multipart);
    host.setErrorHandler((_error, _request, reply) => reply.code(418).send({ host: true }));
    host.get('/host/fail', async () => {
      throw new Error('host route');
    });
    await host.register(registryPlugin, {
      db,
      store: new FsObjectStore({ root }),
      auth: { getKey: publicKey, issuer: ISSUER, reads: 'open' },
    });
    await host.ready();
  });
  afterAll(async () => {
    await host.close();
    await rm(root, { recursive: true, force: true });
  });

  it('publishes through the host multipart parser and answers coded errors inside its scope only', async () => {
    const bundle = makeBundle('hosted');
    const { body, contentType } = buildMultipart(
      publishParts(makeManifest('acme/hosted', '1.0.0', bundle), bundle),
    );
    const published = await host.inject({
      method: 'POST',
      url: '/v1/publish',
      payload: body,
      headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
    });
    expect(published.statusCode).toBe(201);
    const missing = await host.inject({ method: 'GET', url: '/v1/resolve/acme/nothing/latest' });
    expect(missing.json()).toMatchObject({ code: 'REG_ERR_PACKAGE_NOT_FOUND', statusCode: 404 });
    expect((await host.inject({ method: 'GET', url: '/host/fail' })).statusCode).toBe(418);
  });

  it('answers HEAD on downloads with the headers and no body', async () => {
    const response = await host.inject({ method: 'HEAD', url: '/v1/download/acme/hosted/latest' });
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toMatch(/^"sha256:[0-9a-f]{64}"$/);
    expect(response.rawPayload.length).toBe(0);
  });

  it('masks unexpected errors as REG_ERR_INTERNAL without leaking details', async () => {
    const broken = Fastify();
    const db = new Kysely<RegistryDatabase>({
      dialect: new SqliteDialect({ database: new Database(':memory:') }),
    });
    // No migrations: every query fails with an SQL error that must not reach the client.
    const { publicKey } = await generateKeyPair('EdDSA');
    await broken.register(registryPlugin, {
      db,
      store: new FsObjectStore({ root }),
      auth: { getKey: publicKey, issuer: ISSUER, reads: 'open' },
    });
    const response = await broken.inject({ method: 'GET', url: '/v1/packages' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      code: 'REG_ERR_INTERNAL',
      message: 'Internal registry error',
      statusCode: 500,
    });
    expect(response.body).not.toMatch(/registry_packages|sqlite/i);
    await broken.close();
  });
});
