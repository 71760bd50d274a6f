import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { canonicalToolsDigest } from '../guard/tools-digest.js';
import { createToolsGuard } from '../guard/tools-guard.js';
import { resolvePolicy } from '../policy/load.js';
import { startSandboxed } from '../run.js';
import { runtimeCheck } from './runtime-check.js';
import { bridgeStdio } from './stdio-bridge.js';

const require = createRequire(import.meta.url);
const isLinux = process.platform === 'linux';

function memoryServer() {
  const pkgDir = dirname(
    require.resolve('@modelcontextprotocol/server-memory/package.json', {
      paths: [join(process.cwd(), 'tests'), process.cwd()],
    }),
  );
  const policy = resolvePolicy({
    filesystem: { mounts: [{ host: dirname(dirname(pkgDir)), sandbox: '/node_modules' }] },
    env: { set: { MEMORY_FILE_PATH: '/tmp/memory.jsonl' } },
  });
  return { pkgDir, policy };
}

describe.skipIf(!isLinux)('runtimeCheck (level-3 evidence) and the mcphub run stdio bridge', () => {
  it('starts server-memory sandboxed, lists its tools and hashes them', async () => {
    const { pkgDir, policy } = memoryServer();
    const r = await runtimeCheck({
      command: 'node',
      args: ['dist/index.js'],
      cwd: pkgDir,
      policy,
      onWarning: () => {},
    });
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.serverInfo?.name).toMatch(/memory/);
    expect(r.tools.length).toBeGreaterThan(3);
    expect(r.toolsDigest).toBe(canonicalToolsDigest(r.tools));
    expect(r.isolation?.namespaces.net).toBe(true);
    console.log(`runtime check: ${r.tools.length} tools, ${r.toolsDigest}, ${r.durationMs} ms`);
  });

  it('a server that never speaks MCP fails with a code, not an exception', async () => {
    const pkg = mkdtempSync(join(tmpdir(), 'rc-'));
    writeFileSync(join(pkg, 'index.js'), 'console.error("I am not an MCP server"); process.exit(3);');
    const r = await runtimeCheck({
      command: 'node',
      args: ['index.js'],
      cwd: pkg,
      policy: resolvePolicy({}),
      onWarning: () => {},
      timeoutMs: 5000,
    });
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('RUNTIME_CHECK_FAILED');
    expect(r.stderr).toContain('not an MCP server');
  });

  it('a sandbox refusal is a failed check carrying the SBX_ERR code', async () => {
    const r = await runtimeCheck({
      command: 'node',
      args: ['x.js'],
      cwd: tmpdir(),
      policy: resolvePolicy({ filesystem: { mounts: [{ host: '~/.ssh', sandbox: '/k' }] } }),
      onWarning: () => {},
    });
    expect(r.error?.code).toMatch(/^SBX_ERR_MOUNT_(DENIED|INVALID)$/);
  });

  it('bridgeStdio carries MCP between a client and the sandboxed server through the guard', async () => {
    const { pkgDir, policy } = memoryServer();
    const run = await startSandboxed({
      command: 'node',
      args: ['dist/index.js'],
      cwd: pkgDir,
      policy,
      onWarning: () => {},
    });
    const input = new PassThrough();
    const output = new PassThrough();
    const guard = createToolsGuard({ expectedDigest: `sha256:${'0'.repeat(64)}`, mode: 'strict' });
    bridgeStdio(run, { input, output, guard });
    const lines: { id?: number; error?: { code: number }; result?: unknown }[] = [];
    let buf = '';
    output.on('data', (d) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        lines.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    });
    const send = (m: object) => input.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`);
    send({
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } },
    });
    send({ method: 'notifications/initialized' });
    send({ id: 2, method: 'tools/call', params: { name: 'read_graph', arguments: {} } });
    for (let i = 0; i < 100 && lines.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(lines.find((l) => l.id === 1)?.result).toBeDefined();
    expect(lines.find((l) => l.id === 2)?.error?.code).toBe(-32001); // wrong digest: blocked
    input.end();
    await run.stop(500);
  });
});

describe('processExitCode', () => {
  it('maps sandbox exits to CLI exit codes', async () => {
    const { processExitCode } = await import('./serve-stdio.js');
    const base = { durationMs: 1, stats: {}, proxyEvents: [] };
    expect(processExitCode({ ...base, exitCode: 3, signal: null, reason: 'exit' })).toBe(3);
    expect(processExitCode({ ...base, exitCode: null, signal: 'SIGKILL', reason: 'wall-time' })).toBe(124);
    expect(processExitCode({ ...base, exitCode: null, signal: 'SIGKILL', reason: 'oom' })).toBe(137);
    expect(processExitCode({ ...base, exitCode: null, signal: 'SIGTERM', reason: 'killed' })).toBe(143);
    expect(processExitCode({ ...base, exitCode: null, signal: 'SIGSEGV', reason: 'exit' })).toBe(139);
  });
});

describe.skipIf(!isLinux)('serveOverStdio', () => {
  it('serves a real MCP server over given streams until the client hangs up', async () => {
    const { serveOverStdio } = await import('./serve-stdio.js');
    const { pkgDir, policy } = memoryServer();
    const input = new PassThrough();
    const output = new PassThrough();
    const errorOutput = new PassThrough();
    errorOutput.resume();
    let out = '';
    output.on('data', (d) => (out += d));
    const served = serveOverStdio({
      command: 'node',
      args: ['dist/index.js'],
      cwd: pkgDir,
      policy,
      input,
      output,
      errorOutput,
      handleSignals: false,
      onWarning: () => {},
    });
    input.write(
      `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } } })}\n`,
    );
    for (let i = 0; i < 100 && !out.includes('"id":1'); i++) await new Promise((r) => setTimeout(r, 50));
    input.end(); // the client hangs up: the server sees EOF and exits
    const r = await served;
    expect(out).toContain('"serverInfo"');
    expect(r.exit.reason).toBe('exit');
    expect(r.isolation.backend).toBe('bwrap');
  });
});
