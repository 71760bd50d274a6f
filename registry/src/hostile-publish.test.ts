import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from './digest.js';
import type { Manifest } from './manifest.js';
import {
  buildMultipart,
  createRegistryFixture,
  ISSUER,
  type MultipartPart,
  makeBundle,
  makeManifest,
  observableState,
  publish,
  publishParts,
  type RegistryFixture,
} from './registry.fixture.js';

const LIMITS = { maxBundleBytes: 64 * 1024, maxManifestBytes: 4 * 1024, maxSnapshotBytes: 8 * 1024 };
const WATCHED = ['acme/files', 'acme/new'];

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function claims(extra: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: 'mallory',
    scope: 'registry:publish',
    resource: ['*'],
    iss: ISSUER,
    iat: now,
    exp: now + 300,
    ...extra,
  };
}

interface Attack {
  title: string;
  parts: () => MultipartPart[];
  token?: (fx: RegistryFixture) => Promise<string | null>;
  status: number;
  code: string;
}

function validParts(name = 'acme/new', version = '1.0.0', mutate: (m: Manifest) => unknown = (m) => m) {
  const bundle = makeBundle('fresh bundle');
  return publishParts(JSON.stringify(mutate(makeManifest(name, version, bundle))), bundle);
}

function manifestWith(name: string, version: string): () => MultipartPart[] {
  return () => validParts(name, version);
}

const bigBundle = () => makeBundle(incompressibleText(200 * 1024));
function incompressibleText(bytes: number): string {
  // Incompressible text so the gzip output stays above the limit.
  return Array.from({ length: bytes / 16 }, () => Math.random().toString(36).slice(2, 18)).join('');
}

const attacks: Attack[] = [
  {
    title: 'refuses a manifest that is not JSON',
    parts: () => publishParts('{"schemaVersion":1,', makeBundle()),
    status: 400,
    code: 'REG_ERR_INVALID_MANIFEST',
  },
  {
    title: 'refuses a manifest failing the schema (unknown field)',
    parts: () => validParts('acme/new', '1.0.0', (m) => ({ ...m, injected: '<script>' })),
    status: 400,
    code: 'REG_ERR_INVALID_MANIFEST',
  },
  {
    title: 'refuses a manifest whose entrypoint climbs out of the bundle (path traversal)',
    parts: () =>
      validParts('acme/new', '1.0.0', (m) => ({
        ...m,
        runtime: { type: 'node', entrypoint: '../../bin/sh' },
      })),
    status: 400,
    code: 'REG_ERR_INVALID_MANIFEST',
  },
  {
    title: 'refuses an oversized manifest (memory exhaustion)',
    parts: () => validParts('acme/new', '1.0.0', (m) => ({ ...m, description: 'x'.repeat(5000) })),
    status: 413,
    code: 'REG_ERR_MANIFEST_TOO_LARGE',
  },
  {
    title: 'refuses a bundle larger than the limit (disk exhaustion)',
    parts: () => {
      const bundle = bigBundle();
      return publishParts(makeManifest('acme/new', '1.0.0', bundle), bundle);
    },
    status: 413,
    code: 'REG_ERR_BLOB_TOO_LARGE',
  },
  {
    title: 'stops reading a bundle that lies about its size (declared small, sent huge)',
    parts: () => {
      const bundle = bigBundle();
      const manifest = makeManifest('acme/new', '1.0.0', bundle);
      manifest.bundle.size = 1000;
      return publishParts(manifest, bundle);
    },
    status: 400,
    code: 'REG_ERR_DIGEST_MISMATCH',
  },
  {
    title: 'refuses a name with .. (path traversal)',
    parts: manifestWith('acme/fi..les', '1.0.0'),
    status: 400,
    code: 'REG_ERR_INVALID_NAME',
  },
  {
    title: 'refuses a name of .. (path traversal)',
    parts: manifestWith('../files', '1.0.0'),
    status: 400,
    code: 'REG_ERR_INVALID_NAME',
  },
  {
    title: 'refuses a name with an extra /',
    parts: manifestWith('acme/files/x', '1.0.0'),
    status: 400,
    code: 'REG_ERR_INVALID_NAME',
  },
  {
    title: 'refuses an uppercase name (confusable names)',
    parts: manifestWith('Acme/files', '1.0.0'),
    status: 400,
    code: 'REG_ERR_INVALID_NAME',
  },
  {
    title: 'refuses a name with a NUL byte',
    parts: manifestWith('acme/fi\u0000les', '1.0.0'),
    status: 400,
    code: 'REG_ERR_INVALID_NAME',
  },
  {
    title: 'refuses a name with a newline (log injection)',
    parts: manifestWith('acme/files\nx', '1.0.0'),
    status: 400,
    code: 'REG_ERR_INVALID_NAME',
  },
  {
    title: 'refuses version 1.2',
    parts: manifestWith('acme/new', '1.2'),
    status: 400,
    code: 'REG_ERR_INVALID_VERSION',
  },
  {
    title: 'refuses version v1.2.3',
    parts: manifestWith('acme/new', 'v1.2.3'),
    status: 400,
    code: 'REG_ERR_INVALID_VERSION',
  },
  {
    title: 'refuses the range ^1.2.3 as a version',
    parts: manifestWith('acme/new', '^1.2.3'),
    status: 400,
    code: 'REG_ERR_INVALID_VERSION',
  },
  {
    title: 'refuses bytes that do not match the declared digest (substitution)',
    parts: () => {
      const bundle = makeBundle('real');
      const manifest = makeManifest('acme/new', '1.0.0', bundle);
      manifest.bundle.digest = sha256Digest(makeBundle('other'));
      return publishParts(manifest, bundle);
    },
    status: 400,
    code: 'REG_ERR_DIGEST_MISMATCH',
  },
  {
    title: 'refuses bytes shorter than the declared size',
    parts: () => {
      const bundle = makeBundle('real');
      const manifest = makeManifest('acme/new', '1.0.0', bundle);
      manifest.bundle.size += 1;
      return publishParts(manifest, bundle);
    },
    status: 400,
    code: 'REG_ERR_DIGEST_MISMATCH',
  },
  {
    title: 'refuses bytes longer than the declared size',
    parts: () => {
      const bundle = makeBundle('real');
      const manifest = makeManifest('acme/new', '1.0.0', bundle);
      manifest.bundle.size -= 1;
      return publishParts(manifest, bundle);
    },
    status: 400,
    code: 'REG_ERR_DIGEST_MISMATCH',
  },
  {
    title: 'refuses a bundle that is not gzip',
    parts: () => {
      const bundle = Buffer.from('#!/bin/sh\nrm -rf /\n');
      return publishParts(makeManifest('acme/new', '1.0.0', bundle), bundle);
    },
    status: 400,
    code: 'REG_ERR_NOT_GZIP',
  },
  {
    title: 'refuses a publish without a bundle part',
    parts: () => validParts().slice(0, 1),
    status: 400,
    code: 'REG_ERR_MISSING_PART',
  },
  {
    title: 'refuses a bundle sent before its manifest',
    parts: () => validParts().reverse(),
    status: 400,
    code: 'REG_ERR_MISSING_PART',
  },
  {
    title: 'refuses a duplicate bundle part (smuggling a second body)',
    parts: () => {
      const parts = validParts();
      return [...parts, { ...parts[1]!, value: makeBundle('smuggled') }];
    },
    status: 400,
    code: 'REG_ERR_UNEXPECTED_PART',
  },
  {
    title: 'refuses a snapshot the manifest does not declare',
    parts: () => [...validParts(), { name: 'snapshot', value: Buffer.from('{}'), filename: 's.json' }],
    status: 400,
    code: 'REG_ERR_UNEXPECTED_PART',
  },
  {
    title: 'refuses an unknown part',
    parts: () => [...validParts(), { name: 'payload', value: Buffer.from('x'), filename: 'x' }],
    status: 400,
    code: 'REG_ERR_UNEXPECTED_PART',
  },
  {
    title: 'refuses a __proto__ part name (prototype pollution)',
    parts: () => [validParts()[0]!, { name: '__proto__', value: Buffer.from('polluted'), filename: 'x' }],
    status: 400,
    code: 'REG_ERR_INVALID_MULTIPART',
  },
  {
    title: 'refuses a second manifest field',
    parts: () => [...validParts().slice(0, 1), { name: 'manifest', value: '{}' }],
    status: 400,
    code: 'REG_ERR_UNEXPECTED_PART',
  },
  {
    title: 'refuses more parts than a publish can have (part flooding)',
    parts: () => [
      ...validParts(),
      ...Array.from({ length: 6 }, (_, i) => ({ name: `x${i}`, value: Buffer.from('x'), filename: 'x' })),
    ],
    status: 400,
    code: 'REG_ERR_UNEXPECTED_PART',
  },
  {
    title: 'refuses an expired token',
    parts: validParts,
    token: async (fx) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(claims({ iat: now - 600, exp: now - 300 }))
        .setProtectedHeader({ alg: 'EdDSA' })
        .sign(fx.privateKey);
    },
    status: 401,
    code: 'REG_ERR_TOKEN_EXPIRED',
  },
  {
    title: 'refuses a token without exp (never-expiring credential)',
    parts: validParts,
    token: async (fx) => {
      const { exp: _exp, ...rest } = claims();
      return new SignJWT(rest).setProtectedHeader({ alg: 'EdDSA' }).sign(fx.privateKey);
    },
    status: 401,
    code: 'REG_ERR_TOKEN_INVALID',
  },
  {
    title: 'refuses a token valid for longer than the maximum lifetime',
    parts: validParts,
    token: async (fx) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT(claims({ exp: now + 30 * 24 * 3600 }))
        .setProtectedHeader({ alg: 'EdDSA' })
        .sign(fx.privateKey);
    },
    status: 401,
    code: 'REG_ERR_TOKEN_INVALID',
  },
  {
    title: 'refuses a forged token signed by another key',
    parts: validParts,
    token: async () => {
      const other = await generateKeyPair('EdDSA');
      return new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA' }).sign(other.privateKey);
    },
    status: 401,
    code: 'REG_ERR_TOKEN_INVALID',
  },
  {
    title: 'refuses an alg:none token (signature bypass)',
    parts: validParts,
    token: async () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`,
    status: 401,
    code: 'REG_ERR_TOKEN_INVALID',
  },
  {
    title: 'refuses an HS256 token keyed with the public key (algorithm confusion)',
    parts: validParts,
    token: async (fx) => {
      const jwk = await exportJWK(fx.publicKey);
      const secret = new TextEncoder().encode(JSON.stringify(jwk));
      return new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(secret);
    },
    status: 401,
    code: 'REG_ERR_TOKEN_INVALID',
  },
  {
    title: 'refuses a token from another issuer',
    parts: validParts,
    token: async (fx) =>
      new SignJWT(claims({ iss: 'https://evil.test' }))
        .setProtectedHeader({ alg: 'EdDSA' })
        .sign(fx.privateKey),
    status: 401,
    code: 'REG_ERR_TOKEN_INVALID',
  },
  {
    title: 'refuses a token with only the read scope (privilege escalation)',
    parts: validParts,
    token: (fx) => fx.token({ scope: ['registry:read'] }),
    status: 403,
    code: 'REG_ERR_FORBIDDEN',
  },
  {
    title: 'refuses a hub:* token for a registry publish (scope confusion)',
    parts: validParts,
    token: (fx) => fx.token({ scope: ['hub:*'] }),
    status: 403,
    code: 'REG_ERR_FORBIDDEN',
  },
  {
    title: 'refuses a publish outside the token resources (cross-org publish)',
    parts: validParts,
    token: (fx) => fx.token({ resource: ['other/*', 'acme/files'] }),
    status: 403,
    code: 'REG_ERR_FORBIDDEN',
  },
  {
    title: 'refuses a publish without a token',
    parts: validParts,
    token: async () => null,
    status: 401,
    code: 'REG_ERR_TOKEN_MISSING',
  },
  {
    title: 'refuses a malformed Authorization header',
    parts: validParts,
    token: async () => 'not a jwt',
    status: 401,
    code: 'REG_ERR_TOKEN_INVALID',
  },
];

describe('hostile publishes leave no trace', () => {
  let fx: RegistryFixture;
  let before: unknown;

  beforeAll(async () => {
    fx = await createRegistryFixture({ limits: LIMITS });
    const bundle = makeBundle('seed');
    const seeded = await publish(fx, publishParts(makeManifest('acme/files', '1.0.0', bundle), bundle));
    expect(seeded.statusCode).toBe(201);
    before = await observableState(fx, WATCHED);
  });
  afterAll(async () => {
    await fx?.close();
  });

  for (const attack of attacks) {
    it(attack.title, async () => {
      const token = attack.token ? await attack.token(fx) : undefined;
      const response = await publish(fx, attack.parts(), token);
      expect(response.body).toEqual({
        code: attack.code,
        message: expect.any(String),
        statusCode: attack.status,
      });
      expect(response.statusCode).toBe(attack.status);
      expect(await observableState(fx, WATCHED)).toEqual(before);
    });
  }

  it('refuses a non-multipart publish body', async () => {
    const response = await fx.app.inject({
      method: 'POST',
      url: '/v1/publish',
      payload: { manifest: {} },
      headers: { authorization: `Bearer ${await fx.token()}` },
    });
    expect(response.json()).toMatchObject({ code: 'REG_ERR_UNSUPPORTED_MEDIA_TYPE', statusCode: 415 });
    expect(await observableState(fx, WATCHED)).toEqual(before);
  });

  it('refuses a multipart content type without a boundary', async () => {
    const response = await fx.app.inject({
      method: 'POST',
      url: '/v1/publish',
      payload: Buffer.from('whatever'),
      headers: { 'content-type': 'multipart/form-data', authorization: `Bearer ${await fx.token()}` },
    });
    expect(response.json()).toMatchObject({ code: 'REG_ERR_INVALID_MULTIPART', statusCode: 400 });
    expect(await observableState(fx, WATCHED)).toEqual(before);
  });

  it('refuses an oversized manifest sent as a file part (memory exhaustion)', async () => {
    const bundle = makeBundle();
    const manifest = { ...makeManifest('acme/new', '1.0.0', bundle), description: 'y'.repeat(200_000) };
    const response = await publish(fx, [
      { name: 'manifest', value: JSON.stringify(manifest), filename: 'manifest.json' },
      { name: 'bundle', value: bundle, filename: 'b.tgz' },
    ]);
    expect(response.body).toMatchObject({ code: 'REG_ERR_MANIFEST_TOO_LARGE', statusCode: 413 });
    expect(await observableState(fx, WATCHED)).toEqual(before);
  });

  // @fastify/multipart drops a JSON-typed field it cannot parse, so the bundle then arrives first.
  it('refuses a malformed manifest sent as a JSON-typed field', async () => {
    const bundle = makeBundle();
    const response = await publish(fx, [
      { name: 'manifest', value: '{"schemaVersion": 1,,}', contentType: 'application/json' },
      { name: 'bundle', value: bundle, filename: 'b.tgz' },
    ]);
    expect(response.body).toMatchObject({ code: 'REG_ERR_MISSING_PART', statusCode: 400 });
    expect(await observableState(fx, WATCHED)).toEqual(before);
  });

  it('refuses a body that is not valid multipart', async () => {
    const response = await fx.app.inject({
      method: 'POST',
      url: '/v1/publish',
      payload: Buffer.from('--nope\r\ngarbage without headers'),
      headers: {
        'content-type': 'multipart/form-data; boundary=nope',
        authorization: `Bearer ${await fx.token()}`,
      },
    });
    expect(response.json()).toMatchObject({ code: 'REG_ERR_INVALID_MULTIPART', statusCode: 400 });
    expect(await observableState(fx, WATCHED)).toEqual(before);
  });

  it('hangs up on a client that keeps a refused upload open (connection exhaustion)', async () => {
    const { port } = new URL(await listening(fx));
    const bundle = makeBundle('never sent');
    const { body, contentType } = buildMultipart(
      publishParts(makeManifest('other/x', '1.0.0', bundle), bundle),
    );
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
    });
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    socket.write(
      `POST /v1/publish HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${await fx.token()}\r\n` +
        `Content-Type: ${contentType}\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n`,
    );
    // The manifest (refused: other org) and a little of the body, then silence, never ending the body.
    socket.write(body.subarray(0, body.length - 10));
    const started = Date.now();
    const closedAt = await Promise.race([closed, sleep(15_000).then(() => Number.NaN)]);
    socket.destroy();
    expect(answer).toContain('REG_ERR_FORBIDDEN');
    expect(closedAt - started).toBeLessThan(10_000);
  });

  it('refuses more concurrent uploads than allowed, and frees the slots afterwards (disk exhaustion)', async () => {
    const limited = await createRegistryFixture({ limits: { ...LIMITS, maxConcurrentPublishes: 1 } });
    try {
      const { port } = new URL(await limited.app.listen({ port: 0, host: '127.0.0.1' }));
      const bundle = makeBundle('slow upload');
      const { body, contentType } = buildMultipart(
        publishParts(makeManifest('acme/slow', '1.0.0', bundle), bundle),
      );
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(
        `POST /v1/publish HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${await limited.token()}\r\n` +
          `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      socket.write(body.subarray(0, 100));
      await sleep(200);
      const second = await publish(limited, validParts('acme/other'));
      expect(second.body).toMatchObject({ code: 'REG_ERR_TOO_MANY_PUBLISHES', statusCode: 429 });
      socket.write(body.subarray(100));
      await eventually(async () => {
        const third = await publish(limited, validParts('acme/third'));
        expect(third.statusCode).toBe(201);
      });
      socket.destroy();
    } finally {
      await limited.close();
    }
  });

  it('cleans up after a truncated upload (client disconnects mid-body)', async () => {
    const { port } = new URL(await listening(fx));
    const bundle = makeBundle(incompressibleText(48 * 1024));
    const { body, contentType } = buildMultipart(
      publishParts(makeManifest('acme/new', '1.0.0', bundle), bundle),
    );
    const token = await fx.token();
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST /v1/publish HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    // Send the manifest and most of the bundle, give the server time to stage it, then vanish.
    socket.write(body.subarray(0, body.length - 4096));
    await sleep(300);
    socket.destroy();
    await eventually(async () => expect(await observableState(fx, WATCHED)).toEqual(before));
  });

  it('cleans up after a truncated chunked upload (no Content-Length)', async () => {
    const address = await listening(fx);
    const bundle = makeBundle(incompressibleText(48 * 1024));
    const { body, contentType } = buildMultipart(
      publishParts(makeManifest('acme/new', '1.0.0', bundle), bundle),
    );
    const req = httpRequest(`${address}/v1/publish`, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${await fx.token()}` },
    });
    req.on('error', () => {});
    req.write(body.subarray(0, body.length / 2));
    await sleep(300);
    req.destroy();
    await eventually(async () => expect(await observableState(fx, WATCHED)).toEqual(before));
  });
});

/** The fixture's app listening on a random loopback port (started once). */
async function listening(fx: RegistryFixture): Promise<string> {
  const address = fx.app.server.address();
  if (fx.app.server.listening && address && typeof address === 'object')
    return `http://127.0.0.1:${address.port}`;
  return fx.app.listen({ port: 0, host: '127.0.0.1' });
}

async function eventually(assertion: () => Promise<void>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}
