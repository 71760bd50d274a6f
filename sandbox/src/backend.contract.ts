import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PolicyInput, resolvePolicy } from './policy/load.js';
import type { SandboxedProcess, StartSandboxedOptions } from './run-types.js';

type Start = (o: StartSandboxedOptions) => Promise<SandboxedProcess>;

/**
 * What every sandbox backend (Linux bwrap, macOS sandbox-exec) must do, run against each one by its
 * own test file. Platform-specific escapes live in the backend's own tests.
 */
export function sandboxBackendContract(name: string, start: Start, opts: { skip: boolean }): void {
  describe.skipIf(opts.skip)(`sandbox backend contract: ${name}`, () => {
    let pkg: string;
    beforeAll(() => {
      pkg = mkdtempSync(join(tmpdir(), 'contract-'));
    });
    afterAll(() => rmSync(pkg, { recursive: true, force: true }));

    async function run(
      policy: PolicyInput,
      command: string,
      args: string[],
      extra: Partial<StartSandboxedOptions> = {},
    ) {
      const p = await start({
        command,
        args,
        cwd: pkg,
        policy: resolvePolicy(policy),
        onWarning: () => {},
        ...extra,
      });
      let out = '';
      p.stdout?.on('data', (d) => (out += d));
      p.stderr?.on('data', (d) => (out += d));
      return { p, output: () => out };
    }

    it('passes stdio through both ways (MCP runs over it)', async () => {
      const { p, output } = await run({}, 'node', [
        '-e',
        "process.stdin.on('data', (d) => process.stdout.write(String(d).toUpperCase())); process.stdin.on('end', () => process.exit(0))",
      ]);
      p.stdin!.end('hello sandbox\n');
      const exit = await p.wait();
      expect(output()).toBe('HELLO SANDBOX\n');
      expect(exit).toMatchObject({ exitCode: 0, reason: 'exit' });
    });

    it('propagates the exit code', async () => {
      const { p } = await run({}, '/bin/sh', ['-c', 'exit 7']);
      expect(await p.wait()).toMatchObject({ exitCode: 7, reason: 'exit' });
    });

    it('gives the server only the environment the policy allows', async () => {
      const { p, output } = await run(
        { env: { allow: ['ALLOWED_ONE'], set: { FIXED: 'f' } } },
        'node',
        ['-e', 'console.log(JSON.stringify(process.env))'],
        { hostEnv: { ALLOWED_ONE: 'yes', AWS_SECRET_ACCESS_KEY: 'leak', GITHUB_TOKEN: 'leak' } },
      );
      await p.wait();
      const env = JSON.parse(output());
      expect(env.ALLOWED_ONE).toBe('yes');
      expect(env.FIXED).toBe('f');
      expect(JSON.stringify(env)).not.toContain('leak');
    });

    it('keeps the package read-only', async () => {
      const { p, output } = await run({}, '/bin/sh', [
        '-c',
        '(echo x > ./written) 2>/dev/null && echo wrote || echo refused',
      ]);
      await p.wait();
      expect(output().trim()).toBe('refused');
      expect(existsSync(join(pkg, 'written'))).toBe(false);
    });

    it('network none: the host loopback is unreachable', async () => {
      let accepted = 0;
      const srv = createServer((s) => {
        accepted++;
        s.destroy();
      });
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
      const port = (srv.address() as { port: number }).port;
      const { p, output } = await run({}, 'node', [
        '-e',
        `require('net').connect(${port}, '127.0.0.1').on('connect', () => console.log('connected')).on('error', (e) => console.log(e.code))`,
      ]);
      await p.wait();
      srv.close();
      expect(output().trim()).not.toBe('connected');
      expect(accepted).toBe(0);
    });

    it('a command that does not exist is a failed exit, not a hang', async () => {
      const { p } = await run({}, '/nonexistent/server', []);
      const exit = await p.wait();
      expect(exit.exitCode).not.toBe(0);
      if (name.startsWith('linux')) expect(exit.setupError).toMatch(/execvp \/nonexistent\/server/);
    });

    it('enforces wall time and stop()', async () => {
      const a = await run({ limits: { wallTimeSec: 1 } }, '/bin/sleep', ['30']);
      expect((await a.p.wait()).reason).toBe('wall-time');
      const b = await run({}, '/bin/sleep', ['30']);
      expect((await b.p.stop(200)).reason).toBe('killed');
    });
  });
}
