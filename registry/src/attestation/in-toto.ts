import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import { canonicalJson } from '../canonical-json.js';
import {
  AttestationError,
  type DsseEnvelope,
  IN_TOTO_PAYLOAD_TYPE,
  signEnvelope,
  verifyEnvelope,
} from './dsse.js';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const MCPHUB_PREDICATE_TYPE = 'https://mcphub.dev/attestation/certification/v1';

/** What the hub certifies about one bundle. */
export interface CertificationPredicate {
  scanner: { name: string; version: string };
  scoringVersion: string;
  score: { global: number; security: number; supplyChain: number; maturity: number };
  level: number;
  levelName: string;
  controls: { id: string; passed: boolean }[];
  /** Canonical SHA-256 of the server's tools/list answer seen by the runtime check, or null. */
  toolsDigest: string | null;
  runtimeCheck: { passed: boolean; reason?: string; isolation?: Record<string, unknown> } | null;
  reportDigest: string;
  sbomDigest: string | null;
  source: { digest: string; git?: { url: string; commit: string } };
  package: { name: string; version: string };
}

export interface Statement<P = CertificationPredicate> {
  _type: typeof STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: string;
  predicate: P;
}

/** Builds the in-toto Statement v1 whose subject is the bundle, as canonical JSON bytes. */
export function buildStatement(bundleDigest: string, predicate: CertificationPredicate): Buffer {
  const hex = bundleDigest.replace(/^sha256:/, '');
  const statement: Statement = {
    _type: STATEMENT_TYPE,
    subject: [{ name: `${predicate.package.name}@${predicate.package.version}`, digest: { sha256: hex } }],
    predicateType: MCPHUB_PREDICATE_TYPE,
    predicate,
  };
  return Buffer.from(canonicalJson(statement), 'utf8');
}

export function signStatement(
  statement: Buffer,
  key: Parameters<typeof signEnvelope>[2],
  keyid: string,
): DsseEnvelope {
  return signEnvelope(statement, IN_TOTO_PAYLOAD_TYPE, key, keyid);
}

export interface VerifiedAttestation {
  keyid: string;
  statement: Statement;
}

/**
 * Verifies a DSSE attestation against a JWKS and, when given, that its subject is `bundleDigest`.
 * Throws AttestationError naming what did not hold.
 */
export function verifyAttestation(
  envelope: unknown,
  jwks: { keys: JWK[] },
  bundleDigest?: string,
): VerifiedAttestation {
  const { keyid, payloadType, payload } = verifyEnvelope<Statement>(envelope, jwks);
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE)
    throw new AttestationError(`unexpected payload type ${payloadType}`);
  if (payload?._type !== STATEMENT_TYPE || !Array.isArray(payload.subject))
    throw new AttestationError('not an in-toto Statement v1');
  if (bundleDigest) {
    const hex = bundleDigest.replace(/^sha256:/, '');
    if (!payload.subject.some((s) => s?.digest?.sha256 === hex)) {
      throw new AttestationError(`the attestation is for another bundle (expected sha256:${hex})`);
    }
  }
  return { keyid, statement: payload };
}

export const sha256Hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
