/**
 * CycloneDX 1.6 JSON SBOM of the scanned tree: one component per resolved dependency (lockfiles,
 * exact pins), with purls and the hashes lockfiles record. Deterministic: no timestamp, and the
 * serial number is a UUIDv5-style hash of the content.
 */
import { createHash } from 'node:crypto';
import { SCANNER_NAME, SCANNER_VERSION } from '../version.js';
import { type Ecosystem, type Hash, normalizePypiName, type Project } from './types.js';

export interface CdxHash {
  alg: Hash['alg'];
  content: string;
}
export interface CdxComponent {
  type: 'library' | 'application';
  'bom-ref': string;
  group?: string;
  name: string;
  version: string;
  scope?: 'required' | 'optional';
  purl?: string;
  hashes?: CdxHash[];
}
export interface CycloneDxBom {
  bomFormat: 'CycloneDX';
  specVersion: '1.6';
  serialNumber: string;
  version: number;
  metadata: {
    tools: { components: { type: 'application'; name: string; version: string }[] };
    component: CdxComponent;
  };
  components: CdxComponent[];
  dependencies: { ref: string; dependsOn: string[] }[];
}

export function purlOf(ecosystem: Ecosystem, name: string, version: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%2F/g, '/');
  if (ecosystem === 'npm') return `pkg:npm/${enc(name).replace(/^@/, '%40')}@${enc(version)}`;
  if (ecosystem === 'PyPI') return `pkg:pypi/${enc(normalizePypiName(name))}@${enc(version)}`;
  return `pkg:golang/${enc(name)}@${enc(version)}`;
}

/** A UUID (version 5 layout) from a SHA-1 of the text. */
export function uuidFromContent(text: string): string {
  const h = createHash('sha1').update('mcphub-sbom\0').update(text).digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function buildSbom(projects: readonly Project[], rootName: string): CycloneDxBom {
  const components = new Map<string, CdxComponent & { eco: Ecosystem; deps: string[] }>();
  const add = (
    eco: Ecosystem,
    name: string,
    version: string,
    hashes: readonly Hash[],
    dev: boolean,
    deps: string[],
  ) => {
    const purl = purlOf(eco, name, version);
    const prev = components.get(purl);
    if (prev) {
      if (!prev.hashes && hashes.length > 0) prev.hashes = dedupeHashes(hashes);
      if (!dev) prev.scope = 'required';
      prev.deps = [...new Set([...prev.deps, ...deps])];
      return;
    }
    const slash = eco === 'npm' && name.startsWith('@') ? name.indexOf('/') : -1;
    components.set(purl, {
      type: 'library',
      'bom-ref': purl,
      ...(slash > 0 ? { group: name.slice(0, slash), name: name.slice(slash + 1) } : { name }),
      version,
      scope: dev ? 'optional' : 'required',
      purl,
      ...(hashes.length > 0 ? { hashes: dedupeHashes(hashes) } : {}),
      eco,
      deps,
    });
  };
  const direct: { eco: Ecosystem; name: string; version: string | null }[] = [];
  for (const p of projects) {
    for (const l of p.locked) add(l.ecosystem, l.name, l.version, l.hashes, l.dev, l.dependsOn);
    for (const d of p.declared) {
      const lockedVersion = p.locked.find((l) => sameName(l.ecosystem, l.name, d.name))?.version ?? null;
      if (!lockedVersion && d.pinned) add(d.ecosystem, d.name, d.pinned, d.hashes, d.dev, []);
      direct.push({ eco: d.ecosystem, name: d.name, version: lockedVersion ?? d.pinned });
    }
  }
  const refByName = (eco: Ecosystem, name: string, version: string | null): string | null => {
    if (version) {
      const exact = purlOf(eco, name, version);
      if (components.has(exact)) return exact;
    }
    for (const c of [...components.values()].sort((a, b) => cmp(a['bom-ref'], b['bom-ref'])))
      if (c.eco === eco && sameName(eco, c.group ? `${c.group}/${c.name}` : c.name, name))
        return c['bom-ref'];
    return null;
  };
  const top = projects.find((p) => p.dir === '' && p.name) ?? projects.find((p) => p.name);
  const rootComponent: CdxComponent = {
    type: 'application',
    'bom-ref': 'mcphub:root',
    name: top?.name ?? rootName,
    version: top?.version ?? '0.0.0',
  };
  const sorted = [...components.values()].sort((a, b) => cmp(a['bom-ref'], b['bom-ref']));
  const dependencies = [
    {
      ref: rootComponent['bom-ref'],
      dependsOn: [
        ...new Set(direct.map((d) => refByName(d.eco, d.name, d.version)).filter((r): r is string => !!r)),
      ].sort(),
    },
    ...sorted.map((c) => ({
      ref: c['bom-ref'],
      dependsOn: [
        ...new Set(
          c.deps.map((n) => refByName(c.eco, n, null)).filter((r): r is string => !!r && r !== c['bom-ref']),
        ),
      ].sort(),
    })),
  ];
  const out = sorted.map(({ eco: _eco, deps: _deps, ...c }) => c);
  const serial = uuidFromContent(JSON.stringify([rootComponent, out, dependencies]));
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${serial}`,
    version: 1,
    metadata: {
      tools: { components: [{ type: 'application', name: SCANNER_NAME, version: SCANNER_VERSION }] },
      component: rootComponent,
    },
    components: out,
    dependencies,
  };
}

function sameName(eco: Ecosystem, a: string, b: string): boolean {
  return eco === 'PyPI' ? normalizePypiName(a) === normalizePypiName(b) : a === b;
}

function dedupeHashes(hashes: readonly Hash[]): CdxHash[] {
  const seen = new Map<string, CdxHash>();
  for (const h of hashes) seen.set(`${h.alg}:${h.content}`, { alg: h.alg, content: h.content });
  return [...seen.values()].sort((a, b) => cmp(a.alg, b.alg) || cmp(a.content, b.content));
}
