/** package.json, package-lock.json / npm-shrinkwrap.json, pnpm-lock.yaml and yarn.lock (v1 and berry). */
import { parse as parseYaml } from 'yaml';
import {
  type DeclaredDependency,
  type LockedPackage,
  type ManifestText,
  type Project,
  parseIntegrity,
  positionOf,
} from './types.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

const EXACT = /^=?v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export function parsePackageJson(file: ManifestText): Omit<Project, 'dir' | 'lockfiles' | 'locked'> {
  const pkg = obj(JSON.parse(file.text));
  const declared: DeclaredDependency[] = [];
  for (const [field, dev] of [
    ['dependencies', false],
    ['optionalDependencies', false],
    ['peerDependencies', false],
    ['devDependencies', true],
  ] as const) {
    const deps = obj(pkg[field]);
    const fieldPos = positionOf(file, `"${field}"`);
    for (const [name, raw] of Object.entries(deps)) {
      const spec = str(raw) ?? '';
      declared.push({
        ecosystem: 'npm',
        name,
        spec,
        pinned: EXACT.test(spec.trim()) ? spec.trim().replace(/^=?v?/, '') : null,
        dev,
        hashes: [],
        at: positionOf(file, `"${name}"`, fieldPos.line),
      });
    }
  }
  const scripts = Object.entries(obj(pkg.scripts)).flatMap(([name, cmd]) =>
    typeof cmd === 'string'
      ? [{ name, command: cmd, at: positionOf(file, `"${name}"`, positionOf(file, '"scripts"').line) }]
      : [],
  );
  return {
    ecosystem: 'npm',
    manifest: file,
    name: str(pkg.name),
    version: str(pkg.version),
    declared,
    scripts,
  };
}

/** Name from a package-lock `packages` key: `node_modules/a/node_modules/@s/b` → `@s/b`. */
function nameFromLockKey(key: string): string {
  const i = key.lastIndexOf('node_modules/');
  return i < 0 ? key : key.slice(i + 'node_modules/'.length);
}

export function parsePackageLock(file: ManifestText): LockedPackage[] {
  const lock = obj(JSON.parse(file.text));
  const out: LockedPackage[] = [];
  const packages = obj(lock.packages);
  if (Object.keys(packages).length > 0) {
    for (const [key, raw] of Object.entries(packages)) {
      if (key === '' || !key.includes('node_modules/')) continue;
      const p = obj(raw);
      const version = str(p.version);
      if (!version || p.link === true) continue;
      const name = str(p.name) ?? nameFromLockKey(key);
      out.push({
        ecosystem: 'npm',
        name,
        version,
        hashes: parseIntegrity(str(p.integrity)),
        installScript: p.hasInstallScript === true,
        dependsOn: Object.keys(obj(p.dependencies)).concat(Object.keys(obj(p.optionalDependencies))),
        dev: p.dev === true,
        at: positionOf(file, `"${key}"`),
      });
    }
    return out;
  }
  // lockfileVersion 1: nested `dependencies`.
  const walk = (deps: Json) => {
    for (const [name, raw] of Object.entries(deps)) {
      const p = obj(raw);
      const version = str(p.version);
      if (version)
        out.push({
          ecosystem: 'npm',
          name,
          version,
          hashes: parseIntegrity(str(p.integrity)),
          installScript: false,
          dependsOn: Object.keys(obj(p.requires)),
          dev: p.dev === true,
          at: positionOf(file, `"${name}"`),
        });
      walk(obj(p.dependencies));
    }
  };
  walk(obj(lock.dependencies));
  return out;
}

/** `/name@1.2.3`, `name@1.2.3(peer@x)`, `/@scope/name/1.2.3` (pnpm 5/6) → name and version. */
function splitPnpmKey(key: string): { name: string; version: string } | null {
  const k = key.replace(/^\//, '').replace(/\(.*$/, '');
  const at = k.lastIndexOf('@');
  if (at > 0) return { name: k.slice(0, at), version: k.slice(at + 1) };
  const slash = k.lastIndexOf('/');
  if (slash > 0) return { name: k.slice(0, slash), version: k.slice(slash + 1) };
  return null;
}

export function parsePnpmLock(file: ManifestText): LockedPackage[] {
  const lock = obj(parseYaml(file.text));
  const out: LockedPackage[] = [];
  const snapshots = obj(lock.snapshots);
  for (const [key, raw] of Object.entries(obj(lock.packages))) {
    const nv = splitPnpmKey(key);
    if (!nv) continue;
    const p = obj(raw);
    const snap = obj(snapshots[key]);
    const deps = { ...obj(p.dependencies), ...obj(p.optionalDependencies), ...obj(snap.dependencies) };
    out.push({
      ecosystem: 'npm',
      name: nv.name,
      version: str(p.version) ?? nv.version,
      hashes: parseIntegrity(str(obj(p.resolution).integrity)),
      installScript: p.requiresBuild === true,
      dependsOn: Object.keys(deps),
      dev: p.dev === true,
      at: positionOf(file, key.replace(/^\//, '')),
    });
  }
  return out;
}

/** yarn.lock v1 (`"a@^1", a@^1.2:` blocks) and berry (YAML with `resolution:` and `checksum:`). */
export function parseYarnLock(file: ManifestText): LockedPackage[] {
  const out: LockedPackage[] = [];
  if (/^__metadata:/m.test(file.text)) {
    const lock = obj(parseYaml(file.text));
    for (const [key, raw] of Object.entries(lock)) {
      if (key === '__metadata') continue;
      const p = obj(raw);
      const resolution = str(p.resolution) ?? '';
      const m = /^(@?[^@]+)@(?:npm:)?(.+)$/.exec(resolution);
      const version = str(p.version);
      if (!m || !version || /@workspace:/.test(resolution)) continue;
      out.push({
        ecosystem: 'npm',
        name: m[1] as string,
        version,
        // Berry checksums hash yarn's own zip archive, not the npm tarball: not a component hash.
        hashes: [],
        installScript: false,
        dependsOn: Object.keys(obj(p.dependencies)),
        dev: false,
        at: positionOf(file, key.split(',')[0]?.trim() ?? key),
      });
    }
    return out;
  }
  const lines = file.text.split('\n');
  let cur: {
    name: string;
    version: string;
    integrity: string | null;
    deps: string[];
    line: number;
    col: number;
  } | null = null;
  let inDeps = false;
  const flush = () => {
    if (cur?.version)
      out.push({
        ecosystem: 'npm',
        name: cur.name,
        version: cur.version,
        hashes: parseIntegrity(cur.integrity),
        installScript: false,
        dependsOn: cur.deps,
        dev: false,
        at: { file: file.path, line: cur.line, column: cur.col },
      });
    cur = null;
  };
  lines.forEach((line, idx) => {
    if (/^\S/.test(line) && !line.startsWith('#')) {
      flush();
      const first = line.split(',')[0]?.trim().replace(/:$/, '').replace(/^"|"$/g, '') ?? '';
      const at = first.lastIndexOf('@');
      cur = {
        name: at > 0 ? first.slice(0, at) : first,
        version: '',
        integrity: null,
        deps: [],
        line: idx + 1,
        col: 1,
      };
      inDeps = false;
      return;
    }
    if (!cur) return;
    const c = cur as { version: string; integrity: string | null; deps: string[] };
    const m = /^ {2}(\w+)(?::)?\s+"?([^"]*)"?\s*$/.exec(line);
    if (/^ {2}\S/.test(line)) inDeps = /^ {2}(dependencies|optionalDependencies):/.test(line);
    if (m && !line.startsWith('    ')) {
      if (m[1] === 'version') c.version = m[2] as string;
      if (m[1] === 'integrity') c.integrity = m[2] as string;
    } else if (inDeps && /^ {4}\S/.test(line)) {
      c.deps.push(line.trim().split(/\s+/)[0]?.replace(/^"|"$/g, '') ?? '');
    }
  });
  flush();
  return out;
}
