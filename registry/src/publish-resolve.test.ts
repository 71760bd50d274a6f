import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { casKey, sha256Digest } from './digest.js';
import { canonicalManifestBytes, manifestDigest } from './manifest.js';
import {
  createRegistryFixture,
  makeBundle,
  makeManifest,
  publish,
  publishParts,
  type RegistryFixture,
} from './registry.fixture.js';

describe('publish, resolve and download', () => {
  let fx: RegistryFixture;
  beforeEach(async () => {
    fx = await createRegistryFixture();
  });
  afterEach(async () => {
    await fx.close();
  });

  async function publishVersion(version: string, name = 'acme/files', extra = {}) {
    const bundle = makeBundle(`${name}@${version}`);
    const manifest = makeManifest(name, version, bundle, extra);
    const response = await publish(fx, publishParts(manifest, bundle));
    return { bundle, manifest, response };
  }

  it('publishes with a scoped token and resolves by exact version, range, latest and digest', async () => {
    const { bundle, manifest, response } = await publishVersion('1.2.3');
    expect(response.statusCode).toBe(201);
    const digest = manifestDigest(manifest);
    expect(response.body).toMatchObject({ name: 'acme/files', version: '1.2.3', status: 'active', digest });

    for (const ref of ['1.2.3', '%5E1.2', '%3E%3D1.0.0%20%3C2.0.0', 'latest', digest, sha256Digest(bundle)]) {
      const resolved = await fx.app.inject({ method: 'GET', url: `/v1/resolve/acme/files/${ref}` });
      expect(resolved.statusCode, ref).toBe(200);
      expect(resolved.json()).toMatchObject({ name: 'acme/files', version: '1.2.3', digest, manifest });
      expect(typeof resolved.json().publishedAt).toBe('string');
    }
  });

  it('resolves the longest allowed name with a long range', async () => {
    const name = `${'o'.repeat(64)}/${'n'.repeat(128)}`;
    const token = await fx.token({ resource: ['*'] });
    const bundle = makeBundle('long');
    expect(
      (await publish(fx, publishParts(makeManifest(name, '1.0.0', bundle), bundle), token)).statusCode,
    ).toBe(201);
    const range = encodeURIComponent('>=0.0.1 <2.0.0 || >=3.0.0 <4.0.0 || >=5.0.0 <6.0.0 || >=7.0.0 <8.0.0');
    const response = await fx.app.inject({ method: 'GET', url: `/v1/resolve/${name}/${range}` });
    expect(response.json()).toMatchObject({ name, version: '1.0.0' });
  });

  it('downloads the bundle byte-identical with ETag, Digest and Content-Length, and honours If-None-Match', async () => {
    const { bundle } = await publishVersion('1.0.0');
    const response = await fx.app.inject({ method: 'GET', url: '/v1/download/acme/files/latest' });
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.equals(bundle)).toBe(true);
    expect(response.headers['content-type']).toBe('application/gzip');
    expect(response.headers.etag).toBe(`"${sha256Digest(bundle)}"`);
    expect(response.headers.digest).toBe(`sha-256=${createHash('sha256').update(bundle).digest('base64')}`);
    expect(response.headers['content-length']).toBe(String(bundle.length));

    const cached = await fx.app.inject({
      method: 'GET',
      url: '/v1/download/acme/files/1.0.0',
      headers: { 'if-none-match': `"${sha256Digest(bundle)}"` },
    });
    expect(cached.statusCode).toBe(304);
    expect(cached.rawPayload.length).toBe(0);
  });

  it('serves the canonical manifest and the bundle as blobs by digest', async () => {
    const { bundle, manifest } = await publishVersion('1.0.0');
    const digest = manifestDigest(manifest);
    const manifestBlob = await fx.app.inject({ method: 'GET', url: `/v1/blobs/${digest}` });
    expect(manifestBlob.statusCode).toBe(200);
    expect(manifestBlob.rawPayload.equals(canonicalManifestBytes(manifest))).toBe(true);
    expect(sha256Digest(manifestBlob.rawPayload)).toBe(digest);
    const bundleBlob = await fx.app.inject({ method: 'GET', url: `/v1/blobs/${sha256Digest(bundle)}` });
    expect(bundleBlob.rawPayload.equals(bundle)).toBe(true);
    const missing = await fx.app.inject({ method: 'GET', url: `/v1/blobs/sha256:${'0'.repeat(64)}` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      code: 'REG_ERR_BLOB_NOT_FOUND',
      message: expect.any(String),
      statusCode: 404,
    });
  });

  it('publishes snapshot and attestation blobs declared by the manifest', async () => {
    const bundle = makeBundle();
    const snapshot = Buffer.from(JSON.stringify({ findings: [] }));
    const attestation = Buffer.from('{"predicateType":"test"}');
    const manifest = makeManifest('acme/files', '2.0.0', bundle, {
      snapshot: { mediaType: 'application/json', digest: sha256Digest(snapshot), size: snapshot.length },
      attestation: {
        mediaType: 'application/vnd.in-toto+json',
        digest: sha256Digest(attestation),
        size: attestation.length,
      },
      certification: { level: 2, score: 87.5, scoringVersion: '1' },
    });
    const response = await publish(
      fx,
      publishParts(manifest, bundle, [
        { name: 'snapshot', value: snapshot, filename: 'snapshot.json' },
        { name: 'attestation', value: attestation, filename: 'attestation.json' },
      ]),
    );
    expect(response.statusCode).toBe(201);
    const blob = await fx.app.inject({ method: 'GET', url: `/v1/blobs/${sha256Digest(attestation)}` });
    expect(blob.statusCode).toBe(200);
    expect(blob.headers['content-type']).toBe('application/vnd.in-toto+json');
    expect(blob.rawPayload.equals(attestation)).toBe(true);
    const detail = (await fx.app.inject({ method: 'GET', url: '/v1/packages/acme/files' })).json();
    expect(detail.versions[0]).toMatchObject({ version: '2.0.0', level: 2 });
  });

  it('accepts the manifest as a file part as well as a field', async () => {
    const bundle = makeBundle();
    const manifest = makeManifest('acme/files', '1.0.0', bundle);
    const response = await publish(fx, [
      {
        name: 'manifest',
        value: JSON.stringify(manifest),
        filename: 'manifest.json',
        contentType: 'application/json',
      },
      { name: 'bundle', value: bundle, filename: 'b.tgz' },
    ]);
    expect(response.statusCode).toBe(201);
  });

  it('is immutable: identical re-publish answers 200, another digest for the same version 409', async () => {
    const { bundle, manifest } = await publishVersion('1.0.0');
    const keysBefore = await storedKeys(fx);
    const again = await publish(fx, publishParts(manifest, bundle));
    expect(again.statusCode).toBe(200);
    expect(again.body.digest).toBe(manifestDigest(manifest));
    expect(await storedKeys(fx)).toEqual(keysBefore);

    const otherBundle = makeBundle('different bytes');
    const conflict = await publish(
      fx,
      publishParts(makeManifest('acme/files', '1.0.0', otherBundle), otherBundle),
    );
    expect(conflict.statusCode).toBe(409);
    expect(conflict.body.code).toBe('REG_ERR_VERSION_EXISTS');
    expect(await storedKeys(fx)).toEqual(keysBefore);
    const download = await fx.app.inject({ method: 'GET', url: '/v1/download/acme/files/1.0.0' });
    expect(download.rawPayload.equals(bundle)).toBe(true);
  });

  it('two concurrent publishes of one version with different bytes: one 201, one 409, no orphan blobs (race)', async () => {
    const bundles = [makeBundle('racer one'), makeBundle('racer two')];
    const results = await Promise.all(
      bundles.map((bundle) => publish(fx, publishParts(makeManifest('acme/race', '1.0.0', bundle), bundle))),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    const winner = results.find((r) => r.statusCode === 201)!.body;
    const keys = await storedKeys(fx);
    expect(keys).toEqual([casKey(winner.digest), casKey(winner.manifest.bundle.digest)].sort());
  });

  it('two concurrent identical publishes: one 201, one 200', async () => {
    const bundle = makeBundle('twins');
    const manifest = makeManifest('acme/twins', '1.0.0', bundle);
    const results = await Promise.all([1, 2].map(() => publish(fx, publishParts(manifest, bundle))));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 201]);
    expect(await storedKeys(fx)).toHaveLength(2);
  });

  it('stores a blob shared by two versions once (dedup) and never rewrites it', async () => {
    const bundle = makeBundle('shared');
    await publish(fx, publishParts(makeManifest('acme/files', '1.0.0', bundle), bundle));
    await publish(fx, publishParts(makeManifest('acme/files', '1.0.1', bundle), bundle));
    const keys = await storedKeys(fx);
    expect(keys.filter((key) => key === casKey(sha256Digest(bundle)))).toHaveLength(1);
    expect(keys.every((key) => key.startsWith('sha256/'))).toBe(true);
    expect(keys).toHaveLength(3); // one bundle + two manifests
  });

  it('resolves latest to the highest release, ranges to the highest match, prereleases only as a last resort', async () => {
    await publishVersion('2.0.0-beta.1', 'acme/pre');
    expect((await resolve('acme/pre', 'latest')).version).toBe('2.0.0-beta.1');
    for (const v of ['1.0.0', '1.2.0', '1.10.0', '2.0.0-rc.1']) await publishVersion(v);
    expect((await resolve('acme/files', 'latest')).version).toBe('1.10.0');
    expect((await resolve('acme/files', '%5E1.2')).version).toBe('1.10.0');
    expect((await resolve('acme/files', '~1.2.0')).version).toBe('1.2.0');
    expect((await resolve('acme/files', '1.x')).version).toBe('1.10.0');
    expect((await resolve('acme/files', '2.0.0-rc.1')).version).toBe('2.0.0-rc.1');
    const none = await fx.app.inject({ method: 'GET', url: '/v1/resolve/acme/files/%5E3' });
    expect(none.json()).toMatchObject({ code: 'REG_ERR_VERSION_NOT_FOUND', statusCode: 404 });
    const unknown = await fx.app.inject({ method: 'GET', url: '/v1/resolve/acme/nothing/latest' });
    expect(unknown.json()).toMatchObject({ code: 'REG_ERR_PACKAGE_NOT_FOUND', statusCode: 404 });
    const junk = await fx.app.inject({ method: 'GET', url: '/v1/resolve/acme/files/not%20a%20range!' });
    expect(junk.json()).toMatchObject({ code: 'REG_ERR_INVALID_REFERENCE', statusCode: 400 });
  });

  async function resolve(name: string, ref: string) {
    const response = await fx.app.inject({ method: 'GET', url: `/v1/resolve/${name}/${ref}` });
    expect(response.statusCode, `${name}@${ref}: ${response.body}`).toBe(200);
    return response.json();
  }
});

async function storedKeys(fx: RegistryFixture): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of fx.store.list('artifacts', '')) keys.push(info.key);
  return keys.sort();
}
