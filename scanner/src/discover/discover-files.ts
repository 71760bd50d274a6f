/**
 * File discovery: which files of the scanned tree are analysed. Honors .gitignore (at every level)
 * and .mcphubignore, and never descends into dependency, VCS or build-output folders.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { type GrammarKey, grammarForPath } from '../parse/parsers.js';

/** Folders that hold third-party, vendored or generated code rather than the server's own. */
export const SKIPPED_DIRS = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  'vendor',
  'third_party',
  'third-party',
  '.venv',
  'venv',
  'env',
  '__pycache__',
  '.tox',
  '.mypy_cache',
  '.pytest_cache',
  'site-packages',
  '.next',
  '.nuxt',
  'coverage',
  'bower_components',
  'jspm_packages',
]);

/**
 * Build output: skipped when the tree has sources elsewhere, scanned when it is all there is (a
 * published npm package ships only `dist/`).
 */
const BUILD_DIRS = new Set(['dist', 'build', 'out', 'lib-cjs', 'lib-esm']);

/** Test code is not what a server runs; its mocks and sample secrets would only add noise. */
const TEST_NAME = /(^test_.*\.py|_test\.(py|go)|\.(test|spec)\.[cm]?[jt]sx?)$/;
const TEST_DIRS = new Set(['__tests__', '__mocks__', 'testdata']);

const GENERATED_NAME =
  /(\.min\.[cm]?js|\.bundle\.js|\.pb\.go|_pb2(_grpc)?\.py|\.generated\.\w+|_generated\.go|\.gen\.go)$/i;

export interface DiscoveredFile {
  /** Root-relative, '/'-separated. */
  path: string;
  absPath: string;
  grammar: GrammarKey;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface Discovery {
  files: DiscoveredFile[];
  skipped: SkippedFile[];
}

async function loadIgnoreFile(dir: string, name: string): Promise<string | null> {
  try {
    return await readFile(join(dir, name), 'utf8');
  } catch {
    return null;
  }
}

interface Scope {
  /** Root-relative dir the rules were written in ('' for the root). */
  base: string;
  rules: Ignore;
}

function isIgnored(scopes: Scope[], relPath: string, isDir: boolean): boolean {
  for (const scope of scopes) {
    const sub = scope.base ? relPath.slice(scope.base.length + 1) : relPath;
    if (!sub) continue;
    if (scope.rules.ignores(isDir ? `${sub}/` : sub)) return true;
  }
  return false;
}

export async function discoverFiles(root: string): Promise<Discovery> {
  const withoutBuild = await walkTree(root, false);
  return withoutBuild.files.length > 0 ? withoutBuild : walkTree(root, true);
}

async function walkTree(root: string, includeBuildDirs: boolean): Promise<Discovery> {
  const files: DiscoveredFile[] = [];
  const skipped: SkippedFile[] = [];

  const walk = async (absDir: string, relDir: string, parentScopes: Scope[]) => {
    const scopes = [...parentScopes];
    const texts = [await loadIgnoreFile(absDir, '.gitignore')];
    if (relDir === '') texts.push(await loadIgnoreFile(absDir, '.mcphubignore'));
    for (const text of texts) {
      if (text !== null) scopes.push({ base: relDir, rules: ignore().add(text) });
    }
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(absDir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      const abs = join(absDir, entry.name);
      // Symlinks are not followed: they can point outside the scanned tree or loop.
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name) || isIgnored(scopes, rel, true)) continue;
        if (!includeBuildDirs && BUILD_DIRS.has(entry.name)) continue;
        if (TEST_DIRS.has(entry.name)) continue;
        await walk(abs, rel, scopes);
      } else if (entry.isFile()) {
        const grammar = grammarForPath(entry.name);
        if (!grammar) continue;
        if (isIgnored(scopes, rel, false)) continue;
        if (TEST_NAME.test(entry.name)) {
          skipped.push({ path: rel, reason: 'test' });
          continue;
        }
        if (GENERATED_NAME.test(entry.name)) {
          skipped.push({ path: rel, reason: 'generated' });
          continue;
        }
        files.push({ path: rel, absPath: abs, grammar });
      }
    }
  };
  await walk(root, '', []);
  return { files, skipped };
}

/** Content checks that need the bytes: binary data and generated-code markers. */
export function contentSkipReason(bytes: Uint8Array): string | null {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return 'binary';
  const text = Buffer.from(bytes.subarray(0, 2048)).toString('latin1');
  if (/^\/\/ Code generated .* DO NOT EDIT\.$/m.test(text) || /@generated\b/.test(text)) return 'generated';
  // Minified bundles: one enormous line is not code a human wrote or reviews.
  const firstLineEnd = text.indexOf('\n');
  if (firstLineEnd < 0 && bytes.length > 2048) return 'minified';
  return null;
}
