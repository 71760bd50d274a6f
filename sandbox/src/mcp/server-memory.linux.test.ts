import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalToolsDigest } from '../guard/tools-digest.js';
import { createToolsGuard, TOOLS_CHANGED_ERROR_CODE } from '../guard/tools-guard.js';
import { resolvePolicy } from '../policy/load.js';
import { startSandboxed } from '../run.js';
import type { SandboxedProcess } from '../run-types.js';
import { StreamClientTransport } from './stream-client-transport.js';

const require = createRequire(import.meta.url);
const isLinux = process.platform === 'linux';

/** The real @modelcontextprotocol/server-memory, as installed for the tests workspace. */
function serverMemory() {
  const pkgJson = require.resolve('@modelcontextprotocol/server-memory/package.json', {
    paths: [join(process.cwd(), 'tests'), process.cwd()],
  });
  const pkgDir = dirname(pkgJson);
  // Its dependencies are hoisted to the workspace root: give them to the sandbox read-only at
  // /node_modules, where Node's resolution from /app/dist/index.js finds them.
  const nodeModules = dirname(dirname(pkgDir));
  return { pkgDir, nodeModules };
}

const running: SandboxedProcess[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await p.stop(500);
});

async function startMemoryServer() {
  const { pkgDir, nodeModules } = serverMemory();
  const p = await startSandboxed({
    command: 'node',
    args: ['dist/index.js'],
    cwd: pkgDir,
    policy: resolvePolicy({
      network: { mode: 'none' },
      filesystem: { mounts: [{ host: nodeModules, sandbox: '/node_modules' }] },
      env: { set: { MEMORY_FILE_PATH: '/tmp/memory.jsonl' } },
      limits: { memoryMb: 256, cpuShare: 1, pids: 64, wallTimeSec: 60 },
    }),
    onWarning: () => {},
  });
  running.push(p);
  return p;
}

describe.skipIf(!isLinux)('a real MCP server under the sandbox (server-memory, network: none)', () => {
  it('initializes, lists tools and answers a tools/call over stdio', async () => {
    const p = await startMemoryServer();
    expect(p.isolation.namespaces.net).toBe(true);
    const client = new Client({ name: 'sandbox-test', version: '0.0.0' });
    await client.connect(new StreamClientTransport(p.stdout!, p.stdin!));
    expect(client.getServerVersion()?.name).toMatch(/memory/);

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['create_entities', 'read_graph']));

    const created = await client.callTool({
      name: 'create_entities',
      arguments: { entities: [{ name: 'Alice', entityType: 'person', observations: ['drinks tea'] }] },
    });
    expect(created.isError).toBeFalsy();
    const graph = await client.callTool({ name: 'read_graph', arguments: {} });
    expect(JSON.stringify(graph.content)).toContain('drinks tea');
    await client.close();
    const exit = await p.wait();
    expect(['exit', 'killed']).toContain(exit.reason);
  });

  it('the tools guard lets calls through when the digest matches and blocks them when it does not', async () => {
    // First learn the real digest (what certification would have recorded).
    const probe = await startMemoryServer();
    const c0 = new Client({ name: 'digest', version: '0.0.0' });
    await c0.connect(new StreamClientTransport(probe.stdout!, probe.stdin!));
    const certified = canonicalToolsDigest((await c0.listTools()).tools);
    await c0.close();

    for (const [expectedDigest, shouldPass] of [
      [certified, true],
      [`sha256:${'0'.repeat(64)}`, false],
    ] as const) {
      const p = await startMemoryServer();
      const events: string[] = [];
      const guard = createToolsGuard({ expectedDigest, mode: 'strict', onEvent: (e) => events.push(e.type) });
      p.stdout!.pipe(guard.toClient);
      guard.toServer.pipe(p.stdin!);
      const client = new Client({ name: 'guarded', version: '0.0.0' });
      await client.connect(new StreamClientTransport(guard.toClient, guard.toServer));
      // No tools/list from the client: the guard lists the tools itself before the first call.
      const call = client.callTool({ name: 'read_graph', arguments: {} });
      if (shouldPass) {
        await expect(call).resolves.toMatchObject({ content: expect.any(Array) });
        expect(events).toEqual(['verified']);
      } else {
        await expect(call).rejects.toMatchObject({ code: TOOLS_CHANGED_ERROR_CODE });
        expect(events).toEqual(['mismatch', 'blocked']);
      }
      expect(guard.actualDigest()).toBe(certified);
      await client.close();
    }
  });
});
