/** Every detector has docs, fixtures for each language it claims, valid unique metadata and an index entry. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIDENCES, FINDING_CLASSES, LANGUAGES, SEVERITIES } from '../types.js';
import type { Detector } from './api.js';
import { parseAnnotations, parseSidecar } from './fixture-annotations.js';
import { listDetectors } from './index.js';

const here = fileURLToPath(new URL('.', import.meta.url));

function detectorFolders(): { cls: string; name: string; dir: string }[] {
  return readdirSync(here)
    .filter((d) => /^[a-n]$/.test(d))
    .flatMap((cls) =>
      readdirSync(join(here, cls))
        .filter((name) => statSync(join(here, cls, name)).isDirectory())
        .map((name) => ({ cls, name, dir: join(here, cls, name) })),
    );
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('detector catalogue', () => {
  const detectors = listDetectors();

  it('has unique, well-formed ids', () => {
    const ids = detectors.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^MCP-[A-N]\d{3}$/);
  });

  it('lists every detector folder, and every entry has a folder', () => {
    const folders = detectorFolders();
    const folderIds = folders.map((f) => f.name.slice(0, 8).toUpperCase());
    expect([...folderIds].sort()).toEqual(detectors.map((d) => d.id).sort());
  });

  for (const d of detectors) {
    describe(d.id, () => {
      const folder = detectorFolders().find((f) => f.name.slice(0, 8).toUpperCase() === d.id);

      it('has valid metadata', () => {
        const check = (x: Detector) => {
          expect(FINDING_CLASSES).toContain(x.class);
          expect(x.id.charAt(4)).toBe(x.class);
          expect(SEVERITIES).toContain(x.severity);
          expect(CONFIDENCES).toContain(x.confidence);
          expect(x.languages.length).toBeGreaterThan(0);
          for (const l of x.languages) expect(LANGUAGES).toContain(l);
          expect(x.cwe.length).toBeGreaterThan(0);
          for (const c of x.cwe) expect(c).toMatch(/^CWE-\d+$/);
          expect(x.title.length).toBeGreaterThan(5);
          expect(x.remediation.length).toBeGreaterThan(20);
          expect(x.taint !== undefined || x.visitors !== undefined).toBe(true);
        };
        check(d);
        for (const s of d.taint?.sinks ?? []) for (const l of s.languages) expect(d.languages).toContain(l);
      });

      it('lives in the folder of its class, with a README', () => {
        expect(
          folder,
          `no folder src/detectors/${d.class.toLowerCase()}/${d.id.toLowerCase()}-*`,
        ).toBeDefined();
        if (!folder) return;
        expect(folder.cls).toBe(d.class.toLowerCase());
        expect(existsSync(join(folder.dir, 'README.md'))).toBe(true);
        expect(readFileSync(join(folder.dir, 'README.md'), 'utf8')).toContain(d.id);
        expect(existsSync(join(folder.dir, 'detector.ts'))).toBe(true);
      });

      it('has positive and negative fixtures for each language it claims', () => {
        if (!folder) return;
        for (const lang of d.languages) {
          const dir = join(folder.dir, 'fixtures', lang);
          expect(existsSync(dir), `missing fixtures/${lang}`).toBe(true);
          const annotations = filesUnder(dir).flatMap((f) =>
            f.endsWith('/expected.json')
              ? parseSidecar(readFileSync(f, 'utf8'), (rel) => readFileSync(join(dirname(f), rel), 'utf8'))
                  .annotations
              : parseAnnotations(readFileSync(f, 'utf8')),
          );
          const mine = annotations.filter((a) => a.ruleId === d.id);
          expect(
            mine.some((a) => a.kind === 'expect'),
            `no "expect: ${d.id}" in fixtures/${lang}`,
          ).toBe(true);
          expect(
            mine.some((a) => a.kind === 'ok'),
            `no "ok: ${d.id}" in fixtures/${lang}`,
          ).toBe(true);
        }
      });
    });
  }
});
