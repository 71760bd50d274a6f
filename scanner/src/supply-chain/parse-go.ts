/** go.mod and go.sum. */
import type { DeclaredDependency, LockedPackage, ManifestText, Project } from './types.js';

export function parseGoMod(file: ManifestText): Omit<Project, 'dir' | 'lockfiles' | 'locked'> {
  const declared: DeclaredDependency[] = [];
  let module: string | null = null;
  let inRequire = false;
  file.text.split('\n').forEach((raw, idx) => {
    const line = raw.replace(/\/\/.*$/, '').trim();
    const mod = /^module\s+(\S+)/.exec(line);
    if (mod) module = (mod[1] as string).replace(/^"|"$/g, '');
    if (/^require\s*\($/.test(line)) {
      inRequire = true;
      return;
    }
    if (inRequire && line === ')') {
      inRequire = false;
      return;
    }
    const req = inRequire ? /^(\S+)\s+(\S+)/.exec(line) : /^require\s+(\S+)\s+(\S+)/.exec(line);
    if (!req) return;
    const name = req[1] as string;
    declared.push({
      ecosystem: 'Go',
      name,
      spec: req[2] as string,
      pinned: req[2] as string,
      dev: false,
      hashes: [],
      at: { file: file.path, line: idx + 1, column: raw.indexOf(name) + 1 },
    });
  });
  return { ecosystem: 'Go', manifest: file, name: module, version: null, declared, scripts: [] };
}

/** go.sum: one `module version h1:hash` line per module (and a `/go.mod` line, skipped here). */
export function parseGoSum(file: ManifestText): LockedPackage[] {
  const out: LockedPackage[] = [];
  file.text.split('\n').forEach((line, idx) => {
    const m = /^(\S+)\s+(v\S+?)\s+h1:([A-Za-z0-9+/=]+)$/.exec(line.trim());
    if (!m || (m[2] as string).endsWith('/go.mod')) return;
    out.push({
      ecosystem: 'Go',
      name: m[1] as string,
      version: m[2] as string,
      // The h1: dirhash is a SHA-256 over the module's file list, the identity `go` verifies.
      hashes: [{ alg: 'SHA-256', content: Buffer.from(m[3] as string, 'base64').toString('hex') }],
      installScript: false,
      dependsOn: [],
      dev: false,
      at: { file: file.path, line: idx + 1, column: 1 },
    });
  });
  return out;
}
