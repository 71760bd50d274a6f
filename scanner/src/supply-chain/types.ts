/** Dependency manifests and lockfiles as the supply-chain detectors and the SBOM see them. */

export type Ecosystem = 'npm' | 'PyPI' | 'Go';

/** A place in a manifest or lockfile: root-relative path, 1-based line and column. */
export interface ManifestPosition {
  file: string;
  line: number;
  column: number;
}

export interface Hash {
  /** CycloneDX algorithm name: SHA-1, SHA-256, SHA-384, SHA-512. */
  alg: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
  /** Lowercase hex. */
  content: string;
}

/** A dependency as declared in a manifest (package.json, requirements.txt, pyproject.toml, go.mod). */
export interface DeclaredDependency {
  ecosystem: Ecosystem;
  name: string;
  /** The version constraint as written ('' when none). */
  spec: string;
  /** The exact version when the spec pins one (`1.2.3`, `==1.2.3`, a go.mod version). */
  pinned: string | null;
  dev: boolean;
  /** Hashes given with the requirement itself (pip `--hash=`). */
  hashes: Hash[];
  at: ManifestPosition;
}

/** A resolved package from a lockfile. */
export interface LockedPackage {
  ecosystem: Ecosystem;
  name: string;
  version: string;
  hashes: Hash[];
  /** npm `hasInstallScript`, pnpm `requiresBuild`, a Python package that ships only an sdist. */
  installScript: boolean;
  /** Names this package depends on (when the lockfile records them). */
  dependsOn: string[];
  dev: boolean;
  at: ManifestPosition;
}

export interface ManifestText {
  path: string;
  text: string;
}

/** One project folder: a manifest plus the lockfiles beside it. */
export interface Project {
  ecosystem: Ecosystem;
  /** Root-relative folder ('' for the scan root). */
  dir: string;
  /** The manifest (package.json, pyproject.toml, requirements.txt, go.mod). */
  manifest: ManifestText;
  name: string | null;
  version: string | null;
  declared: DeclaredDependency[];
  /** The lockfiles found for the manifest (package-lock.json, poetry.lock, go.sum, …). */
  lockfiles: ManifestText[];
  locked: LockedPackage[];
  /** npm scripts (name → command) or other install-time commands with their position. */
  scripts: { name: string; command: string; at: ManifestPosition }[];
}

/** 1-based position of the first line containing `needle` (after `fromLine`), else line 1. */
export function positionOf(file: ManifestText, needle: string, fromLine = 1): ManifestPosition {
  const lines = file.text.split('\n');
  for (let i = Math.max(0, fromLine - 1); i < lines.length; i++) {
    const col = (lines[i] as string).indexOf(needle);
    if (col >= 0) return { file: file.path, line: i + 1, column: col + 1 };
  }
  if (fromLine > 1) return positionOf(file, needle, 1);
  return { file: file.path, line: 1, column: 1 };
}

/** PEP 503 normalized Python project name. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** SRI integrity (`sha512-<base64>`) or `alg:hex` → CycloneDX hashes. */
export function parseIntegrity(value: string | undefined | null): Hash[] {
  if (!value) return [];
  const out: Hash[] = [];
  for (const part of value.trim().split(/\s+/)) {
    const sri = /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/=]+)$/.exec(part);
    if (sri) {
      out.push({
        alg: algOf(sri[1] as string),
        content: Buffer.from(sri[2] as string, 'base64').toString('hex'),
      });
      continue;
    }
    const hex = /^(sha1|sha256|sha384|sha512)[:=]([0-9a-fA-F]+)$/.exec(part);
    if (hex) out.push({ alg: algOf(hex[1] as string), content: (hex[2] as string).toLowerCase() });
  }
  return out;
}

function algOf(name: string): Hash['alg'] {
  return name === 'sha1'
    ? 'SHA-1'
    : name === 'sha256'
      ? 'SHA-256'
      : name === 'sha384'
        ? 'SHA-384'
        : 'SHA-512';
}
