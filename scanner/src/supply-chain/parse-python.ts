/** requirements*.txt, pyproject.toml (PEP 621 and Poetry), poetry.lock and uv.lock. */
import { parseToml, type TomlTable, tomlArray, tomlString, tomlTable } from './toml.js';
import {
  type DeclaredDependency,
  type Hash,
  type LockedPackage,
  type ManifestText,
  normalizePypiName,
  type Project,
  parseIntegrity,
  positionOf,
} from './types.js';

/** `name[extra] >=1,<2 ; marker` → name and spec (PEP 508, without URLs' details). */
export function parseRequirement(text: string): { name: string; spec: string; pinned: string | null } | null {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$/.exec(text);
  if (!m) return null;
  let spec = (m[3] as string).split(';')[0]?.trim() ?? '';
  spec = spec.replace(/^\((.*)\)$/, '$1').trim();
  const pin = /^===?\s*([A-Za-z0-9.+!-]+)$/.exec(spec);
  return {
    name: m[1] as string,
    spec,
    pinned: pin && !/\*/.test(pin[1] as string) ? (pin[1] as string) : null,
  };
}

export function parseRequirementsTxt(file: ManifestText): Omit<Project, 'dir' | 'lockfiles' | 'locked'> {
  const declared: DeclaredDependency[] = [];
  const lines = file.text.split('\n');
  // Joins backslash continuations, keeping the first line's number.
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i] as string;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) line = line.replace(/\\\s*$/, ' ') + lines[++i];
    const noComment = line.replace(/(^|\s)#.*$/, '').trim();
    if (!noComment || noComment.startsWith('-')) continue;
    const hashes: Hash[] = [];
    for (const h of noComment.matchAll(/--hash[=\s]+(sha256|sha384|sha512):([0-9a-fA-F]+)/g))
      hashes.push(...parseIntegrity(`${h[1]}:${h[2]}`));
    const req = parseRequirement(noComment.replace(/\s--\S+.*$/, ''));
    if (!req) continue;
    const col = (lines[start] as string).indexOf(req.name);
    declared.push({
      ecosystem: 'PyPI',
      name: req.name,
      spec: req.spec,
      pinned: req.pinned,
      dev: /(^|[/_-])(dev|test)/.test(file.path.split('/').pop() ?? ''),
      hashes,
      at: { file: file.path, line: start + 1, column: col + 1 },
    });
  }
  return { ecosystem: 'PyPI', manifest: file, name: null, version: null, declared, scripts: [] };
}

export function parsePyproject(file: ManifestText): Omit<Project, 'dir' | 'lockfiles' | 'locked'> {
  const doc = parseToml(file.text);
  const project = tomlTable(doc.project) ?? {};
  const poetry = tomlTable(tomlTable(doc.tool)?.poetry) ?? {};
  const declared: DeclaredDependency[] = [];
  const addPep508 = (entries: unknown[], dev: boolean) => {
    for (const e of entries) {
      if (typeof e !== 'string') continue;
      const req = parseRequirement(e);
      if (!req) continue;
      declared.push({ ecosystem: 'PyPI', ...req, dev, hashes: [], at: positionOf(file, e) });
    }
  };
  addPep508(tomlArray(project.dependencies), false);
  for (const v of Object.values(tomlTable(project['optional-dependencies']) ?? {}))
    addPep508(tomlArray(v), false);
  for (const v of Object.values(tomlTable(doc['dependency-groups']) ?? {})) addPep508(tomlArray(v), true);
  const addPoetry = (tbl: TomlTable | null, dev: boolean, header: string) => {
    const from = positionOf(file, header).line;
    for (const [name, v] of Object.entries(tbl ?? {})) {
      if (name.toLowerCase() === 'python') continue;
      const spec = tomlString(v) ?? tomlString(tomlTable(v)?.version) ?? (tomlTable(v)?.git ? 'git' : '');
      const pin = /^(==)?\s*(\d[A-Za-z0-9.+!-]*)$/.exec(spec.trim());
      declared.push({
        ecosystem: 'PyPI',
        name,
        spec,
        pinned: pin ? (pin[2] as string) : null,
        dev,
        hashes: [],
        at: positionOf(file, name, from),
      });
    }
  };
  addPoetry(tomlTable(poetry.dependencies), false, '[tool.poetry.dependencies]');
  addPoetry(tomlTable(poetry['dev-dependencies']), true, '[tool.poetry.dev-dependencies]');
  for (const [g, v] of Object.entries(tomlTable(poetry.group) ?? {}))
    addPoetry(tomlTable(tomlTable(v)?.dependencies), true, `[tool.poetry.group.${g}.dependencies]`);
  return {
    ecosystem: 'PyPI',
    manifest: file,
    name: tomlString(project.name) ?? tomlString(poetry.name),
    version: tomlString(project.version) ?? tomlString(poetry.version),
    declared,
    scripts: [],
  };
}

/** poetry.lock and uv.lock share `[[package]]` tables with name and version. */
export function parsePythonLock(file: ManifestText): LockedPackage[] {
  const doc = parseToml(file.text);
  const out: LockedPackage[] = [];
  let from = 1;
  for (const raw of tomlArray(doc.package)) {
    const p = tomlTable(raw);
    const name = tomlString(p?.name);
    const version = tomlString(p?.version);
    if (!p || !name || !version) continue;
    const at = positionOf(file, `name = "${name}"`, from);
    from = at.line + 1;
    const source = tomlTable(p.source);
    if (source && (source.editable || source.virtual)) continue; // the project itself (uv)
    const hashes: Hash[] = [];
    const sdist = tomlTable(p.sdist);
    const wheels = tomlArray(p.wheels);
    const files = tomlArray(p.files);
    const first =
      tomlString(sdist?.hash) ??
      tomlString(tomlTable(files[0])?.hash) ??
      tomlString(tomlTable(wheels[0])?.hash);
    if (first) hashes.push(...parseIntegrity(first));
    // A package that ships only a source distribution runs its build backend (setup.py) at install time.
    const wheelFiles = files.filter((f) => /\.whl$/.test(tomlString(tomlTable(f)?.file) ?? ''));
    const onlySdist =
      (sdist !== null && wheels.length === 0) || (files.length > 0 && wheelFiles.length === 0);
    const deps = tomlArray(p.dependencies).map((d) => tomlString(tomlTable(d)?.name) ?? '');
    const poetryDeps = Object.keys(tomlTable(p.dependencies) ?? {});
    out.push({
      ecosystem: 'PyPI',
      name: normalizePypiName(name),
      version,
      hashes,
      installScript: onlySdist,
      dependsOn: [...deps, ...poetryDeps].filter(Boolean).map(normalizePypiName),
      dev: tomlString(p.category) === 'dev',
      at,
    });
  }
  return out;
}
