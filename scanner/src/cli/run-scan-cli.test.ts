import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runScanCli } from './run-scan-cli.js';

const vuln = fileURLToPath(new URL('../detectors/a/mcp-a001-shell-command/fixtures/python', import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

describe('mcphub scan', () => {
  it('prints JSON and exits 0 without --fail-on', async () => {
    const c = capture();
    expect(await runScanCli(['scan', vuln, '--format', 'json'], c.io)).toBe(0);
    expect(JSON.parse(c.out()).findings.length).toBeGreaterThan(0);
  });

  it('exits 1 when a finding reaches --fail-on', async () => {
    const c = capture();
    expect(await runScanCli(['scan', vuln, '--fail-on', 'critical', '--format=sarif'], c.io)).toBe(1);
    expect(JSON.parse(c.out()).version).toBe('2.1.0');
  });

  it('exits 0 when nothing reaches the threshold', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'mcphub-cli-'));
    dirs.push(empty);
    const c = capture();
    expect(await runScanCli(['scan', empty, '--fail-on', 'low'], c.io)).toBe(0);
    expect(c.out()).toContain('0 finding(s)');
  });

  it('writes --output and keeps stdout empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcphub-cli-'));
    dirs.push(dir);
    const c = capture();
    const file = join(dir, 'r.json');
    expect(await runScanCli([vuln, '--format', 'json', '--output', file, '--mode', 'fast'], c.io)).toBe(0);
    expect(c.out()).toBe('');
    expect(JSON.parse(readFileSync(file, 'utf8')).mode).toBe('fast');
  });

  it('shows progress on a terminal, and only there', async () => {
    const err: string[] = [];
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s), isTTY: true } };
    expect(await runScanCli(['scan', vuln, '--format', 'json'], io)).toBe(0);
    expect(err.join('')).toMatch(/parsing \d+\/\d+ files/);
    expect(err.join('')).toMatch(/analyzing \d+%/);
    const quiet = capture();
    await runScanCli(['scan', vuln, '--format', 'json'], quiet.io);
    expect(quiet.err()).toBe('');
  });

  it.each([
    [['scan']],
    [['scan', vuln, '--format', 'xml']],
    [['scan', vuln, '--fail-on', 'severe']],
    [['scan', vuln, '--bogus']],
    [['scan', '/definitely/not/here']],
  ])('exits 2 on bad usage or scan errors: %j', async (argv) => {
    const c = capture();
    expect(await runScanCli(argv, c.io)).toBe(2);
    expect(c.err()).toMatch(/mcphub scan:/);
  });
});
