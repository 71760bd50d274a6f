import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, RegistryClientError } from './client.js';
import { sha256Digest } from './digest.js';
import { manifestDigest } from './manifest.js';
import { createRegistryFixture, makeBundle, makeManifest, type RegistryFixture } from './registry.fixture.js';

describe('RegistryClient against a listening registry', () => {
  let fx: RegistryFixture;
  let baseUrl: string;
  let client: RegistryClient;
  let dir: string;

  beforeAll(async () => {
    fx = await createRegistryFixture();
    baseUrl = await fx.app.listen({ port: 0, host: '127.0.0.1' });
    client = new RegistryClient({ baseUrl, token: await fx.token({ scope: ['registry:admin'] }) });
    dir = await mkdtemp(path.join(tmpdir(), 'registry-client-'));
  });
  afterAll(async () => {
    await fx?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes from a file path, resolves by range and downloads verified bytes', async () => {
    const bundle = makeBundle('client bundle');
    const bundlePath = path.join(dir, 'bundle.tar.gz');
    await writeFile(bundlePath, bundle);
    const snapshot = Buffer.from('{"findings":[]}');
    const manifest = makeManifest('acme/client', '1.4.0', bundle, {
      snapshot: { mediaType: 'application/json', digest: sha256Digest(snapshot), size: snapshot.length },
    });
    const published = await client.publish({ manifest, bundle: bundlePath, snapshot });
    expect(published).toMatchObject({ created: true, version: '1.4.0', digest: manifestDigest(manifest) });
    expect((await client.publish({ manifest, bundle, snapshot })).created).toBe(false);

    expect((await client.resolve('acme/client', '^1.0.0')).version).toBe('1.4.0');
    const target = path.join(dir, 'out.tgz');
    const streamed = await client.downloadToFile('acme/client', '1.4.0', target);
    expect(streamed.digest).toBe(sha256Digest(bundle));
    expect((await readFile(target)).equals(bundle)).toBe(true);
    const download = await client.download('acme/client', 'latest');
    expect(download.bytes.equals(bundle)).toBe(true);
    expect(download.digest).toBe(sha256Digest(bundle));
    expect((await client.blob(sha256Digest(snapshot))).equals(snapshot)).toBe(true);

    expect((await client.listPackages({ q: 'client' })).packages).toEqual([
      { name: 'acme/client', latest: '1.4.0', level: null, status: 'active' },
    ]);
    expect((await client.getPackage('acme/client')).versions).toHaveLength(1);
    expect(await client.setStatus('acme/client', '1.4.0', 'deprecated')).toMatchObject({
      status: 'deprecated',
    });
  });

  it('surfaces server errors as RegistryClientError with the server code', async () => {
    const error = await client.resolve('acme/missing', 'latest').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryClientError);
    expect(error).toMatchObject({ code: 'REG_ERR_PACKAGE_NOT_FOUND', statusCode: 404 });
    const anonymous = new RegistryClient({ baseUrl });
    const bundle = makeBundle();
    await expect(
      anonymous.publish({ manifest: makeManifest('acme/x', '1.0.0', bundle), bundle }),
    ).rejects.toMatchObject({
      code: 'REG_ERR_TOKEN_MISSING',
      statusCode: 401,
    });
  });

  it('refuses a download whose bytes were tampered with in transit (MITM / corrupted mirror)', async () => {
    const bundle = makeBundle('tamper target');
    await client.publish({ manifest: makeManifest('acme/tamper', '1.0.0', bundle), bundle });
    const tampering: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).includes('/v1/download/')) return response;
      const bytes = Buffer.from(await response.arrayBuffer());
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
      return new Response(bytes, { status: 200, headers: response.headers });
    };
    const victim = new RegistryClient({ baseUrl, fetch: tampering });
    await expect(victim.download('acme/tamper', '1.0.0')).rejects.toMatchObject({
      code: 'REG_ERR_CLIENT_DIGEST_MISMATCH',
    });
    const target = path.join(dir, 'tampered.tgz');
    await expect(victim.downloadToFile('acme/tamper', '1.0.0', target)).rejects.toMatchObject({
      code: 'REG_ERR_CLIENT_DIGEST_MISMATCH',
    });
    // Nothing half-written is left: neither the target nor a partial file.
    expect((await readdir(dir)).filter((f) => f.includes('tampered'))).toEqual([]);
  });

  it('refuses an invalid package name before any request (path injection)', async () => {
    await expect(client.resolve('acme/../../admin', 'latest')).rejects.toMatchObject({
      code: 'REG_ERR_INVALID_NAME',
    });
  });
});
