import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { scanDirectory } from '../scan-directory.js';

const fx = (path: string) => fileURLToPath(new URL(`../detectors/a/${path}`, import.meta.url));

async function surfaceOf(dir: string, file: string) {
  return (await scanDirectory(dir, { only: [file] })).surface;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('MCP surface extraction', () => {
  it('TS SDK: registerTool with the name, config and zod schema in module constants', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcphub-surface-'));
    dirs.push(dir);
    writeFileSync(
      join(dir, 'echo.js'),
      `import { z } from "zod";
export const EchoSchema = z.object({ message: z.string().describe("Message to echo") });
const name = "echo";
const config = { title: "Echo", description: "Echoes back the input", inputSchema: EchoSchema };
export const registerEchoTool = (server) => {
  server.registerTool(name, config, async (args) => ({ content: [{ type: "text", text: args.message }] }));
};
`,
    );
    const s = (await scanDirectory(dir)).surface;
    expect(s.tools).toEqual([
      expect.objectContaining({
        name: 'echo',
        description: 'Echoes back the input',
        parameters: [{ name: 'message', type: 'string', required: true, description: 'Message to echo' }],
      }),
    ]);
  });

  it('TS SDK: server.tool and registerTool with zod schemas, stdio transport', async () => {
    const s = await surfaceOf(fx('mcp-a001-shell-command/fixtures/typescript'), 'git-server-vuln.ts');
    expect(s.tools.map((t) => [t.name, t.sdk])).toEqual([
      ['git_log', 'ts-sdk'],
      ['archive', 'ts-sdk'],
      ['search', 'ts-sdk'],
    ]);
    const log = s.tools[0];
    expect(log?.description).toBe('Show the log of a branch');
    expect(log?.parameters).toEqual([
      { name: 'branch', type: 'string', required: true, description: 'branch name' },
      { name: 'limit', type: 'integer', required: true },
    ]);
    expect(log?.handler?.location.startLine).toBeGreaterThan(0);
    expect(s.tools[1]?.description).toBe('Archive a folder');
    expect(s.transports.map((t) => t.kind)).toEqual(['stdio']);
  });

  it('TS SDK low level: ListTools objects with JSON Schema', async () => {
    const s = await surfaceOf(fx('mcp-a001-shell-command/fixtures/javascript'), 'low-level-vuln.mjs');
    expect(s.tools).toEqual([
      expect.objectContaining({
        name: 'restart_service',
        description: 'Restart a systemd service',
        sdk: 'ts-sdk-low-level',
        parameters: [{ name: 'service', type: 'string', required: true }],
      }),
    ]);
  });

  it('Streamable HTTP with express', async () => {
    const s = await surfaceOf(fx('mcp-a003-code-eval/fixtures/typescript'), 'transform.ts');
    expect(s.transports.map((t) => t.kind)).toContain('streamable-http');
  });

  it('FastMCP: decorated tools, docstrings, type hints, default stdio', async () => {
    const s = await surfaceOf(fx('mcp-a001-shell-command/fixtures/python'), 'ping_vuln.py');
    expect(s.tools.map((t) => t.name)).toEqual(['ping', 'disk_usage', 'grep_logs']);
    expect(s.tools[0]).toMatchObject({
      description: 'Ping a host.',
      sdk: 'fastmcp',
      parameters: [
        { name: 'count', type: 'integer', required: false },
        { name: 'host', type: 'string', required: true },
      ],
    });
    expect(s.transports.map((t) => t.kind)).toEqual(['stdio']);
  });

  it('Python low-level Server: list_tools Tool(...) and stdio_server', async () => {
    const s = await surfaceOf(fx('mcp-a004-unsafe-deserialization/fixtures/python'), 'state_store.py');
    expect(s.tools.map((t) => [t.name, t.sdk])).toEqual([
      ['restore_state', 'python-low-level'],
      ['load_config', 'python-low-level'],
    ]);
    expect(s.tools[0]?.parameters).toEqual([{ name: 'blob', type: 'string', required: true }]);
    expect(s.transports.map((t) => t.kind)).toEqual(['stdio']);
  });

  it('mcp-go: NewTool options, AddTool with named and inline handlers, ServeStdio', async () => {
    const s = await surfaceOf(fx('mcp-a001-shell-command/fixtures/go'), 'mcpgo_vuln.go');
    expect(s.tools.map((t) => [t.name, t.sdk])).toEqual([
      ['ping', 'mcp-go'],
      ['dig', 'mcp-go'],
      ['traceroute', 'mcp-go'],
    ]);
    expect(s.tools[0]).toMatchObject({
      description: 'Ping a host',
      parameters: [{ name: 'host', type: 'string', required: true, description: 'host name' }],
      handler: { name: 'pingHandler' },
    });
    expect(s.transports.map((t) => t.kind)).toEqual(['stdio']);
  });

  it('go-sdk: mcp.AddTool with a typed args struct', async () => {
    const s = await surfaceOf(fx('mcp-a002-argument-injection/fixtures/go'), 'gosdk_git.go');
    expect(s.tools[0]).toMatchObject({
      name: 'clone',
      description: 'Clone a repository',
      sdk: 'go-sdk',
      parameters: [
        { name: 'depth', type: 'integer', required: false },
        { name: 'url', type: 'string', required: true, description: 'repository URL' },
      ],
    });
    expect(s.transports.map((t) => t.kind)).toEqual(['stdio']);
  });
});
