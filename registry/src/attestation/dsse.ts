import { createPublicKey, KeyObject, sign, verify, type webcrypto } from 'node:crypto';
import type { JWK } from 'jose';

/**
 * DSSE (Dead Simple Signing Envelope) v1 with Ed25519, as used for in-toto attestations.
 * The signature covers PAE(payloadType, payload), never the JSON around it.
 */
export interface DsseSignature {
  keyid: string;
  sig: string;
}

export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: DsseSignature[];
}

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';

/** Pre-Authentication Encoding: "DSSEv1" SP len(type) SP type SP len(body) SP body. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'utf8'),
    type,
    Buffer.from(` ${payload.length} `, 'utf8'),
    payload,
  ]);
}

type PrivateKey = KeyObject | webcrypto.CryptoKey;

const toKeyObject = (key: PrivateKey): KeyObject => (key instanceof KeyObject ? key : KeyObject.from(key));

/** Signs `payload` (bytes) into a DSSE envelope. Ed25519 signatures are deterministic. */
export function signEnvelope(
  payload: Buffer,
  payloadType: string,
  key: PrivateKey,
  keyid: string,
): DsseEnvelope {
  const sig = sign(null, pae(payloadType, payload), toKeyObject(key));
  return {
    payloadType,
    payload: payload.toString('base64'),
    signatures: [{ keyid, sig: sig.toString('base64') }],
  };
}

export interface VerifiedEnvelope<T> {
  keyid: string;
  payloadType: string;
  payload: T;
}

export class AttestationError extends Error {
  readonly code: 'REG_ERR_ATTESTATION_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'AttestationError';
    this.code = 'REG_ERR_ATTESTATION_INVALID';
  }
}

/**
 * Verifies an envelope against a JWKS (Ed25519 keys). At least one signature must verify with the
 * key its `keyid` names; the payload is then parsed as JSON. Throws AttestationError otherwise.
 */
export function verifyEnvelope<T = unknown>(envelope: unknown, jwks: { keys: JWK[] }): VerifiedEnvelope<T> {
  const env = envelope as Partial<DsseEnvelope> | null;
  if (
    !env ||
    typeof env.payloadType !== 'string' ||
    typeof env.payload !== 'string' ||
    !Array.isArray(env.signatures)
  ) {
    throw new AttestationError('not a DSSE envelope');
  }
  const payload = Buffer.from(env.payload, 'base64');
  const message = pae(env.payloadType, payload);
  for (const s of env.signatures) {
    const jwk = jwks.keys.find((k) => k.kid === s?.keyid && k.kty === 'OKP' && k.crv === 'Ed25519');
    if (!jwk || typeof s.sig !== 'string') continue;
    const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: String(jwk.x) }, format: 'jwk' });
    if (verify(null, message, pub, Buffer.from(s.sig, 'base64'))) {
      let parsed: T;
      try {
        parsed = JSON.parse(payload.toString('utf8')) as T;
      } catch {
        throw new AttestationError('the signed payload is not JSON');
      }
      return { keyid: s.keyid, payloadType: env.payloadType, payload: parsed };
    }
  }
  throw new AttestationError('no signature verifies with a trusted key');
}
