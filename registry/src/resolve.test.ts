import { describe, expect, it } from 'vitest';
import type { VersionState } from './db/registry-index.js';
import type { VersionStatus } from './db/schema.js';
import type { Digest } from './digest.js';
import { latestVersion, parseVersionReference, resolveVersion } from './resolve.js';

function state(version: string, status: VersionStatus = 'active'): VersionState {
  const hex = Buffer.from(version).toString('hex').padEnd(64, '0').slice(0, 64);
  return {
    org: 'acme',
    name: 'files',
    version,
    manifestDigest: `sha256:${hex}` as Digest,
    bundleDigest: `sha256:${hex.replace(/^./, 'f')}` as Digest,
    bundleSize: 1,
    snapshotDigest: null,
    attestationDigest: null,
    level: null,
    status,
    statusReason: null,
    statusChangedAt: null,
    publishedAt: '2026-01-01T00:00:00.000Z',
    publishedBy: 'test',
  };
}

describe('parseVersionReference', () => {
  it.each([
    ['1.2.3', { kind: 'exact', version: '1.2.3' }],
    ['1.2.3-rc.1', { kind: 'exact', version: '1.2.3-rc.1' }],
    ['latest', { kind: 'latest' }],
    ['^1.2', { kind: 'range', range: '^1.2' }],
    ['>=1.0.0 <2.0.0', { kind: 'range', range: '>=1.0.0 <2.0.0' }],
    ['1.x', { kind: 'range', range: '1.x' }],
    [`sha256:${'a'.repeat(64)}`, { kind: 'digest', digest: `sha256:${'a'.repeat(64)}` }],
  ])('parses %s', (ref, expected) => {
    expect(parseVersionReference(ref)).toEqual(expected);
  });

  it.each([
    ['sha256:abc', 'REG_ERR_INVALID_DIGEST'],
    ['LATEST', 'REG_ERR_INVALID_REFERENCE'],
    ['not a version', 'REG_ERR_INVALID_REFERENCE'],
    [`${'1 || '.repeat(100)}1`, 'REG_ERR_INVALID_REFERENCE'],
  ])('refuses %s', (ref, code) => {
    expect(() => parseVersionReference(ref)).toThrow(expect.objectContaining({ code }));
  });
});

describe('resolveVersion', () => {
  const records = [
    state('1.0.0'),
    state('1.1.0', 'deprecated'),
    state('1.2.0', 'yanked'),
    state('1.3.0', 'revoked'),
    state('2.0.0-beta.1'),
  ];

  it('latest is the highest active or deprecated release', () => {
    expect(latestVersion(records)?.version).toBe('1.1.0');
  });

  it('latest falls back to a prerelease only when no release is selectable', () => {
    expect(latestVersion([state('1.0.0', 'yanked'), state('2.0.0-beta.1')])?.version).toBe('2.0.0-beta.1');
    expect(latestVersion([state('1.0.0', 'revoked')])).toBeUndefined();
  });

  it.each([
    ['^1.0.0', '1.1.0'],
    ['>=1.2.0 <2.0.0', 'REG_ERR_VERSION_NOT_FOUND'],
    ['1.0.0', '1.0.0'],
    ['1.2.0', '1.2.0'],
    ['1.3.0', 'REG_ERR_REVOKED'],
    ['9.9.9', 'REG_ERR_VERSION_NOT_FOUND'],
    ['latest', '1.1.0'],
  ])('%s resolves to %s', (ref, expected) => {
    const outcome = (() => {
      try {
        return resolveVersion(records, parseVersionReference(ref)).version;
      } catch (error) {
        return (error as { code: string }).code;
      }
    })();
    expect(outcome).toBe(expected);
  });

  it('a digest finds a yanked version by manifest or bundle digest, but a revoked one is refused', () => {
    const yanked = records[2]!;
    expect(resolveVersion(records, { kind: 'digest', digest: yanked.manifestDigest }).version).toBe('1.2.0');
    expect(resolveVersion(records, { kind: 'digest', digest: yanked.bundleDigest }).version).toBe('1.2.0');
    expect(() => resolveVersion(records, { kind: 'digest', digest: records[3]!.manifestDigest })).toThrow(
      expect.objectContaining({ code: 'REG_ERR_REVOKED' }),
    );
  });
});
