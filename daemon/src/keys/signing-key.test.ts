import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateAdminToken, loadOrCreateSigningKey } from './signing-key.js';

describe('hub keys', () => {
  it('creates the Ed25519 signing key once, mode 0600, and reloads the same key', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mcphub-keys-'));
    const first = await loadOrCreateSigningKey(home);
    const second = await loadOrCreateSigningKey(home);
    expect(second.kid).toBe(first.kid);
    expect(first.publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid: first.kid });
    expect(first.publicJwk).not.toHaveProperty('d'); // the private part never leaves the key file
    expect(statSync(join(home, 'keys', 'hub-signing-key.jwk')).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'keys')).mode & 0o777).toBe(0o700);
  });

  it('creates the admin token once, mode 0600', () => {
    const home = mkdtempSync(join(tmpdir(), 'mcphub-keys-'));
    const a = loadOrCreateAdminToken(home);
    const b = loadOrCreateAdminToken(home);
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.secret).toBe(a.secret);
    expect(a.secret).toMatch(/^mch_[A-Za-z0-9_-]{43}$/);
    expect(statSync(a.file).mode & 0o777).toBe(0o600);
  });
});
