// A runnable copy of an installed npm MCP server: the package at the root plus the closure of its
// production dependencies, laid out as npm laid them out, so the server starts without the host's
// node_modules (inside a sandbox, or pushed to the hub). The same layout as
// tests/helpers/npm-bundle.ts, which the e2e tests push through a daemon.
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

function findPackageDir(fromDir, name) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === dirname(dir)) return null;
  }
}

/** Copies `node_modules/<name>` and its production dependencies into a new temporary folder. */
export function bundleInstalledPackage(name, parent = tmpdir()) {
  const pkgDir = join(REPO, 'node_modules', name);
  if (!existsSync(join(pkgDir, 'package.json')))
    throw new Error(`${name} is not installed in ${join(REPO, 'node_modules')}`);
  const out = mkdtempSync(join(parent, 'npm-bundle-'));
  cpSync(pkgDir, out, { recursive: true, filter: (src) => !src.startsWith(join(pkgDir, 'node_modules')) });
  const seen = new Set();
  const queue = [pkgDir];
  while (queue.length > 0) {
    const dir = queue.shift();
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      const found = findPackageDir(dir, dep);
      if (!found || seen.has(found)) continue;
      seen.add(found);
      // Keep npm's layout: a package nested under another stays nested; a hoisted one stays at the top.
      const rel = found.startsWith(`${pkgDir}/`) ? relative(pkgDir, found) : relative(REPO, found);
      cpSync(found, join(out, rel), {
        recursive: true,
        dereference: true,
        filter: (src) => !src.slice(found.length).startsWith('/node_modules'),
      });
      queue.push(found);
    }
  }
  return out;
}
