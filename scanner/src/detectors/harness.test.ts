/**
 * Runs every detector fixture through the real scanner. Fails on a missing `expect:`, on a
 * finding at an `ok:` line, and on any finding nobody annotated. `todo-expect:` is a known miss.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanDirectory } from '../scan-directory.js';
import { importAdvisories } from '../supply-chain/advisories.js';
import { type Annotation, parseAnnotations, parseSidecar, type Sidecar } from './fixture-annotations.js';

const here = fileURLToPath(new URL('.', import.meta.url));

function fixtureSets(): { name: string; root: string; only?: string[] }[] {
  const sets: { name: string; root: string; only?: string[] }[] = [];
  const only = process.env.DETECTOR?.toLowerCase();
  for (const cls of readdirSync(here).filter((d) => /^[a-n]$/.test(d))) {
    for (const det of readdirSync(join(here, cls))) {
      if (only && !det.startsWith(only)) continue;
      const fixtures = join(here, cls, det, 'fixtures');
      if (!statSync(join(here, cls, det)).isDirectory()) continue;
      let langs: string[] = [];
      try {
        langs = readdirSync(fixtures);
      } catch {
        continue;
      }
      for (const lang of langs) {
        for (const entry of readdirSync(join(fixtures, lang))) {
          const abs = join(fixtures, lang, entry);
          const name = `${det}/${lang}/${entry}`;
          if (statSync(abs).isDirectory()) sets.push({ name, root: abs });
          else sets.push({ name, root: join(fixtures, lang), only: [entry] });
        }
      }
    }
  }
  return sets;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe('detector fixtures', () => {
  for (const set of fixtureSets()) {
    it(set.name, async () => {
      // Folder fixtures may carry an expected.json sidecar (annotations for JSON files, an OSV folder).
      const sidecarPath = join(set.root, 'expected.json');
      const sidecar: Sidecar | null =
        !set.only && existsSync(sidecarPath)
          ? parseSidecar(readFileSync(sidecarPath, 'utf8'), (rel) =>
              readFileSync(join(set.root, rel), 'utf8'),
            )
          : null;
      let advisoriesDb: string | undefined;
      let tmp: string | undefined;
      if (sidecar?.advisories) {
        tmp = mkdtempSync(join(tmpdir(), 'mcphub-osv-'));
        advisoriesDb = join(tmp, 'advisories.json');
        await importAdvisories(resolve(set.root, sidecar.advisories), advisoriesDb);
      }
      const report = await scanDirectory(set.root, {
        ...(set.only ? { only: set.only } : {}),
        ...(advisoriesDb ? { advisoriesDb } : {}),
      });
      if (tmp) rmSync(tmp, { recursive: true, force: true });
      const files = set.only ? set.only.map((f) => join(set.root, f)) : walk(set.root);
      const problems: string[] = [];
      for (const abs of files) {
        const rel = relative(set.root, abs).split('\\').join('/');
        const annotations: Annotation[] = [
          ...parseAnnotations(readFileSync(abs, 'utf8')),
          ...(sidecar?.annotations.filter((a) => a.file === rel) ?? []),
        ];
        const found = report.findings.filter((f) => f.location.file === rel);
        const has = (rule: string, line: number) =>
          found.some((f) => f.ruleId === rule && f.location.startLine === line);
        for (const a of annotations) {
          if (a.kind === 'expect' && !has(a.ruleId, a.line))
            problems.push(`missing ${a.ruleId} at ${rel}:${a.line}`);
          if (a.kind === 'ok' && has(a.ruleId, a.line))
            problems.push(`unexpected ${a.ruleId} at ${rel}:${a.line} (ok:)`);
        }
        for (const f of found) {
          const annotated = annotations.some(
            (a) => a.ruleId === f.ruleId && a.line === f.location.startLine && a.kind !== 'ok',
          );
          if (!annotated)
            problems.push(`unannotated ${f.ruleId} at ${rel}:${f.location.startLine}: ${f.message}`);
        }
      }
      expect(report.errors).toEqual([]);
      expect(problems).toEqual([]);
    });
  }
});
