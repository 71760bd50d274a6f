import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { renderJson } from '../report/render-json.js';
import { scanDirectory } from '../scan-directory.js';
import { importAdvisories, indexAdvisories, loadAdvisoryDb, matchAdvisories } from './advisories.js';
import { parseYarnLock } from './parse-npm.js';
import { parsePythonLock } from './parse-python.js';
import { findManifestFiles } from './projects.js';
import { buildSbom } from './sbom.js';
import { parseToml } from './toml.js';
import { compareVersions } from './versions.js';

const n = fileURLToPath(new URL('../detectors/n', import.meta.url));
const osv = join(n, 'mcp-n005-known-vulnerable/osv');
const tmp = mkdtempSync(join(tmpdir(), 'mcphub-sc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A stored/deflated zip writer, enough to test the reader. */
function makeZip(files: { name: string; data: string }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const raw = Buffer.from(f.data);
    const comp = deflateRawSync(raw);
    const name = Buffer.from(f.name);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(8, 8);
    lh.writeUInt32LE(crc32(raw), 14);
    lh.writeUInt32LE(comp.length, 18);
    lh.writeUInt32LE(raw.length, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(8, 10);
    ch.writeUInt32LE(crc32(raw), 16);
    ch.writeUInt32LE(comp.length, 20);
    ch.writeUInt32LE(raw.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, comp);
    centrals.push(ch, name);
    offset += 30 + name.length + comp.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

describe('version ordering', () => {
  it('orders PEP 440 versions', () => {
    const sorted = ['1.0.post1', '1.0', '1.0rc1', '1.0.dev1', '1.0a1', '1.0b2', '0.9', '1!0.1', '1.0.1'].sort(
      (a, b) => compareVersions('PyPI', a, b),
    );
    expect(sorted).toEqual([
      '0.9',
      '1.0.dev1',
      '1.0a1',
      '1.0b2',
      '1.0rc1',
      '1.0',
      '1.0.post1',
      '1.0.1',
      '1!0.1',
    ]);
    expect(compareVersions('PyPI', '2.10.0', '2.9')).toBe(1);
    expect(compareVersions('PyPI', '3.1', '3.1.0')).toBe(0);
  });
  it('orders npm and Go semver, with OSV "0" first', () => {
    expect(compareVersions('npm', '4.17.20', '4.17.3')).toBe(1);
    expect(compareVersions('npm', '1.0.0-beta.2', '1.0.0')).toBe(-1);
    expect(compareVersions('Go', 'v0.17.0', '0.23.0')).toBe(-1);
    expect(compareVersions('Go', 'v0.0.0-20240101000000-abcdef123456', '0.1.0')).toBe(-1);
    expect(compareVersions('npm', '0', '0.0.1')).toBe(-1);
  });
});

describe('OSV advisory store', () => {
  it('imports a folder and matches by ecosystem, normalized name and version range', async () => {
    const db = join(tmp, 'dir-db.json');
    const res = await importAdvisories(osv, db);
    expect(res).toMatchObject({ imported: 5, skipped: 0, total: 5 });
    const loaded = await loadAdvisoryDb(db);
    expect(matchAdvisories(loaded, 'npm', 'lodash', '4.17.20').map((m) => m.advisory.id)).toEqual([
      'GHSA-35jh-r3h4-6jhm',
    ]);
    expect(matchAdvisories(loaded, 'npm', 'lodash', '4.17.20')[0]?.fixed).toBe('4.17.21');
    expect(matchAdvisories(loaded, 'npm', 'lodash', '4.17.21')).toEqual([]);
    expect(matchAdvisories(loaded, 'PyPI', 'Requests', '2.31.0')).toHaveLength(1);
    expect(matchAdvisories(loaded, 'PyPI', 'requests', '2.32.0')).toEqual([]);
    expect(matchAdvisories(loaded, 'PyPI', 'jinja2', '2.11.3')).toEqual([]); // introduced 3.0.0a1
    expect(matchAdvisories(loaded, 'PyPI', 'jinja2', '3.1.5')).toHaveLength(1);
    expect(matchAdvisories(loaded, 'Go', 'golang.org/x/net', 'v0.22.0')).toHaveLength(1);
    expect(matchAdvisories(loaded, 'Go', 'golang.org/x/net', 'v0.23.0')).toEqual([]);
    expect(matchAdvisories(loaded, 'npm', 'golang.org/x/net', 'v0.1.0')).toEqual([]);
    // Re-importing the same records changes nothing and the file is deterministic.
    const before = readFileSync(db, 'utf8');
    expect((await importAdvisories(osv, db)).imported).toBe(0);
    expect(readFileSync(db, 'utf8')).toBe(before);
  });

  it('imports an osv.dev-style zip, last_affected and explicit versions', async () => {
    const zip = join(tmp, 'all.zip');
    const rec = (id: string, extra: object) =>
      JSON.stringify({
        id,
        modified: '2025-01-01T00:00:00Z',
        affected: [{ package: { ecosystem: 'npm', name: 'left-pad' }, ...extra }],
      });
    writeFileSync(
      zip,
      makeZip([
        { name: 'MAL-1.json', data: rec('MAL-1', { versions: ['1.3.1'] }) },
        {
          name: 'GHSA-x.json',
          data: rec('GHSA-x', {
            ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { last_affected: '1.2.0' }] }],
          }),
        },
        { name: 'readme.txt', data: 'not json' },
      ]),
    );
    const db = join(tmp, 'zip-db.json');
    expect(await importAdvisories(zip, db)).toMatchObject({ imported: 2, total: 2 });
    const loaded = await loadAdvisoryDb(db);
    expect(matchAdvisories(loaded, 'npm', 'left-pad', '1.2.0').map((m) => m.advisory.id)).toEqual(['GHSA-x']);
    expect(matchAdvisories(loaded, 'npm', 'left-pad', '1.2.1')).toEqual([]);
    expect(matchAdvisories(loaded, 'npm', 'left-pad', '1.3.1').map((m) => m.advisory.id)).toEqual(['MAL-1']);
    expect(matchAdvisories(loaded, 'npm', 'left-pad', '0.9.0')).toEqual([]);
  });

  it('ignores withdrawn advisories', () => {
    const db = indexAdvisories([
      {
        id: 'W',
        withdrawn: '2024-01-01',
        affected: [{ package: { ecosystem: 'npm', name: 'a' }, versions: ['1.0.0'] }],
      },
    ]);
    expect(matchAdvisories(db, 'npm', 'a', '1.0.0')).toEqual([]);
  });
});

describe('manifest parsers', () => {
  it('reads TOML tables, arrays of tables, inline tables and multi-line arrays', () => {
    const doc = parseToml(
      'a = "x" # c\n[t.u]\nk = 1\nl = [\n  "p", # c\n  { n = "q", v = true },\n]\n[[p]]\nname = \'r\'\n[[p]]\nname = """s"""\n',
    );
    expect(doc).toEqual({
      a: 'x',
      t: { u: { k: 1, l: ['p', { n: 'q', v: true }] } },
      p: [{ name: 'r' }, { name: 's' }],
    });
  });
  it('reads yarn v1 blocks with integrity', () => {
    const locked = parseYarnLock({
      path: 'yarn.lock',
      text: '# yarn lockfile v1\n\n"@a/b@^1.0.0", "@a/b@^1.1":\n  version "1.2.0"\n  integrity sha512-AAAA\n  dependencies:\n    c "^2"\n\nc@^2:\n  version "2.0.1"\n',
    });
    expect(locked.map((l) => [l.name, l.version, l.dependsOn, l.at.line])).toEqual([
      ['@a/b', '1.2.0', ['c'], 3],
      ['c', '2.0.1', [], 9],
    ]);
    expect(locked[0]?.hashes).toEqual([{ alg: 'SHA-512', content: '000000' }]);
  });
  it('skips manifests in dependency folders and in folders the root ignore files exclude', async () => {
    const root = mkdtempSync(join(tmp, 'ign-'));
    const pkg = JSON.stringify({ name: 'x', version: '1.0.0', dependencies: { zod: '*' } });
    for (const dir of ['', 'node_modules/a', 'examples/demo', 'packages/core']) {
      const d = join(root, dir);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'package.json'), pkg);
    }
    writeFileSync(join(root, '.mcphubignore'), 'examples/\n');
    expect(await findManifestFiles(root)).toEqual(['package.json', 'packages/core/package.json']);
  });

  it('marks sdist-only Python packages as running install-time code', () => {
    const locked = parsePythonLock({
      path: 'uv.lock',
      text: 'version = 1\n[[package]]\nname = "A_b"\nversion = "1.0"\nsdist = { url = "u", hash = "sha256:ab" }\n',
    });
    expect(locked).toMatchObject([
      { name: 'a-b', version: '1.0', installScript: true, hashes: [{ alg: 'SHA-256', content: 'ab' }] },
    ]);
  });
});

describe('CycloneDX SBOM', () => {
  const isHex = /^[0-9a-f]+$/;
  it('is a structurally valid CycloneDX 1.6 document with purls, hashes and dependencies', async () => {
    const report = await scanDirectory(join(n, 'mcp-n003-install-scripts/fixtures/javascript/scripts-vuln'));
    const bom = report.sbom;
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.specVersion).toBe('1.6');
    expect(bom.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(bom.version).toBe(1);
    expect(bom.metadata.component).toMatchObject({
      type: 'application',
      name: 'browser-mcp',
      version: '1.0.0',
    });
    const refs = new Set([bom.metadata.component['bom-ref'], ...bom.components.map((c) => c['bom-ref'])]);
    expect(refs.size).toBe(bom.components.length + 1);
    expect(bom.components.map((c) => c.purl)).toEqual([
      'pkg:npm/%40modelcontextprotocol/sdk@1.24.0',
      'pkg:npm/puppeteer@24.10.0',
    ]);
    for (const c of bom.components) {
      expect(['library', 'application', 'framework']).toContain(c.type);
      expect(c.name.length).toBeGreaterThan(0);
      expect(c.version.length).toBeGreaterThan(0);
      expect(c['bom-ref']).toBe(c.purl);
      expect(c.hashes?.length).toBeGreaterThan(0);
      for (const h of c.hashes ?? []) {
        expect([
          'MD5',
          'SHA-1',
          'SHA-256',
          'SHA-384',
          'SHA-512',
          'SHA3-256',
          'SHA3-512',
          'BLAKE2b-256',
        ]).toContain(h.alg);
        expect(h.content).toMatch(isHex);
      }
    }
    expect(bom.components[0]).toMatchObject({ group: '@modelcontextprotocol', name: 'sdk' });
    for (const d of bom.dependencies) {
      expect(refs.has(d.ref)).toBe(true);
      for (const x of d.dependsOn) expect(refs.has(x)).toBe(true);
    }
    expect(bom.dependencies[0]).toEqual({
      ref: bom.metadata.component['bom-ref'],
      dependsOn: ['pkg:npm/%40modelcontextprotocol/sdk@1.24.0', 'pkg:npm/puppeteer@24.10.0'],
    });
  });

  it('covers PyPI and Go lockfiles, and is byte-identical across runs', async () => {
    const root = join(n, 'mcp-n005-known-vulnerable/fixtures');
    const a = await scanDirectory(root);
    const b = await scanDirectory(root);
    expect(JSON.stringify(a.sbom)).toBe(JSON.stringify(b.sbom));
    const strip = (s: string) => s.replace(/"run": \{[^}]*\}/, '');
    expect(strip(renderJson(a))).toBe(strip(renderJson(b)));
    const purls = a.sbom.components.map((c) => c.purl);
    expect(purls).toContain('pkg:golang/golang.org/x/net@v0.17.0');
    expect(purls).toContain('pkg:pypi/requests@2.31.0');
    expect(purls).toContain('pkg:pypi/jinja2@3.1.4');
    const req = a.sbom.components.find((c) => c.purl === 'pkg:pypi/requests@2.31.0');
    expect(req?.hashes?.[0]?.alg).toBe('SHA-256');
  });

  it('changes its serial number with the content and is empty without manifests', () => {
    const empty = buildSbom([], 'x');
    expect(empty.components).toEqual([]);
    expect(empty.dependencies).toEqual([{ ref: 'mcphub:root', dependsOn: [] }]);
    expect(buildSbom([], 'y').serialNumber).not.toBe(empty.serialNumber);
  });
});
