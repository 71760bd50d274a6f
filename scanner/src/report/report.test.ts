import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { scanDirectory } from '../scan-directory.js';
import { SEVERITIES } from '../types.js';
import { renderJson } from './render-json.js';
import { renderSarif } from './render-sarif.js';
import { renderText } from './render-text.js';

const fixtures = fileURLToPath(new URL('../detectors/a', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function withoutRun(json: string): unknown {
  const { run: _run, ...rest } = JSON.parse(json);
  return rest;
}

describe('native JSON report', () => {
  it('is byte-identical across runs apart from the run block', async () => {
    const a = renderJson(await scanDirectory(fixtures));
    const b = renderJson(await scanDirectory(fixtures));
    expect(withoutRun(a)).toEqual(withoutRun(b));
    const strip = (s: string) => s.replace(/"run": \{[^}]*\}/, '');
    expect(strip(a)).toBe(strip(b));
  });

  it('has the documented shape', async () => {
    const report = await scanDirectory(fixtures);
    expect(report.schemaVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(report.findings.length).toBeGreaterThan(20);
    for (const f of report.findings) {
      expect(f.id).toMatch(/^[0-9a-f]{20}$/);
      expect(f.ruleId).toMatch(/^MCP-[A-N]\d{3}$/);
      expect(SEVERITIES).toContain(f.severity);
      expect(f.location.startLine).toBeGreaterThan(0);
      expect(f.location.file).not.toMatch(/^\//);
      if (f.class === 'A') {
        expect(f.trace[0]?.kind).toBe('source');
        expect(f.trace[f.trace.length - 1]?.kind).toBe('sink');
      }
      expect(f.snippet.length).toBeGreaterThan(0);
    }
    expect(new Set(report.findings.map((f) => f.id)).size).toBe(report.findings.length);
    expect(report.summary.total).toBe(report.findings.length);
    expect(report.summary.byClass.A).toBe(report.findings.filter((f) => f.class === 'A').length);
    for (const file of report.files) expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.findings.some((f) => f.tool !== undefined)).toBe(true);
  });

  it('keeps finding ids stable when unrelated lines are added above', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcphub-ids-'));
    dirs.push(dir);
    const src = join(fixtures, 'mcp-a001-shell-command/fixtures/python/ping_vuln.py');
    cpSync(src, join(dir, 'server.py'));
    const before = (await scanDirectory(dir)).findings.map((f) => f.id);
    writeFileSync(join(dir, 'server.py'), `# a new comment\nimport json\n\n${readFileSync(src, 'utf8')}`);
    const after = await scanDirectory(dir);
    expect(after.findings.map((f) => f.id)).toEqual(before);
    expect(after.findings[0]?.location.startLine).toBeGreaterThan(3);
  });
});

describe('one bug, one finding', () => {
  it('reports a helper reached from two tools once, under the first tool', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcphub-dedupe-'));
    dirs.push(dir);
    writeFileSync(
      join(dir, 's.py'),
      [
        'import os',
        'from mcp.server.fastmcp import FastMCP',
        'mcp = FastMCP("x")',
        'def run(c):',
        '    return os.popen(c).read()',
        '@mcp.tool()',
        'def zeta(a: str) -> str:',
        '    return run(a)',
        '@mcp.tool()',
        'def alpha(b: str) -> str:',
        '    return run("ls " + b)',
        '',
      ].join('\n'),
    );
    const { findings } = await scanDirectory(dir);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.tool).toBe('alpha');
    expect(findings[0]?.message).toContain('also reachable from tools: zeta');
    expect(findings[0]?.trace[0]?.note).toContain('alpha');
  });
});

describe('SARIF 2.1.0', () => {
  it('carries the required structure', async () => {
    const report = await scanDirectory(fixtures);
    const sarif = JSON.parse(renderSarif(report));
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs).toHaveLength(1);
    const run = sarif.runs[0];
    expect(run.tool.driver.name).toBe('mcphub-scanner');
    expect(run.tool.driver.rules.length).toBeGreaterThanOrEqual(6);
    for (const rule of run.tool.driver.rules) {
      expect(rule.id).toMatch(/^MCP-/);
      expect(rule.shortDescription.text.length).toBeGreaterThan(0);
      expect(rule.properties.tags.some((t: string) => t.startsWith('external/cwe/cwe-'))).toBe(true);
    }
    expect(run.results).toHaveLength(report.findings.length);
    for (const r of run.results) {
      expect(typeof r.ruleId).toBe('string');
      expect(['error', 'warning', 'note', 'none']).toContain(r.level);
      expect(r.message.text.length).toBeGreaterThan(0);
      const loc = r.locations[0].physicalLocation;
      expect(loc.artifactLocation.uri).not.toMatch(/^\/|^file:/);
      expect(loc.region.startLine).toBeGreaterThan(0);
      expect(r.properties.class).toMatch(/^[A-N]$/);
      expect(SEVERITIES).toContain(r.properties.severity);
      expect(['high', 'medium', 'low']).toContain(r.properties.confidence);
      expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
    }
  });
});

describe('text report', () => {
  it('shows a code frame, the trace and the surface', async () => {
    const report = await scanDirectory(join(fixtures, 'mcp-a001-shell-command/fixtures/go'));
    const text = renderText(report, { color: false });
    expect(text).toContain('CRITICAL MCP-A001');
    expect(text).toMatch(/> +\d+ \|/);
    expect(text).toContain('trace:');
    expect(text).toContain('MCP surface:');
    expect(text).not.toContain('\x1b[');
    expect(renderText(report, { color: true })).toContain('\x1b[');
  });
});
