import { createHash, randomBytes, timingSafeEqual, type webcrypto } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

type CryptoKey = webcrypto.CryptoKey;

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface Jwks {
  keys: JWK[];
}

const SIGNING_KEY_FILE = 'hub-signing-key.jwk';
export const ADMIN_TOKEN_FILE = 'admin-token';

export function keysDir(home: string): string {
  const dir = join(home, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Writes `content` to a new file readable only by its owner. `wx` makes creation atomic: if two
 * processes start at once, one wins and the other reads the winner's file.
 */
function writeSecretOnce(file: string, content: string): boolean {
  try {
    writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Loads the hub's Ed25519 signing key from `$MCPHUB_HOME/keys`, creating it (mode 0600) on first start. */
export async function loadOrCreateSigningKey(home: string): Promise<SigningKey> {
  const file = join(keysDir(home), SIGNING_KEY_FILE);
  let jwk: JWK;
  try {
    jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    jwk = await exportJWK(privateKey);
    jwk.kid = await calculateJwkThumbprint(jwk);
    if (!writeSecretOnce(file, `${JSON.stringify(jwk)}\n`))
      jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  }
  const kid = jwk.kid ?? (await calculateJwkThumbprint(jwk));
  const privateKey = (await importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA')) as CryptoKey;
  const { d: _private, ...pub } = jwk;
  return { kid, privateKey, publicJwk: { ...pub, kid, alg: 'EdDSA', use: 'sig' } };
}

export function jwksOf(...keys: SigningKey[]): Jwks {
  return { keys: keys.map((k) => k.publicJwk) };
}

export const hashToken = (secret: string) => createHash('sha256').update(secret).digest('hex');

export function newTokenSecret(): string {
  return `mch_${randomBytes(32).toString('base64url')}`;
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Reads the admin token file, or creates it (mode 0600) on first start; returns the secret and its path. */
export function loadOrCreateAdminToken(home: string): { secret: string; file: string; created: boolean } {
  const file = join(keysDir(home), ADMIN_TOKEN_FILE);
  const created = writeSecretOnce(file, `${newTokenSecret()}\n`);
  return { secret: readFileSync(file, 'utf8').trim(), file, created };
}
