import { createLocalJWKSet, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_TOKEN_TTL_SECONDS,
  isLoopbackAddress,
  mintRegistryToken,
  resourceMatches,
  verifyRegistryToken,
} from './auth.js';
import { sha256Digest } from './digest.js';
import {
  createRegistryFixture,
  ISSUER,
  makeBundle,
  makeManifest,
  publish,
  publishParts,
  type RegistryFixture,
} from './registry.fixture.js';

describe('read access policies', () => {
  let loopback: RegistryFixture;
  let tokenOnly: RegistryFixture;
  const otherBundle = makeBundle('other org bundle');

  async function seed(fx: RegistryFixture) {
    const token = await fx.token({ resource: ['*'] });
    const bundle = makeBundle('acme bundle');
    expect(
      (await publish(fx, publishParts(makeManifest('acme/files', '1.0.0', bundle), bundle), token))
        .statusCode,
    ).toBe(201);
    const other = publishParts(makeManifest('other/secret', '1.0.0', otherBundle), otherBundle);
    expect((await publish(fx, other, token)).statusCode).toBe(201);
  }

  beforeAll(async () => {
    loopback = await createRegistryFixture({ reads: 'loopback' });
    tokenOnly = await createRegistryFixture({ reads: 'token' });
    await seed(loopback);
    await seed(tokenOnly);
  });
  afterAll(async () => {
    await loopback?.close();
    await tokenOnly?.close();
  });

  it('loopback: open to 127.0.0.1 without a token', async () => {
    const response = await loopback.app.inject({
      method: 'GET',
      url: '/v1/packages',
      remoteAddress: '127.0.0.1',
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().packages).toHaveLength(2);
  });

  it('loopback: a remote client needs a token, and X-Forwarded-For cannot fake loopback (header spoofing)', async () => {
    const response = await loopback.app.inject({
      method: 'GET',
      url: '/v1/resolve/acme/files/latest',
      remoteAddress: '10.1.2.3',
      headers: { 'x-forwarded-for': '127.0.0.1', forwarded: 'for=127.0.0.1' },
    });
    expect(response.json()).toMatchObject({ code: 'REG_ERR_TOKEN_MISSING', statusCode: 401 });
    const withToken = await loopback.app.inject({
      method: 'GET',
      url: '/v1/resolve/acme/files/latest',
      remoteAddress: '10.1.2.3',
      headers: { authorization: `Bearer ${await loopback.token({ scope: ['registry:read'] })}` },
    });
    expect(withToken.statusCode).toBe(200);
  });

  it('token: a read token scoped to acme/* lists only acme packages', async () => {
    const token = await tokenOnly.token({ scope: ['registry:read'], resource: ['acme/*'] });
    const response = await tokenOnly.app.inject({
      method: 'GET',
      url: '/v1/packages',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.json().packages.map((p: { name: string }) => p.name)).toEqual(['acme/files']);
  });

  const crossOrgReads = [
    '/v1/packages/other/secret',
    '/v1/resolve/other/secret/latest',
    '/v1/download/other/secret/1.0.0',
    `/v1/blobs/${sha256Digest(otherBundle)}`,
  ];
  for (const url of crossOrgReads) {
    it(`token: refuses ${url} to a token scoped to another org (cross-tenant read)`, async () => {
      const token = await tokenOnly.token({ scope: ['registry:read'], resource: ['acme/*'] });
      const response = await tokenOnly.app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.json()).toMatchObject({ code: 'REG_ERR_FORBIDDEN', statusCode: 403 });
    });
  }

  it('token: even loopback clients need a token', async () => {
    const response = await tokenOnly.app.inject({
      method: 'GET',
      url: '/v1/packages',
      remoteAddress: '127.0.0.1',
    });
    expect(response.json()).toMatchObject({ code: 'REG_ERR_TOKEN_MISSING', statusCode: 401 });
  });

  it('token: a publish-only token does not grant reads', async () => {
    const token = await tokenOnly.token({ scope: ['registry:publish'], resource: ['*'] });
    const response = await tokenOnly.app.inject({
      method: 'GET',
      url: '/v1/packages',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.json()).toMatchObject({ code: 'REG_ERR_FORBIDDEN', statusCode: 403 });
  });

  it('token: registry:admin implies read', async () => {
    const token = await tokenOnly.token({ scope: ['registry:admin'], resource: ['other/secret'] });
    const response = await tokenOnly.app.inject({
      method: 'GET',
      url: '/v1/download/other/secret/latest',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.equals(otherBundle)).toBe(true);
  });
});

describe('token helpers', () => {
  it('matches resource patterns: *, org/* and exact org/name only', () => {
    const pkg = { org: 'acme', name: 'files' };
    expect(resourceMatches('*', pkg)).toBe(true);
    expect(resourceMatches('acme/*', pkg)).toBe(true);
    expect(resourceMatches('acme/files', pkg)).toBe(true);
    expect(resourceMatches('acme/file', pkg)).toBe(false);
    expect(resourceMatches('acm/*', pkg)).toBe(false);
    expect(resourceMatches('acme-evil/*', pkg)).toBe(false);
    expect(resourceMatches('acme/files*', pkg)).toBe(false);
  });

  it('recognises loopback addresses only', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', '127.0.0.1.evil', undefined, '']) {
      expect(isLoopbackAddress(a)).toBe(false);
    }
  });

  it('round-trips a minted token through verification, with a key resolver too', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    const token = await mintRegistryToken(privateKey, {
      sub: 'hub',
      scope: ['registry:publish', 'hub:*'],
      resource: ['acme/*'],
      ttlSeconds: 60,
      issuer: ISSUER,
      kid: 'k1',
    });
    const principal = await verifyRegistryToken(token, { getKey: publicKey, issuer: ISSUER });
    expect(principal).toEqual({
      sub: 'hub',
      scopes: new Set(['registry:publish', 'hub:*']),
      resources: ['acme/*'],
    });
    const viaResolver = await verifyRegistryToken(token, {
      getKey: async (header) => {
        expect(header).toMatchObject({ alg: 'EdDSA', kid: 'k1' });
        return publicKey;
      },
      issuer: ISSUER,
    });
    expect(viaResolver.sub).toBe('hub');
    expect(DEFAULT_MAX_TOKEN_TTL_SECONDS).toBeGreaterThan(0);
  });

  it('reports an unreachable key set as an internal error, and an unknown key as an invalid token', async () => {
    const { privateKey } = await generateKeyPair('EdDSA');
    const token = await mintRegistryToken(privateKey, {
      sub: 'x',
      scope: ['registry:read'],
      resource: ['*'],
      ttlSeconds: 60,
      issuer: ISSUER,
    });
    const unreachable = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:8080');
    };
    await expect(verifyRegistryToken(token, { getKey: unreachable, issuer: ISSUER })).rejects.toMatchObject({
      code: 'REG_ERR_INTERNAL',
    });
    const jwks = createLocalJWKSet({
      keys: [{ ...(await exportJWK((await generateKeyPair('EdDSA')).publicKey)), kid: 'other' }],
    });
    await expect(verifyRegistryToken(token, { getKey: jwks, issuer: ISSUER })).rejects.toMatchObject({
      code: 'REG_ERR_TOKEN_INVALID',
    });
  });

  it('refuses malformed resource claims (pattern injection)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    for (const resource of ['acme/**', '*/files', 'acme', '../*', 'ACME/*']) {
      const token = await mintRegistryToken(privateKey, {
        sub: 'x',
        scope: ['registry:publish'],
        resource: [resource],
        ttlSeconds: 60,
        issuer: ISSUER,
      });
      await expect(verifyRegistryToken(token, { getKey: publicKey, issuer: ISSUER })).rejects.toMatchObject({
        code: 'REG_ERR_TOKEN_INVALID',
      });
    }
  });
});
