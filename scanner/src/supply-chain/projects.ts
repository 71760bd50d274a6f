/** Finds the dependency manifests and lockfiles of a scanned tree and groups them into projects. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignore from 'ignore';
import { SKIPPED_DIRS } from '../discover/discover-files.js';
import type { ScanError } from '../types.js';
import { parseGoMod, parseGoSum } from './parse-go.js';
import { parsePackageJson, parsePackageLock, parsePnpmLock, parseYarnLock } from './parse-npm.js';
import { parsePyproject, parsePythonLock, parseRequirementsTxt } from './parse-python.js';
import type { LockedPackage, ManifestText, Project } from './types.js';

const NPM_LOCKS = ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock'];
const PY_LOCKS = ['poetry.lock', 'uv.lock', 'pdm.lock'];
const REQUIREMENTS = /^requirements([-_.][\w.-]*)?\.(txt|in)$/;
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

export function isManifestName(name: string): boolean {
  return (
    name === 'package.json' ||
    name === 'pyproject.toml' ||
    name === 'go.mod' ||
    name === 'go.sum' ||
    REQUIREMENTS.test(name) ||
    NPM_LOCKS.includes(name) ||
    PY_LOCKS.includes(name)
  );
}

/**
 * Root-relative paths of manifest and lockfiles (dependency and VCS folders skipped, the root
 * `.gitignore` and `.mcphubignore` honoured), sorted.
 */
export async function findManifestFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const rules = ignore();
  for (const name of ['.gitignore', '.mcphubignore']) {
    const text = await readFile(join(root, name), 'utf8').catch(() => null);
    if (text !== null) rules.add(text);
  }
  const walk = async (abs: string, rel: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name) && !rules.ignores(`${r}/`)) await walk(join(abs, e.name), r);
      } else if (e.isFile() && isManifestName(e.name) && !rules.ignores(r)) out.push(r);
    }
  };
  await walk(root, '');
  return out.sort();
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}
function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Reads and parses the manifests under `root` (restricted to `only` when given). */
export async function loadProjects(
  root: string,
  only: ReadonlySet<string> | null,
): Promise<{ projects: Project[]; files: ManifestText[]; errors: ScanError[] }> {
  const errors: ScanError[] = [];
  const paths = (await findManifestFiles(root)).filter((p) => !only || only.has(p));
  const texts = new Map<string, ManifestText>();
  for (const p of paths) {
    try {
      const buf = await readFile(join(root, p));
      if (buf.length > MAX_MANIFEST_BYTES) continue;
      texts.set(p, { path: p, text: buf.toString('utf8').replace(/^\uFEFF/, '') });
    } catch (err) {
      errors.push({ code: 'SCAN_ERR_READ', file: p, message: String(err) });
    }
  }
  const locksFor = (dir: string, names: readonly string[]): ManifestText[] => {
    // A workspace member's lockfile lives in an ancestor folder.
    for (let d: string | null = dir; d !== null; d = d === '' ? null : dirOf(d)) {
      const found = names.map((n) => texts.get(d ? `${d}/${n}` : n)).filter((t): t is ManifestText => !!t);
      if (found.length > 0) return found;
    }
    return [];
  };
  const safely = <T>(file: ManifestText, fn: () => T): T | null => {
    try {
      return fn();
    } catch (err) {
      errors.push({
        code: 'SCAN_ERR_PARSE',
        file: file.path,
        message: `manifest: ${err instanceof Error ? err.message : String(err)}`,
      });
      return null;
    }
  };
  const projects: Project[] = [];
  const parsedLocks = new Map<string, LockedPackage[]>();
  const lockPackages = (lock: ManifestText): LockedPackage[] => {
    const cached = parsedLocks.get(lock.path);
    if (cached) return cached;
    const name = baseOf(lock.path);
    const parsed =
      safely(lock, () =>
        name === 'pnpm-lock.yaml'
          ? parsePnpmLock(lock)
          : name === 'yarn.lock'
            ? parseYarnLock(lock)
            : name === 'go.sum'
              ? parseGoSum(lock)
              : PY_LOCKS.includes(name)
                ? parsePythonLock(lock)
                : parsePackageLock(lock),
      ) ?? [];
    parsedLocks.set(lock.path, parsed);
    return parsed;
  };
  for (const file of texts.values()) {
    const name = baseOf(file.path);
    const dir = dirOf(file.path);
    let base: Omit<Project, 'dir' | 'lockfiles' | 'locked'> | null = null;
    let lockfiles: ManifestText[] = [];
    if (name === 'package.json') {
      base = safely(file, () => parsePackageJson(file));
      lockfiles = locksFor(dir, NPM_LOCKS);
    } else if (name === 'pyproject.toml') {
      base = safely(file, () => parsePyproject(file));
      lockfiles = locksFor(dir, PY_LOCKS);
    } else if (REQUIREMENTS.test(name)) {
      base = safely(file, () => parseRequirementsTxt(file));
    } else if (name === 'go.mod') {
      base = safely(file, () => parseGoMod(file));
      const sum = texts.get(dir ? `${dir}/go.sum` : 'go.sum');
      lockfiles = sum ? [sum] : [];
    }
    if (!base) continue;
    projects.push({ ...base, dir, lockfiles, locked: lockfiles.flatMap(lockPackages) });
  }
  return { projects, files: [...texts.values()], errors };
}
