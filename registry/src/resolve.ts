import semver from 'semver';
import type { VersionState } from './db/registry-index.js';
import { type Digest, isDigest } from './digest.js';
import { RegistryError } from './errors.js';
import { isStrictVersion } from './names.js';

export type VersionReference =
  | { kind: 'exact'; version: string }
  | { kind: 'range'; range: string }
  | { kind: 'latest' }
  | { kind: 'digest'; digest: Digest };

const MAX_RANGE_LENGTH = 256;

/** Parses the `{version}` path segment: exact version, `latest`, `sha256:<hex>` or a semver range. */
export function parseVersionReference(ref: string): VersionReference {
  if (ref === 'latest') return { kind: 'latest' };
  if (ref.startsWith('sha256:')) {
    if (!isDigest(ref)) throw new RegistryError('REG_ERR_INVALID_DIGEST');
    return { kind: 'digest', digest: ref };
  }
  if (isStrictVersion(ref)) return { kind: 'exact', version: ref };
  // Bounded length: semver's range parser is regex-heavy.
  if (ref.length > 0 && ref.length <= MAX_RANGE_LENGTH && semver.validRange(ref) !== null) {
    return { kind: 'range', range: ref };
  }
  throw new RegistryError(
    'REG_ERR_INVALID_REFERENCE',
    `Not a version, range, digest or "latest": ${JSON.stringify(ref)}`,
  );
}

/** Ranges and `latest` only ever pick from these. */
function isSelectable(record: VersionState): boolean {
  return record.status === 'active' || record.status === 'deprecated';
}

export function compareVersionsDescending(a: VersionState, b: VersionState): number {
  return semver.rcompare(a.version, b.version);
}

/** Highest active/deprecated release; prereleases only when there is no release at all. */
export function latestVersion<T extends VersionState>(records: T[]): T | undefined {
  const candidates = records.filter(isSelectable).sort(compareVersionsDescending);
  return candidates.find((record) => semver.prerelease(record.version) === null) ?? candidates[0];
}

function highestInRange<T extends VersionState>(records: T[], range: string): T | undefined {
  const candidates = records.filter(isSelectable);
  const best = semver.maxSatisfying(
    candidates.map((record) => record.version),
    range,
  );
  return best === null ? undefined : candidates.find((record) => record.version === best);
}

function findExplicit<T extends VersionState>(records: T[], ref: VersionReference): T | undefined {
  if (ref.kind === 'exact') return records.find((record) => record.version === ref.version);
  if (ref.kind === 'digest') {
    return records.find(
      (record) => record.manifestDigest === ref.digest || record.bundleDigest === ref.digest,
    );
  }
  return undefined;
}

/**
 * Picks the version a reference names among a package's versions. Ranges and `latest` skip yanked
 * and revoked versions; an exact version or a digest still finds a yanked one, but a revoked
 * version is refused with `REG_ERR_REVOKED`.
 */
export function resolveVersion<T extends VersionState>(records: T[], ref: VersionReference): T {
  const found =
    ref.kind === 'latest'
      ? latestVersion(records)
      : ref.kind === 'range'
        ? highestInRange(records, ref.range)
        : findExplicit(records, ref);
  if (!found) throw new RegistryError('REG_ERR_VERSION_NOT_FOUND');
  if (found.status === 'revoked') {
    throw new RegistryError(
      'REG_ERR_REVOKED',
      `${found.org}/${found.name}@${found.version} was revoked${found.statusReason ? `: ${found.statusReason}` : ''}`,
    );
  }
  return found;
}
