/** Taint-engine behaviours, each on a tiny server: what must be found and what must stay quiet. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanDirectory } from '../scan-directory.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function findings(files: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mcphub-engine-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const report = await scanDirectory(dir);
  return report.findings.filter((f) => f.class === 'A').map((f) => `${f.ruleId}:${f.location.startLine}`);
}

const PY = (body: string) =>
  `import os, subprocess, re\nfrom mcp.server.fastmcp import FastMCP\nmcp = FastMCP("t")\n\n@mcp.tool()\ndef t(x: str, n: int) -> str:\n${body
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}\n`;

describe('taint engine', () => {
  it('follows assignments, f-strings and string methods (line 7 is the first body line)', async () => {
    expect(await findings({ 's.py': PY('c = "ls " + x.strip()\ny = f"{c} -la"\nos.system(y)') })).toEqual([
      'MCP-A001:9',
    ]);
  });

  it('does not report constants, integers or reassigned variables', async () => {
    const body = 'os.system("ls")\nos.system(f"seq {n}")\nx = "safe"\nos.system(x)';
    expect(await findings({ 's.py': PY(body) })).toEqual([]);
  });

  it('a container lookup by a tainted key yields the container value, not the key', async () => {
    const body = 'CMDS = {"a": "ls", "b": "df"}\nos.system(CMDS[x])';
    expect(await findings({ 's.py': PY(body) })).toEqual([]);
  });

  it('allowlist and regex guards that exit clean the variable after the if', async () => {
    const body = 'if x not in ("a", "b"):\n    raise ValueError()\nos.system("run " + x)';
    expect(await findings({ 's.py': PY(body) })).toEqual([]);
    const regex = 'if not re.fullmatch(r"[a-z]+", x):\n    return "no"\nos.system("run " + x)';
    expect(await findings({ 's.py': PY(regex) })).toEqual([]);
  });

  it('a guard that does not exit does not clean', async () => {
    const body = 'if x not in ("a", "b"):\n    print("warning")\nos.system("run " + x)';
    expect(await findings({ 's.py': PY(body) })).toEqual(['MCP-A001:9']);
  });

  it('list.append taints the list; argv without a shell is not command injection', async () => {
    const body =
      'args = ["ls"]\nargs.append(x)\nsubprocess.run(args)\nsubprocess.run(" ".join(args), shell=True)';
    expect(await findings({ 's.py': PY(body) })).toEqual(['MCP-A001:10']);
  });

  it('summaries carry taint through helpers and back out of them', async () => {
    const src = `${PY('return run(wrap(x))')}\ndef wrap(v):\n    return "echo " + v\n\ndef run(c):\n    return os.popen(c).read()\n`;
    expect(await findings({ 's.py': src })).toEqual(['MCP-A001:13']);
  });

  it('a helper whose parameter never reaches a sink cleans nothing and reports nothing', async () => {
    const src = `${PY('return run(x)')}\ndef run(c):\n    print(c)\n    return os.popen("uptime").read()\n`;
    expect(await findings({ 's.py': src })).toEqual([]);
  });

  it('loops: taint flows through for-loop variables and across iterations', async () => {
    const body = 'acc = ""\nfor part in x.split(","):\n    acc = acc + part\nos.system("echo " + acc)';
    expect(await findings({ 's.py': PY(body) })).toEqual(['MCP-A001:10']);
  });

  it('resolves imports across files of the project (TS)', async () => {
    const server = `import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { shell } from './lib.js';
const s = new McpServer({ name: 'x', version: '1' });
s.tool('t', { x: z.string() }, async ({ x }) => ({ content: [{ type: 'text', text: shell(x) }] }));
`;
    const lib = `import * as cp from 'node:child_process';
export function shell(c: string): string {
  return cp.execSync(c).toString();
}
`;
    expect(await findings({ 'server.ts': server, 'lib.ts': lib })).toEqual(['MCP-A001:3']);
  });

  it('fast mode keeps same-file flows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcphub-engine-'));
    dirs.push(dir);
    writeFileSync(join(dir, 's.py'), PY('os.system(x)'));
    const report = await scanDirectory(dir, { mode: 'fast' });
    expect(report.mode).toBe('fast');
    expect(report.findings.map((f) => f.ruleId)).toEqual(['MCP-A001']);
  });
});
