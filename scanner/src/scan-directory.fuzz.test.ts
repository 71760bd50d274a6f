/** Garbage in, a report out: broken syntax, truncation, invalid UTF-8, huge and empty files. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderJson } from './report/render-json.js';
import { renderSarif } from './report/render-sarif.js';
import { renderText } from './report/render-text.js';
import { scanDirectory } from './scan-directory.js';

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fixtureSources(): string[] {
  const root = fileURLToPath(new URL('./detectors/a', import.meta.url));
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(py|ts|js|mjs|go)$/.test(e) && p.includes('fixtures')) out.push(p);
    }
  };
  walk(root);
  return out.sort();
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('scanDirectory on hostile input', () => {
  it('reports on truncated, mutated and garbage files without throwing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcphub-fuzz-'));
    dirs.push(dir);
    const rand = prng(42);
    const sources = fixtureSources();
    const exts = ['py', 'ts', 'tsx', 'js', 'go'];
    let n = 0;
    for (const src of sources) {
      const text = readFileSync(src, 'utf8');
      const ext = src.split('.').pop() as string;
      for (let i = 0; i < 3; i++) {
        const cut = Math.floor(rand() * text.length);
        writeFileSync(join(dir, `trunc-${n++}.${ext}`), text.slice(0, cut));
      }
      const chars = text.split('');
      for (let i = 0; i < 20; i++)
        chars.splice(Math.floor(rand() * chars.length), 1, '{([)]}"\'`'.charAt(Math.floor(rand() * 9)));
      writeFileSync(join(dir, `mutant-${n++}.${ext}`), chars.join(''));
    }
    for (let i = 0; i < 10; i++) {
      const bytes = Buffer.alloc(200 + Math.floor(rand() * 2000));
      for (let j = 0; j < bytes.length; j++) bytes[j] = 1 + Math.floor(rand() * 254);
      writeFileSync(join(dir, `garbage-${i}.${exts[i % exts.length]}`), bytes);
    }
    writeFileSync(join(dir, 'empty.py'), '');
    writeFileSync(join(dir, 'bom.ts'), '\uFEFF');
    writeFileSync(
      join(dir, 'invalid-utf8.py'),
      Buffer.from([0x70, 0x72, 0x69, 0x6e, 0x74, 0x28, 0xff, 0xfe, 0xc3, 0x28, 0x29, 0x0a]),
    );
    writeFileSync(join(dir, 'nul.go'), Buffer.from('package main\x00\x00func main() {}'));
    writeFileSync(join(dir, 'deep.js'), `${'['.repeat(5000)}${']'.repeat(5000)}`);
    writeFileSync(join(dir, 'deep-calls.py'), `x = ${'f('.repeat(3000)}1${')'.repeat(3000)}\n`);
    writeFileSync(join(dir, 'long.ts'), `const s = "${'a'.repeat(100_000)}";\nexec(s);\n`);
    writeFileSync(join(dir, 'big.py'), 'import os\nos.system("ls")\n'.repeat(4000));

    const report = await scanDirectory(dir, { fileTimeBudgetMs: 2000 });
    expect(report.files.length).toBe(readdirSync(dir).length);
    expect(renderJson(report).length).toBeGreaterThan(0);
    expect(() => JSON.parse(renderSarif(report))).not.toThrow();
    expect(renderText(report, { color: false })).toContain('finding(s)');
    const nul = report.files.find((f) => f.path === 'nul.go');
    expect(nul?.status).toBe('skipped');
    expect(nul?.reason).toBe('binary');
  });

  it('skips files over the size limit and records them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcphub-fuzz-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'huge.py'), `# ${'x'.repeat(5000)}\nimport os\n`);
    const report = await scanDirectory(dir, { maxFileBytes: 1000 });
    expect(report.files).toEqual([
      expect.objectContaining({ path: 'huge.py', status: 'skipped', reason: 'too-large' }),
    ]);
  });

  it('marks a file partial when its time budget is spent, and still reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcphub-fuzz-'));
    dirs.push(dir);
    const body = Array.from({ length: 3000 }, (_, i) => `    v${i} = v${Math.max(i - 1, 0)} + cmd\n`).join(
      '',
    );
    writeFileSync(join(dir, 'slow.py'), `def handler(cmd):\n    v0 = cmd\n${body}    return v2999\n`);
    const report = await scanDirectory(dir, { fileTimeBudgetMs: 1 });
    expect(report.files[0]?.path).toBe('slow.py');
    expect(['partial', 'skipped', 'scanned']).toContain(report.files[0]?.status);
    if (report.files[0]?.status !== 'scanned') {
      expect(report.errors.map((e) => e.code)).toContain('SCAN_ERR_FILE_BUDGET');
    }
  });
});
