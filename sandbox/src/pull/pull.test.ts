import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  buildRegistryApp,
  buildStatement,
  type CertificationPredicate,
  FsObjectStore,
  mintRegistryToken,
  signStatement,
} from '@mcphub/registry';
import Database from 'better-sqlite3';
import { createLocalJWKSet } from 'jose';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawTar } from '../archive/tar-builder.test-helper.js';
import { PackageCache } from './package-cache.js';
import { parsePackageRef, pullPackage } from './pull.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hub = generateKeyPairSync('ed25519');
const hubJwks = {
  keys: [{ ...hub.publicKey.export({ format: 'jwk' }), kid: 'hub', alg: 'EdDSA', use: 'sig' }],
};
const attacker = generateKeyPairSync('ed25519');

function predicate(name: string, version: string, level: number): CertificationPredicate {
  return {
    scanner: { name: 'mcphub-scanner', version: 't' },
    scoringVersion: 't',
    score: { global: 95, security: 95, supplyChain: 95, maturity: 95 },
    level,
    levelName: 'x',
    controls: [],
    toolsDigest: null,
    runtimeCheck: null,
    reportDigest: 'sha256:00',
    sbomDigest: null,
    source: { digest: 'sha256:00' },
    package: { name, version },
  };
}

describe('pullPackage', () => {
  let app: Awaited<ReturnType<typeof buildRegistryApp>>;
  let url: string;
  let downloads = 0;
  const countingFetch: typeof fetch = (input, init) => {
    if (String(input).includes('/v1/download/')) downloads += 1;
    return fetch(input, init);
  };

  async function publish(
    name: string,
    version: string,
    opts: { level?: number; signer?: typeof hub.privateKey; attest?: boolean; subjectOf?: Buffer } = {},
  ) {
    const bundle = gzipSync(rawTar([{ path: 'index.js', body: `// ${name}@${version}\n` }]));
    const envelope = Buffer.from(
      JSON.stringify(
        signStatement(
          buildStatement(sha(opts.subjectOf ?? bundle), predicate(name, version, opts.level ?? 2)),
          opts.signer ?? hub.privateKey,
          'hub',
        ),
      ),
    );
    const manifest = {
      schemaVersion: 1,
      name,
      version,
      runtime: { type: 'node', entrypoint: 'index.js' },
      bundle: {
        mediaType: 'application/vnd.mcphub.bundle.v1.tar+gzip',
        digest: sha(bundle),
        size: bundle.length,
      },
      ...(opts.attest === false
        ? {}
        : {
            attestation: {
              mediaType: 'application/vnd.dsse.envelope.v1+json',
              digest: sha(envelope),
              size: envelope.length,
            },
          }),
    };
    const token = await mintRegistryToken(hub.privateKey, {
      sub: 't',
      scope: ['registry:admin'],
      resource: ['*'],
      ttlSeconds: 600,
      issuer: 'mcphub',
      kid: 'hub',
    });
    const form = new FormData();
    form.append('manifest', JSON.stringify(manifest));
    form.append('bundle', new Blob([new Uint8Array(bundle)]), 'b.tgz');
    if (opts.attest !== false) form.append('attestation', new Blob([new Uint8Array(envelope)]), 'a.json');
    const res = await fetch(`${url}/v1/publish`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return { bundle, token };
  }

  beforeAll(async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    const store = new FsObjectStore({ root: mkdtempSync(join(tmpdir(), 'mcphub-pull-reg-')) });
    app = await buildRegistryApp({
      db,
      store,
      auth: { getKey: createLocalJWKSet(hubJwks as never), issuer: 'mcphub', reads: 'open' },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address() as { port: number };
    url = `http://127.0.0.1:${addr.port}`;
    await publish('acme/files', '1.0.0');
    await publish('acme/files', '1.1.0', { level: 3 });
    await publish('acme/forged', '1.0.0', { signer: attacker.privateKey });
    await publish('acme/replayed', '1.0.0', { subjectOf: Buffer.from('another bundle') });
    await publish('acme/unsigned', '1.0.0', { attest: false });
  });
  afterAll(async () => {
    await app?.close();
  });

  const cacheDir = () => mkdtempSync(join(tmpdir(), 'mcphub-cache-'));
  const opts = (cache: PackageCache) => ({
    registries: ['http://127.0.0.1:1', url],
    cache,
    jwks: hubJwks as never,
    fetch: countingFetch,
  });

  it('parses references and refuses malformed ones', () => {
    expect(parsePackageRef('acme/files')).toEqual({ name: 'acme/files', reference: 'latest' });
    expect(parsePackageRef('acme/files@^1')).toEqual({ name: 'acme/files', reference: '^1' });
    for (const bad of ['acme', 'Acme/files', '../x/y', 'acme/files@', 'acme/files@1 2']) {
      expect(() => parsePackageRef(bad), bad).toThrow(
        expect.objectContaining({ code: 'SBX_ERR_PULL_REFERENCE' }),
      );
    }
  });

  it('resolves a range past an unreachable registry, verifies digest and attestation, caches by digest; a second pull downloads nothing', async () => {
    const cache = new PackageCache(cacheDir());
    downloads = 0;
    const first = await pullPackage('acme/files@^1', opts(cache));
    expect(first.version).toBe('1.1.0');
    expect(first.downloaded).toBe(true);
    expect(first.attestation?.statement.predicate.level).toBe(3);
    expect(first.level).toBe(3);
    expect(readFileSync(join(first.packageDir, 'index.js'), 'utf8')).toContain('acme/files@1.1.0');
    const again = await pullPackage('acme/files@1.1.0', opts(cache));
    expect(again.downloaded).toBe(false);
    expect(again.digest).toBe(first.digest);
    expect(downloads).toBe(1);
    expect((await cache.list()).map((e) => `${e.name}@${e.version}`)).toEqual(['acme/files@1.1.0']);
  });

  it('refuses an attestation signed by a key the hub does not publish (forged certification), caching nothing', async () => {
    const dir = cacheDir();
    await expect(pullPackage('acme/forged', opts(new PackageCache(dir)))).rejects.toMatchObject({
      code: 'SBX_ERR_PULL_ATTESTATION_INVALID',
    });
    expect(existsSync(join(dir, 'sha256')) ? readdirSync(join(dir, 'sha256')) : []).toEqual([]);
  });

  it('refuses an attestation replayed from another bundle', async () => {
    await expect(pullPackage('acme/replayed', opts(new PackageCache(cacheDir())))).rejects.toMatchObject({
      code: 'SBX_ERR_PULL_ATTESTATION_INVALID',
    });
  });

  it('refuses an unattested package unless attestation is not required', async () => {
    const cache = new PackageCache(cacheDir());
    await expect(pullPackage('acme/unsigned', opts(cache))).rejects.toMatchObject({
      code: 'SBX_ERR_PULL_ATTESTATION_MISSING',
    });
    const p = await pullPackage('acme/unsigned', { ...opts(cache), requireAttestation: false });
    expect(p.attested).toBe(false);
    expect(p.level).toBeNull();
  });

  it('refuses a revoked version, and names a missing one', async () => {
    const { token } = await publish('acme/bad', '1.0.0');
    const res = await fetch(`${url}/v1/packages/acme/bad/1.0.0/status`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'revoked', reason: 'malicious' }),
    });
    expect(res.status).toBe(200);
    await expect(pullPackage('acme/bad@1.0.0', opts(new PackageCache(cacheDir())))).rejects.toMatchObject({
      code: 'SBX_ERR_PULL_REVOKED',
    });
    await expect(
      pullPackage('acme/nothing', { ...opts(new PackageCache(cacheDir())), registries: [url] }),
    ).rejects.toMatchObject({
      code: 'SBX_ERR_PULL_NOT_FOUND',
    });
  });

  it('running a revoked package from cache: a digest on the local revocation list is refused with its reason even when cached and served', async () => {
    const cache = new PackageCache(cacheDir());
    const first = await pullPackage('acme/files@1.0.0', opts(cache));
    const list = new Map([[first.digest, { reason: 'key compromised', origin: 'https://hub.example' }]]);
    const revoked = (digests: string[]) => digests.map((d) => list.get(d)).find(Boolean) ?? null;
    const refused = pullPackage('acme/files@1.0.0', { ...opts(cache), revoked });
    await expect(refused).rejects.toMatchObject({ code: 'SBX_ERR_PULL_REVOKED' });
    await expect(refused).rejects.toThrow(/key compromised/);
    // Other versions are unaffected.
    expect((await pullPackage('acme/files@1.1.0', { ...opts(cache), revoked })).version).toBe('1.1.0');
  });

  it('cache rm and prune', async () => {
    const cache = new PackageCache(cacheDir());
    await pullPackage('acme/files@1.0.0', opts(cache));
    await new Promise((r) => setTimeout(r, 5));
    await pullPackage('acme/files@1.1.0', opts(cache));
    expect((await cache.prune()).map((e) => e.version)).toEqual(['1.0.0']);
    expect((await cache.remove('acme/files')).map((e) => e.version)).toEqual(['1.1.0']);
    expect(await cache.list()).toEqual([]);
  });
});
