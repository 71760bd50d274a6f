import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

function findPackageDir(fromDir: string, name: string): string | null {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === dirname(dir)) return null;
  }
}

/**
 * Builds a runnable bundle of an installed npm MCP server: the package at the root plus the
 * closure of its production dependencies, laid out as npm laid them out, so the server starts
 * inside the sandbox without the host's node_modules.
 */
export function bundleInstalledPackage(name: string): string {
  const pkgDir = join(REPO, 'node_modules', name);
  const out = mkdtempSync(join(tmpdir(), 'mcphub-npm-bundle-'));
  cpSync(pkgDir, out, { recursive: true, filter: (src) => !src.startsWith(join(pkgDir, 'node_modules')) });
  const seen = new Set<string>();
  const queue: string[] = [pkgDir];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
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
