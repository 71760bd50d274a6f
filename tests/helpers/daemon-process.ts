import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../daemon/dist/cli/main.js', import.meta.url));

export interface DaemonProcess {
  home: string;
  hubUrl: string;
  registryUrl: string;
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once the process has exited on its own. */
  exited: Promise<number | null>;
}

export const tempHome = (prefix = 'mcphub-e2e-') => mkdtempSync(join(tmpdir(), prefix));

/** Starts the built `mcphub daemon` on ephemeral ports and waits for its banner. */
export async function startDaemonProcess(
  opts: { home?: string; args?: string[]; env?: NodeJS.ProcessEnv } = {},
) {
  const home = opts.home ?? tempHome();
  const proc = spawn(
    process.execPath,
    [
      CLI,
      'daemon',
      '--home',
      home,
      '--hub-port',
      '0',
      '--registry-port',
      '0',
      '--log-level',
      'warn',
      ...(opts.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => {
    out += d;
  });
  proc.stderr!.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const ready = await Promise.race([
    new Promise<boolean>((resolve) => {
      const check = () => (out.includes('Press Ctrl+C') ? resolve(true) : setTimeout(check, 50));
      check();
    }),
    exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000)),
  ]);
  if (!ready) {
    proc.kill('SIGKILL');
    throw new Error(`daemon did not start.\nstdout:\n${out}\nstderr:\n${err}`);
  }
  const hubUrl = /Hub:\s+(http:\/\/\S+)/.exec(out)?.[1];
  const registryUrl = /Registry:\s+(http:\/\/\S+)/.exec(out)?.[1];
  if (!hubUrl || !registryUrl) throw new Error(`cannot read URLs from the banner:\n${out}`);
  const daemon: DaemonProcess = {
    home,
    hubUrl,
    registryUrl,
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      return exited;
    },
  };
  return daemon;
}

/** Runs the built `mcphub` CLI to completion. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => {
      stdout += d;
    });
    proc.stderr.on('data', (d) => {
      stderr += d;
    });
    proc.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `mcphub token create` for `registry:publish` on `resource`. */
export const createPublishToken = (home: string, resource: string, ttl?: string) =>
  runCli([
    'token',
    'create',
    '--home',
    home,
    '--scope',
    'registry:publish',
    '--resource',
    resource,
    ...(ttl ? ['--ttl', ttl] : []),
  ]);

/** `mcphub publish` of a bundle and its manifest file. */
export const publishWithCli = (bundle: string, manifest: string, registry: string, token: string) =>
  runCli(['publish', bundle, '--manifest', manifest, '--registry', registry, '--token', token]);
