import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyRegistryToken } from '@mcphub/registry';
import { createLocalJWKSet } from 'jose';
import { describe, expect, it } from 'vitest';
import { migrateTo, openMemoryDatabase } from '../db/database.js';
import { hubMigrations } from '../db/migrations/index.js';
import { jwksOf, loadOrCreateAdminToken, loadOrCreateSigningKey } from '../keys/signing-key.js';
import {
  authenticate,
  ensureAdminToken,
  issueRegistryToken,
  parseTtl,
  TOKEN_ISSUER,
} from './token-service.js';

const home = () => mkdtempSync(join(tmpdir(), 'mcphub-tok-'));

describe('registry tokens issued by the hub', () => {
  it('mints an EdDSA token the registry accepts, with the requested scope and resources', async () => {
    const key = await loadOrCreateSigningKey(home());
    const { token } = await issueRegistryToken(
      key,
      { sub: 'ci', scope: ['registry:publish'], resource: ['acme/*'], ttlSeconds: 600 },
      3600,
    );
    const principal = await verifyRegistryToken(token, {
      getKey: createLocalJWKSet(jwksOf(key)),
      issuer: TOKEN_ISSUER,
    });
    expect(principal).toMatchObject({ sub: 'ci' });
    expect(JSON.stringify(principal)).toContain('acme/*');
  });

  it.each([
    [{ scope: ['registry:root'] }, 'HUB_ERR_VALIDATION'],
    [{ scope: [] }, 'HUB_ERR_VALIDATION'],
    [{ resource: ['ACME/*'] }, 'HUB_ERR_VALIDATION'],
    [{ resource: ['acme/../x'] }, 'HUB_ERR_VALIDATION'],
    [{ resource: ['acme'] }, 'HUB_ERR_VALIDATION'],
    [{ ttlSeconds: 0 }, 'HUB_ERR_TOKEN_TTL'],
    [{ ttlSeconds: 3601 }, 'HUB_ERR_TOKEN_TTL'],
  ])('refuses %j', async (override, code) => {
    const key = await loadOrCreateSigningKey(home());
    const req = { sub: 'x', scope: ['registry:read'], resource: ['acme/*'], ttlSeconds: 60, ...override };
    await expect(issueRegistryToken(key, req, 3600)).rejects.toMatchObject({ code });
  });

  it('reads lifetimes like 15m, 1h, 7d', () => {
    expect([parseTtl('30'), parseTtl('15m'), parseTtl('1h'), parseTtl('7d')]).toEqual([
      30, 900, 3600, 604800,
    ]);
    expect(() => parseTtl('1w')).toThrow(/1w/);
  });
});

describe('hub API tokens', () => {
  it('accepts the admin token, refuses unknown or malformed bearer values', async () => {
    const db = openMemoryDatabase();
    await migrateTo(db, 'hub_migrations', hubMigrations);
    const h = home();
    await ensureAdminToken(db, h);
    const { secret } = loadOrCreateAdminToken(h);
    expect(await authenticate(db, `Bearer ${secret}`)).toMatchObject({
      id: 'admin',
      scopes: ['hub:*', 'registry:admin'],
    });
    expect(await authenticate(db, `Bearer ${secret}x`)).toBeNull();
    expect(await authenticate(db, secret)).toBeNull();
    expect(await authenticate(db, undefined)).toBeNull();
    await db.destroy();
  });
});
