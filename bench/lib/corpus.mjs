// Fixed corpora for the scanner benchmarks, copied into a temporary directory so every tool scans
// the same bytes: the JavaScript of real MCP servers installed from npm, and the scanner's own Python
// and Go fixtures (small MCP servers, vulnerable and safe) replicated with renamed identifiers.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DETECTORS = join(REPO_ROOT, 'scanner/src/detectors');
export const NPM_SERVERS = ['server-everything', 'server-filesystem', 'server-memory'];

// The scanner skips test files by name (see scanner/src/discover/discover-files.ts); the corpus
// avoids such names so that both tools read every file.
const TEST_NAME = /(^test_.*\.py|_test\.(py|go))$/;

function walk(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, entry.name);
    if (entry.isDirectory()) walk(abs, out);
    else if (entry.isFile()) out.push(abs);
  }
  return out;
}

/** Every `fixtures/<language>` folder under the detectors, with its source files (`ext`). */
function fixtureTrees(language, ext) {
  const trees = [];
  for (const cls of readdirSync(DETECTORS, { withFileTypes: true })) {
    if (!cls.isDirectory()) continue;
    for (const det of readdirSync(join(DETECTORS, cls.name), { withFileTypes: true })) {
      const root = join(DETECTORS, cls.name, det.name, 'fixtures', language);
      if (!det.isDirectory() || !existsSync(root)) continue;
      const files = walk(root).filter((f) => f.endsWith(ext));
      if (files.length > 0) trees.push({ detector: det.name, root, files });
    }
  }
  return trees;
}

/** Python: top-level `def`/`class` names of a fixture tree, renamed consistently across its files. */
function pythonRenamer(files, suffix) {
  const names = new Set();
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(/^(?:async\s+def|def|class)\s+([A-Za-z_]\w*)/gm))
      if (!m[1].startsWith('__')) names.add(m[1]);
  }
  if (names.size === 0) return (text) => text;
  // Not after a dot: `subprocess.run` stays `subprocess.run` even when the fixture defines `run`.
  const pattern = new RegExp(`(?<![.\\w])(${[...names].join('|')})(?!\\w)`, 'g');
  return (text) => text.replace(pattern, `$1${suffix}`);
}

/** Go: renames top-level funcs and types (not methods, which callers reach through a value). */
function goRenamer(files, suffix) {
  const names = new Set();
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(/^(?:func|type)\s+([A-Za-z_]\w*)/gm))
      if (m[1] !== 'main' && m[1] !== 'init') names.add(m[1]);
  }
  if (names.size === 0) return (text) => text;
  const pattern = new RegExp(`(?<![.\\w])(${[...names].join('|')})(?!\\w)`, 'g');
  return (text) => text.replace(pattern, `$1${suffix}`);
}

function safeName(path) {
  return path.replace(/[^/]+$/, (base) =>
    TEST_NAME.test(base) ? `x${base.replace(/^test_|_test/, '_')}` : base,
  );
}

/**
 * Writes `copies` renamed copies of every Python (or Go) fixture tree under `dest`, each copy in its
 * own folder, with a header comment that makes every file's digest unique.
 */
export function writeFixtureCorpus(dest, language, copies) {
  const ext = language === 'python' ? '.py' : '.go';
  const comment = language === 'python' ? '#' : '//';
  const trees = fixtureTrees(language, ext);
  for (let copy = 1; copy <= copies; copy += 1) {
    for (const tree of trees) {
      const rename = (language === 'python' ? pythonRenamer : goRenamer)(tree.files, `_c${copy}`);
      for (const file of tree.files) {
        const target = join(dest, `copy${copy}`, tree.detector, safeName(relative(tree.root, file)));
        mkdirSync(dirname(target), { recursive: true });
        const header = `${comment} bench corpus copy ${copy} of ${relative(REPO_ROOT, file)}\n`;
        writeFileSync(target, header + rename(readFileSync(file, 'utf8')));
      }
    }
  }
  return dest;
}

/** Copies the `dist/` of each installed npm MCP server under `dest/<server>/`. */
export function writeNpmServerCorpus(dest) {
  for (const server of NPM_SERVERS) {
    const src = join(REPO_ROOT, 'node_modules/@modelcontextprotocol', server);
    if (!existsSync(src)) throw new Error(`${src} is missing: run \`npm install\` at the repository root`);
    cpSync(src, join(dest, server), {
      recursive: true,
      dereference: true,
      filter: (path) => !path.includes(`${server}/node_modules`),
    });
  }
  return dest;
}

export function countLines(text) {
  if (text.length === 0) return 0;
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n += 1;
  return text.endsWith('\n') ? n : n + 1;
}

/** Files and physical lines (blank and comment lines included) of the files under `dir` ending in `ext`. */
export function measureSources(dir, ext) {
  let files = 0;
  let lines = 0;
  let bytes = 0;
  for (const file of walk(dir)) {
    if (!file.endsWith(ext)) continue;
    const text = readFileSync(file, 'utf8');
    files += 1;
    lines += countLines(text);
    bytes += statSync(file).size;
  }
  return { files, lines, bytes };
}
