import { afterEach, describe, expect, it } from 'vitest';
import type { StatusChange } from './context.js';
import { sha256Digest } from './digest.js';
import {
  createRegistryFixture,
  makeBundle,
  makeManifest,
  publish,
  publishParts,
  type RegistryFixture,
} from './registry.fixture.js';

describe('onStatusChange hook', () => {
  let fx: RegistryFixture;
  afterEach(async () => {
    await fx?.close();
  });

  const setup = async (hook: (c: StatusChange) => Promise<void> | void) => {
    fx = await createRegistryFixture({ onStatusChange: hook });
    const bundle = makeBundle('acme/files@1.0.0');
    const res = await publish(
      fx,
      publishParts(makeManifest('acme/files', '1.0.0', bundle), bundle),
      await fx.token({ resource: ['*'] }),
    );
    expect(res.statusCode).toBe(201);
    return { bundle, manifestDigest: res.body.digest as string };
  };
  const patch = async (body: object) =>
    fx.app.inject({
      method: 'PATCH',
      url: '/v1/packages/acme/files/1.0.0/status',
      payload: body,
      headers: {
        authorization: `Bearer ${await fx.token({ scope: ['registry:admin'], resource: ['acme/*'] })}`,
      },
    });

  it('is told of a committed change with both digests; a refused change calls nothing', async () => {
    const changes: StatusChange[] = [];
    const { bundle, manifestDigest } = await setup((c) => {
      changes.push(c);
    });
    expect((await patch({ status: 'revoked' })).statusCode).toBe(400); // a reason is required
    expect(changes).toEqual([]);
    expect((await patch({ status: 'revoked', reason: 'stolen key' })).statusCode).toBe(200);
    expect(changes).toEqual([
      expect.objectContaining({
        name: 'acme/files',
        version: '1.0.0',
        from: 'active',
        to: 'revoked',
        reason: 'stolen key',
        digest: manifestDigest,
        bundleDigest: sha256Digest(bundle),
      }),
    ]);
  });

  it('a failing hook does not undo the change', async () => {
    await setup(() => {
      throw new Error('broker down');
    });
    const res = await patch({ status: 'deprecated' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('deprecated');
  });
});
