import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pae, signEnvelope, verifyEnvelope } from './dsse.js';
import { buildStatement, type CertificationPredicate, signStatement, verifyAttestation } from './in-toto.js';

function keypair(kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA' };
  return { privateKey, jwks: { keys: [jwk] } };
}

const predicate: CertificationPredicate = {
  scanner: { name: 'mcphub-scanner', version: '0.1.0' },
  scoringVersion: 'test',
  score: { global: 91, security: 95, supplyChain: 90, maturity: 80 },
  level: 2,
  levelName: 'Security Certified',
  controls: [{ id: 'MCPH-C01', passed: true }],
  toolsDigest: null,
  runtimeCheck: null,
  reportDigest: 'sha256:aa',
  sbomDigest: null,
  source: { digest: 'sha256:bb' },
  package: { name: 'acme/files', version: '1.0.0' },
};
const bundle = `sha256:${'c'.repeat(64)}`;

describe('DSSE + in-toto attestations', () => {
  it('encodes PAE exactly as the DSSE spec example', () => {
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });

  it('signs deterministically and verifies with the JWKS, binding the bundle digest', () => {
    const { privateKey, jwks } = keypair('k1');
    const a = signStatement(buildStatement(bundle, predicate), privateKey, 'k1');
    const b = signStatement(buildStatement(bundle, predicate), privateKey, 'k1');
    expect(a).toEqual(b);
    const v = verifyAttestation(a, jwks, bundle);
    expect(v.statement.predicate.level).toBe(2);
    expect(v.statement.subject[0]!.digest.sha256).toBe('c'.repeat(64));
  });

  it('refuses a tampered payload (a level raised after signing)', () => {
    const { privateKey, jwks } = keypair('k1');
    const env = signStatement(buildStatement(bundle, predicate), privateKey, 'k1');
    const forged = JSON.parse(Buffer.from(env.payload, 'base64').toString());
    forged.predicate.level = 3;
    env.payload = Buffer.from(JSON.stringify(forged)).toString('base64');
    expect(() => verifyAttestation(env, jwks)).toThrow(/no signature verifies/);
  });

  it('refuses a signature by a key that is not in the JWKS (forged attestation)', () => {
    const trusted = keypair('k1');
    const attacker = keypair('k1');
    const env = signStatement(buildStatement(bundle, predicate), attacker.privateKey, 'k1');
    expect(() => verifyAttestation(env, trusted.jwks)).toThrow(/no signature verifies/);
  });

  it('refuses an attestation replayed onto another bundle', () => {
    const { privateKey, jwks } = keypair('k1');
    const env = signStatement(buildStatement(bundle, predicate), privateKey, 'k1');
    expect(() => verifyAttestation(env, jwks, `sha256:${'d'.repeat(64)}`)).toThrow(/another bundle/);
  });

  it('refuses envelopes of the wrong shape and payload type', () => {
    const { privateKey, jwks } = keypair('k1');
    expect(() => verifyEnvelope({ nope: 1 }, jwks)).toThrow(/not a DSSE envelope/);
    const other = signEnvelope(Buffer.from('{}'), 'text/plain', privateKey, 'k1');
    expect(() => verifyAttestation(other, jwks)).toThrow(/payload type/);
  });
});
