import { createHash, type Hash } from 'node:crypto';
import { RegistryError } from './errors.js';

/** A content digest as used everywhere in the registry: `sha256:<64 lowercase hex>`. */
export type Digest = `sha256:${string}`;

const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && DIGEST_PATTERN.test(value);
}

export function assertDigest(value: unknown): Digest {
  if (!isDigest(value)) throw new RegistryError('REG_ERR_INVALID_DIGEST');
  return value;
}

export function sha256Digest(bytes: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

/** The RFC 3230 / RFC 9530-style `Digest` header value: `sha-256=<base64 of the raw hash>`. */
export function digestHeaderValue(digest: Digest): string {
  return `sha-256=${Buffer.from(digestHex(digest), 'hex').toString('base64')}`;
}

/** The key a blob lives under in the content-addressed store. */
export function casKey(digest: Digest): string {
  return `sha256/${digestHex(digest)}`;
}

export function digestFromHash(hash: Hash): Digest {
  return `sha256:${hash.digest('hex')}`;
}
