import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casKey, sha256Digest } from './digest.js';
import {
  createRegistryFixture,
  makeBundle,
  makeManifest,
  publish,
  publishParts,
  type RegistryFixture,
} from './registry.fixture.js';
import { VerifyingStream } from './verifying-stream.js';

describe('VerifyingStream', () => {
  it('passes matching bytes through unchanged', async () => {
    const data = [Buffer.from('abc'), Buffer.from('def'), Buffer.from('ghi')];
    const out: Buffer[] = [];
    await pipeline(
      Readable.from(data),
      new VerifyingStream({ digest: sha256Digest('abcdefghi'), size: 9 }),
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) out.push(chunk);
      },
    );
    expect(Buffer.concat(out).toString()).toBe('abcdefghi');
  });

  it('withholds the last chunk of bytes that do not match', async () => {
    const out: Buffer[] = [];
    const run = pipeline(
      Readable.from([Buffer.from('abc'), Buffer.from('xyz')]),
      new VerifyingStream({ digest: sha256Digest('abcdef'), size: 6 }),
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) out.push(chunk);
      },
    );
    await expect(run).rejects.toMatchObject({ code: 'REG_ERR_INTERNAL' });
    expect(Buffer.concat(out).toString()).not.toContain('xyz');
  });
});

async function fetchOutcome(
  url: string,
): Promise<{ status: number; received: number; declared: number; complete: boolean }> {
  return new Promise((resolve) => {
    get(url, (response) => {
      let received = 0;
      const declared = Number(response.headers['content-length']);
      const status = response.statusCode ?? 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
      });
      response.on('error', () => resolve({ status, received, declared, complete: false }));
      response.on('aborted', () => resolve({ status, received, declared, complete: false }));
      response.on('end', () => resolve({ status, received, declared, complete: received === declared }));
    }).on('error', () => resolve({ status: 0, received: 0, declared: 0, complete: false }));
  });
}

describe('serving a blob corrupted at rest (bit rot, tampered disk)', () => {
  let fx: RegistryFixture;
  let baseUrl: string;
  const small = makeBundle('small');
  const large = makeBundle(randomBytes(1024 * 1024).toString('base64'));

  async function publishAndCorrupt(name: string, bundle: Buffer) {
    expect((await publish(fx, publishParts(makeManifest(name, '1.0.0', bundle), bundle))).statusCode).toBe(
      201,
    );
    const corrupted = Buffer.from(bundle);
    corrupted[corrupted.length - 1] = (corrupted[corrupted.length - 1] ?? 0) ^ 0xff;
    await writeFile(path.join(fx.root, 'artifacts', casKey(sha256Digest(bundle))), corrupted);
  }

  beforeAll(async () => {
    fx = await createRegistryFixture();
    await publishAndCorrupt('acme/small', small);
    await publishAndCorrupt('acme/large', large);
    baseUrl = await fx.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('answers REG_ERR_INTERNAL when the corruption is detected before the headers are sent', async () => {
    const response = await fx.app.inject({ method: 'GET', url: '/v1/download/acme/small/1.0.0' });
    expect(response.json()).toMatchObject({ code: 'REG_ERR_INTERNAL', statusCode: 500 });
    expect(response.headers.etag).toBeUndefined();
  });

  it('cuts the response short when the corruption is detected mid-stream', async () => {
    const outcome = await fetchOutcome(`${baseUrl}/v1/download/acme/large/1.0.0`);
    expect(outcome.status).toBe(200);
    expect(outcome.complete).toBe(false);
    expect(outcome.received).toBeLessThan(large.length);
  });
});
