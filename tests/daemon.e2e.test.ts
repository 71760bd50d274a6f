import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from './helpers/bundle.js';
import {
  createPublishToken,
  type DaemonProcess,
  publishWithCli,
  runCli,
  startDaemonProcess,
  tempHome,
} from './helpers/daemon-process.js';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const json = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

describe('mcphub daemon (built CLI, embedded defaults)', () => {
  let daemon: DaemonProcess;

  beforeAll(async () => {
    daemon = await startDaemonProcess();
  });
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
  });

  it('serves health, JWKS and OpenAPI on the hub port and the registry on its own port', async () => {
    const health = await json(`${daemon.hubUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', checks: { database: 'ok' } });

    const jwks = await json(`${daemon.hubUrl}/.well-known/jwks.json`);
    expect(jwks.body.keys).toHaveLength(1);
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    expect(jwks.body.keys[0]).not.toHaveProperty('d');

    const hubDocs = await json(`${daemon.hubUrl}/docs/json`);
    expect(Object.keys(hubDocs.body.paths)).toEqual(expect.arrayContaining(['/healthz', '/api/v1/tokens']));
    const regDocs = await json(`${daemon.registryUrl}/docs/json`);
    expect(Object.keys(regDocs.body.paths)).toEqual(expect.arrayContaining(['/v1/publish']));
  });

  it('creates its signing key and admin token readable by the owner only', () => {
    for (const f of ['hub-signing-key.jwk', 'admin-token']) {
      expect(statSync(join(daemon.home, 'keys', f)).mode & 0o777).toBe(0o600);
    }
    expect(daemon.stdout()).toContain(join(daemon.home, 'keys', 'admin-token'));
  });

  it('publishes with a scoped token and resolves by exact, range, latest and digest; downloads byte-identical', async () => {
    const tok = await createPublishToken(daemon.home, 'acme/*', '10m');
    expect(tok.code, tok.stderr).toBe(0);
    const token = tok.stdout.trim();
    const b1 = await buildBundle('acme/files', '1.2.0');
    const b2 = await buildBundle('acme/files', '1.3.0');
    for (const b of [b1, b2]) {
      const pub = await publishWithCli(b.file, b.manifestFile, daemon.registryUrl, token);
      expect(pub.code, pub.stderr).toBe(0);
    }
    const exact = await json(`${daemon.registryUrl}/v1/resolve/acme/files/1.2.0`);
    expect(exact.body.version).toBe('1.2.0');
    expect(exact.body.manifest.bundle.digest).toBe(b1.digest);
    expect(
      (await json(`${daemon.registryUrl}/v1/resolve/acme/files/${encodeURIComponent('~1.2')}`)).body.version,
    ).toBe('1.2.0');
    expect(
      (await json(`${daemon.registryUrl}/v1/resolve/acme/files/${encodeURIComponent('^1.2.0')}`)).body
        .version,
    ).toBe('1.3.0');
    expect((await json(`${daemon.registryUrl}/v1/resolve/acme/files/latest`)).body.version).toBe('1.3.0');
    expect(
      (await json(`${daemon.registryUrl}/v1/resolve/acme/files/${exact.body.digest}`)).body.version,
    ).toBe('1.2.0');

    const res = await fetch(`${daemon.registryUrl}/v1/download/acme/files/1.2.0`);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(sha256(bytes)).toBe(b1.digest);
    expect(bytes.equals(b1.bytes)).toBe(true);
    expect(res.headers.get('etag')).toBe(`"${b1.digest}"`);
  });

  it('accepts a token as long-lived as the hub allows and long names with ranges (registry routing limits)', async () => {
    const tok = await createPublishToken(daemon.home, 'acme/*', '2h');
    expect(tok.code, tok.stderr).toBe(0);
    const name = `acme/${'x'.repeat(60)}-${'y'.repeat(60)}`;
    const b = await buildBundle(name, '3.0.0-rc.1');
    const pub = await publishWithCli(b.file, b.manifestFile, daemon.registryUrl, tok.stdout.trim());
    expect(pub.code, pub.stderr).toBe(0);
    const range = encodeURIComponent('>=3.0.0-rc.0 <3.0.0 || >=3.0.0-rc.1');
    expect((await json(`${daemon.registryUrl}/v1/resolve/${name}/${range}`)).body.version).toBe('3.0.0-rc.1');
  });

  it('refuses a publish outside the token resource and leaves the listing unchanged', async () => {
    const before = await json(`${daemon.registryUrl}/v1/packages`);
    const tok = await createPublishToken(daemon.home, 'acme/*');
    const other = await buildBundle('evil/files', '1.0.0');
    const pub = await publishWithCli(other.file, other.manifestFile, daemon.registryUrl, tok.stdout.trim());
    expect(pub.code).not.toBe(0);
    expect(pub.stderr).toMatch(/REG_ERR_\w+/);
    expect(await json(`${daemon.registryUrl}/v1/packages`)).toEqual(before);
  });

  it('mints tokens over the API only for the admin token', async () => {
    const body = JSON.stringify({ scope: ['registry:read'], resource: ['acme/*'], ttl: '5m' });
    const anon = await fetch(`${daemon.hubUrl}/api/v1/tokens`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(anon.status).toBe(401);
    expect(await anon.json()).toMatchObject({ code: 'HUB_ERR_UNAUTHENTICATED', statusCode: 401 });
    const admin = readFileSync(join(daemon.home, 'keys', 'admin-token'), 'utf8').trim();
    const ok = await fetch(`${daemon.hubUrl}/api/v1/tokens`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { token: string }).token.split('.')).toHaveLength(3);
  });
});

describe('mcphub daemon graceful shutdown', () => {
  it('on SIGTERM finishes an in-flight download, exits 0, and keeps its data for the next start', async () => {
    const daemon = await startDaemonProcess();
    try {
      const tok = await createPublishToken(daemon.home, 'big/*');
      const big = await buildBundle('big/blob', '1.0.0', 24 * 1024 * 1024);
      const pub = await publishWithCli(big.file, big.manifestFile, daemon.registryUrl, tok.stdout.trim());
      expect(pub.code, pub.stderr).toBe(0);

      // Start a download, read its first bytes, then pause so the response is still in flight.
      const received: Buffer[] = [];
      const done = new Promise<Buffer>((resolve, reject) => {
        const req = request(`${daemon.registryUrl}/v1/download/big/blob/1.0.0`, (res) => {
          res.once('data', (chunk: Buffer) => {
            received.push(chunk);
            res.pause();
            daemon.proc.kill('SIGTERM');
            setTimeout(() => {
              res.on('data', (c: Buffer) => received.push(c));
              res.resume();
            }, 300);
          });
          res.on('end', () => resolve(Buffer.concat(received)));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      const bytes = await done;
      expect(sha256(bytes)).toBe(big.digest);
      expect(await daemon.exited).toBe(0); // the SIGTERM sent mid-download, not a second signal
      expect(existsSync(join(daemon.home, 'daemon.json'))).toBe(false);

      const again = await startDaemonProcess({ home: daemon.home });
      try {
        const listed = await json(`${again.registryUrl}/v1/packages/big/blob`);
        expect(listed.status).toBe(200);
        expect(JSON.stringify(listed.body)).toContain('1.0.0');
      } finally {
        await again.stop();
      }
    } finally {
      await daemon.stop('SIGKILL');
    }
  });

  it('refuses to start on an invalid configuration and says which key', async () => {
    const r = await runCli(['daemon', '--home', tempHome(), '--hub-port', '99999']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('HUB_ERR_CONFIG_INVALID');
    expect(r.stderr).toContain('/hub/port');
  });
});
