import { describe, expect, it } from 'vitest';
import { sha256Digest } from './digest.js';
import { canonicalManifestBytes, type Manifest, manifestDigest, parseManifest } from './manifest.js';

const base: Manifest = {
  schemaVersion: 1,
  name: 'acme/files',
  version: '1.2.3',
  runtime: { type: 'node', entrypoint: 'dist/index.js' },
  bundle: { mediaType: 'application/gzip', digest: `sha256:${'a'.repeat(64)}`, size: 10 },
};

function withField(patch: Record<string, unknown>): unknown {
  return { ...base, ...patch };
}

describe('manifest', () => {
  it('accepts a minimal valid manifest', () => {
    expect(parseManifest(JSON.stringify(base))).toEqual(base);
  });

  it('digests the RFC 8785 canonical form, independent of key order and whitespace', () => {
    const reordered = JSON.parse(
      `{"version":"1.2.3","bundle":{"size":10,"digest":"sha256:${'a'.repeat(64)}","mediaType":"application/gzip"},` +
        `"runtime":{"entrypoint":"dist/index.js","type":"node"},"name":"acme/files","schemaVersion":1}`,
    );
    expect(manifestDigest(parseManifest(reordered))).toBe(manifestDigest(base));
    const canonical = canonicalManifestBytes(base).toString();
    expect(canonical.startsWith('{"bundle":{"digest":')).toBe(true);
    expect(manifestDigest(base)).toBe(sha256Digest(canonical));
  });

  const invalid: [string, unknown, string][] = [
    ['malformed JSON', '{"schemaVersion":1,', 'REG_ERR_INVALID_MANIFEST'],
    ['an unknown top-level field', withField({ extra: true }), 'REG_ERR_INVALID_MANIFEST'],
    [
      'a __proto__ key (prototype pollution)',
      JSON.parse(`{"__proto__":{"x":1}}`),
      'REG_ERR_INVALID_MANIFEST',
    ],
    ['schemaVersion 2', withField({ schemaVersion: 2 }), 'REG_ERR_INVALID_MANIFEST'],
    ['an uppercase name', withField({ name: 'Acme/files' }), 'REG_ERR_INVALID_NAME'],
    ['a name with ..', withField({ name: 'acme/fi..les' }), 'REG_ERR_INVALID_NAME'],
    ['a name with two slashes', withField({ name: 'acme/files/x' }), 'REG_ERR_INVALID_NAME'],
    ['a name with a control char', withField({ name: 'acme/fi\u0001les' }), 'REG_ERR_INVALID_NAME'],
    ['version 1.2', withField({ version: '1.2' }), 'REG_ERR_INVALID_VERSION'],
    ['version v1.2.3', withField({ version: 'v1.2.3' }), 'REG_ERR_INVALID_VERSION'],
    ['version ^1.2.3', withField({ version: '^1.2.3' }), 'REG_ERR_INVALID_VERSION'],
    ['version 01.2.3', withField({ version: '01.2.3' }), 'REG_ERR_INVALID_VERSION'],
    [
      'an absolute entrypoint',
      withField({ runtime: { type: 'node', entrypoint: '/etc/passwd' } }),
      'REG_ERR_INVALID_MANIFEST',
    ],
    [
      'an entrypoint climbing out (path traversal)',
      withField({ runtime: { type: 'node', entrypoint: 'a/../../x' } }),
      'REG_ERR_INVALID_MANIFEST',
    ],
    [
      'an unknown runtime',
      withField({ runtime: { type: 'ruby', entrypoint: 'x' } }),
      'REG_ERR_INVALID_MANIFEST',
    ],
    [
      'an uppercase digest',
      withField({ bundle: { ...base.bundle, digest: `sha256:${'A'.repeat(64)}` } }),
      'REG_ERR_INVALID_MANIFEST',
    ],
    ['a negative size', withField({ bundle: { ...base.bundle, size: -1 } }), 'REG_ERR_INVALID_MANIFEST'],
    ['a fractional size', withField({ bundle: { ...base.bundle, size: 1.5 } }), 'REG_ERR_INVALID_MANIFEST'],
    [
      'a non-gzip bundle media type',
      withField({ bundle: { ...base.bundle, mediaType: 'text/plain' } }),
      'REG_ERR_INVALID_MANIFEST',
    ],
    [
      'a certification level of 4',
      withField({ certification: { level: 4, score: 50, scoringVersion: '1' } }),
      'REG_ERR_INVALID_MANIFEST',
    ],
  ];
  for (const [what, input, code] of invalid) {
    it(`refuses ${what}`, () => {
      expect(() => parseManifest(typeof input === 'string' ? input : input)).toThrow(
        expect.objectContaining({ code }),
      );
    });
  }
});
