import semver from 'semver';
import { RegistryError } from './errors.js';

/** Each half of `org/name`: lowercase, starts with a letter or digit, then `[a-z0-9._-]`. */
const NAME_PART_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
export const MAX_ORG_LENGTH = 64;
export const MAX_PACKAGE_NAME_LENGTH = 128;
export const MAX_VERSION_LENGTH = 128;

export interface PackageName {
  org: string;
  name: string;
}

export function isValidNamePart(part: string, maxLength: number): boolean {
  return part.length > 0 && part.length <= maxLength && NAME_PART_PATTERN.test(part) && !part.includes('..');
}

/** Validates the two halves of a package name (as they arrive in a URL). */
export function assertNameParts(org: string, name: string): PackageName {
  if (!isValidNamePart(org, MAX_ORG_LENGTH)) {
    throw new RegistryError('REG_ERR_INVALID_NAME', `Invalid organisation name: ${JSON.stringify(org)}`);
  }
  if (!isValidNamePart(name, MAX_PACKAGE_NAME_LENGTH)) {
    throw new RegistryError('REG_ERR_INVALID_NAME', `Invalid package name: ${JSON.stringify(name)}`);
  }
  return { org, name };
}

/** Parses `org/name` (exactly one slash). */
export function parsePackageName(fullName: string): PackageName {
  const parts = fullName.split('/');
  if (parts.length !== 2) {
    throw new RegistryError(
      'REG_ERR_INVALID_NAME',
      `A package name is org/name: ${JSON.stringify(fullName)}`,
    );
  }
  return assertNameParts(parts[0]!, parts[1]!);
}

export function formatPackageName({ org, name }: PackageName): string {
  return `${org}/${name}`;
}

/** Strict semver as written at publish: no leading `v`, no range, no loose forms, normalised. */
export function isStrictVersion(version: string): boolean {
  return (
    version.length > 0 &&
    version.length <= MAX_VERSION_LENGTH &&
    /^[0-9]/.test(version) &&
    semver.valid(version) === version
  );
}

export function assertStrictVersion(version: string): string {
  if (!isStrictVersion(version)) {
    throw new RegistryError(
      'REG_ERR_INVALID_VERSION',
      `Not a strict semver version: ${JSON.stringify(version)}`,
    );
  }
  return version;
}
