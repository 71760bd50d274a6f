import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyAttestation } from '@mcphub/registry';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type DaemonProcess, runCli, startDaemonProcess } from './helpers/daemon-process.js';
import { bundleInstalledPackage } from './helpers/npm-bundle.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe.skipIf(process.platform !== 'linux')(
  'runtime check (level 3) and mcphub run (Linux sandbox)',
  () => {
    let d: DaemonProcess;
    beforeAll(async () => {
      d = await startDaemonProcess();
    });
    afterAll(async () => {
      await d?.stop('SIGKILL');
    });

    const push = async (dir: string, name: string) => {
      const r = await runCli(['push', dir, '--home', d.home, '--name', name, '--version', '1.0.0', '--wait']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as {
        jobId: string;
        level: number;
        score: number;
      };
    };

    const connect = async (ref: string, extra: string[] = []) => {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'run', ref, '--home', d.home, '--registry-port', new URL(d.registryUrl).port, ...extra],
        stderr: 'pipe',
      });
      let stderr = '';
      transport.stderr?.on('data', (c) => {
        stderr += c;
      });
      const client = new Client({ name: 'e2e', version: '1.0.0' });
      await client.connect(transport);
      return { client, stderr: () => stderr };
    };

    it('lifts a clean server to level 3: the sandboxed runtime check passes and its tools digest is attested', async () => {
      const job = await push(fixture('clean-clock-server'), 'acme/clock');
      expect(job.level).toBe(3);
      const token = readFileSync(join(d.home, 'keys', 'admin-token'), 'utf8').trim();
      const att = await (
        await fetch(`${d.hubUrl}/api/v1/jobs/${job.jobId}/attestation`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json();
      const jwks = await (await fetch(`${d.hubUrl}/.well-known/jwks.json`)).json();
      const { statement } = verifyAttestation(att, jwks as never);
      expect(statement.predicate.runtimeCheck).toMatchObject({ passed: true });
      expect(statement.predicate.toolsDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    });

    it('keeps a server whose runtime check fails below level 3 and says why', async () => {
      const job = await push(fixture('vulnerable-notes-server'), 'acme/notes-rt');
      expect(job.level).toBeLessThan(3);
      const token = readFileSync(join(d.home, 'keys', 'admin-token'), 'utf8').trim();
      const view = (await (
        await fetch(`${d.hubUrl}/api/v1/jobs/${job.jobId}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as {
        certification: { runtimeCheck: { passed: boolean; reason?: string } };
      };
      // Its dependencies are not in the bundle, so it cannot start in the sandbox.
      expect(view.certification.runtimeCheck.passed).toBe(false);
      expect(view.certification.runtimeCheck.reason).toBeTruthy();
    });

    it('mcphub run serves a certified package to a real MCP client over stdio, and audits the run', async () => {
      const { client, stderr } = await connect('acme/clock@^1');
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toEqual(['current_time']);
      const res = (await client.callTool({
        name: 'current_time',
        arguments: { timeZone: 'Europe/Paris' },
      })) as { content: { text: string }[] };
      expect(res.content[0]!.text).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      await client.close();
      expect(stderr()).toContain('isolation');
      await new Promise((r) => setTimeout(r, 500));
      const audit = readFileSync(join(d.home, 'logs', 'audit.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const last = audit.filter((a) => a.name === 'acme/clock').pop();
      expect(last).toMatchObject({ decision: 'allowed', level: 3, network: 'none' });
      expect(last.isolation).toBeTruthy();
      expect(last.exit).toBeTruthy();
    });

    it('the real @modelcontextprotocol/server-memory from npm: push (with its dependencies) → certify → pull → run, its tools called by the SDK client', async () => {
      const job = await push(bundleInstalledPackage('@modelcontextprotocol/server-memory'), 'mcp/memory');
      const token = readFileSync(join(d.home, 'keys', 'admin-token'), 'utf8').trim();
      const view = (await (
        await fetch(`${d.hubUrl}/api/v1/jobs/${job.jobId}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as {
        certification: { runtimeCheck: { passed: boolean; reason?: string; toolsDigest?: string } };
      };
      expect(view.certification.runtimeCheck, JSON.stringify(view.certification.runtimeCheck)).toMatchObject({
        passed: true,
      });
      const data = mkdtempSync(join(tmpdir(), 'mcphub-memory-data-'));
      const policy = join(data, 'policy.json');
      writeFileSync(
        policy,
        JSON.stringify({
          filesystem: { mounts: [{ host: join(data, 'store'), sandbox: '/data', writable: true }] },
          env: { set: { MEMORY_FILE_PATH: '/data/memory.jsonl' } },
        }),
      );
      mkdirSync(join(data, 'store'));
      const { client } = await connect('mcp/memory@1.0.0', ['--policy', policy]);
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['create_entities', 'read_graph']));
      await client.callTool({
        name: 'create_entities',
        arguments: { entities: [{ name: 'mcphub', entityType: 'project', observations: ['certified'] }] },
      });
      const graph = (await client.callTool({ name: 'read_graph', arguments: {} })) as {
        content: { text: string }[];
      };
      expect(graph.content[0]!.text).toContain('mcphub');
      await client.close();
      // The write went to the one writable mount the policy granted, on the host side.
      expect(readFileSync(join(data, 'store', 'memory.jsonl'), 'utf8')).toContain('mcphub');
    }, 240_000);

    it('the real npm server-filesystem: push → certify → pull → run; it reads and writes only the one folder the policy mounts', async () => {
      await push(bundleInstalledPackage('@modelcontextprotocol/server-filesystem'), 'mcp/filesystem');
      const data = mkdtempSync(join(tmpdir(), 'mcphub-fs-data-'));
      writeFileSync(join(data, 'hello.txt'), 'hello from the host');
      const { client } = await connect('mcp/filesystem@1.0.0', [
        '--mount',
        `${data}:/data:rw`,
        '--',
        '/data',
      ]);
      const read = (await client.callTool({
        name: 'read_text_file',
        arguments: { path: '/data/hello.txt' },
      })) as { content: { text: string }[] };
      expect(read.content[0]!.text).toContain('hello from the host');
      await client.callTool({
        name: 'write_file',
        arguments: { path: '/data/out.txt', content: 'written in the sandbox' },
      });
      expect(readFileSync(join(data, 'out.txt'), 'utf8')).toBe('written in the sandbox');
      // Outside the mount there is nothing to reach: the host's files are not in the sandbox at all.
      const outside = (await client.callTool({
        name: 'read_text_file',
        arguments: { path: '/etc/shadow' },
      })) as { isError?: boolean };
      expect(outside.isError).toBe(true);
      await client.close();
    }, 240_000);

    it('the real npm server-everything: push → certify → pull → run; echo answers through the sandbox', async () => {
      await push(bundleInstalledPackage('@modelcontextprotocol/server-everything'), 'mcp/everything');
      const { client } = await connect('mcp/everything@1.0.0');
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain('echo');
      const res = (await client.callTool({ name: 'echo', arguments: { message: 'certified' } })) as {
        content: { text: string }[];
      };
      expect(res.content[0]!.text).toContain('certified');
      await client.close();
    }, 240_000);

    it('refuses by policy and names the rule', async () => {
      const r = await runCli([
        'run',
        'acme/notes-rt@1.0.0',
        '--home',
        d.home,
        '--registry-port',
        new URL(d.registryUrl).port,
        '--min-level',
        '3',
      ]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/policy rule 'minLevel' refused: saw [^,]+, need /);
    });

    it('blocks a rug pull: when tools/list changes from the certified digest, tools/call is refused', async () => {
      await push(fixture('rug-pull-server'), 'acme/rugpull');
      const { client } = await connect('acme/rugpull@1.0.0');
      await client.listTools(); // the certified definitions
      const ok = (await client.callTool({
        name: 'current_time',
        arguments: { timeZone: 'Europe/Paris' },
      })) as { isError?: boolean };
      expect(ok.isError).toBeFalsy();
      const changed = await client.listTools(); // the server now shows a poisoned description
      expect(changed.tools[0]!.description).toContain('IMPORTANT');
      await expect(
        client.callTool({ name: 'current_time', arguments: { timeZone: 'Europe/Paris' } }),
      ).rejects.toMatchObject({ code: -32001 });
      await client.close();
    });
  },
);
