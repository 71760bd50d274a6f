import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { isAbsolute } from 'node:path';
import { HubError } from '../errors.js';

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const REF = /^[A-Za-z0-9._/-]{1,200}$/;

/**
 * Accepts https, http, ssh and file URLs, scp-like `user@host:path`, and absolute local paths.
 * Refuses helper transports (`ext::`, `fd::`) and anything that could be read as an option.
 */
export function assertGitUrl(url: string): void {
  const ok =
    /^(https?|ssh|git|file):\/\/[^\s]+$/.test(url) ||
    /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/.test(url) ||
    (isAbsolute(url) && !/\s/.test(url));
  if (!ok || url.startsWith('-') || url.includes('::')) {
    throw new HubError('HUB_ERR_VALIDATION', `Unsupported git URL ${JSON.stringify(url)}`);
  }
}

function git(args: string[], cwd: string | undefined, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'git',
      [
        '-c',
        'protocol.ext.allow=never',
        '-c',
        'protocol.fd.allow=never',
        '-c',
        'core.symlinks=true',
        ...args,
      ],
      {
        cwd,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          GIT_TERMINAL_PROMPT: '0',
          GIT_ASKPASS: 'true',
          HOME: '/nonexistent',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new HubError('HUB_ERR_GIT_FAILED', `git could not run: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim());
      else
        reject(
          new HubError(
            'HUB_ERR_GIT_FAILED',
            `git ${args[0]} failed (${signal ?? code}): ${err.trim().slice(0, 500)}`,
          ),
        );
    });
  });
}

/**
 * Clones `url` at `ref` (branch, tag or full commit SHA) into the new directory `dir`, shallowly,
 * and returns the commit it pinned. Runs with a scrubbed environment, no prompts, no helper transports.
 */
export async function fetchGitSource(
  url: string,
  ref: string,
  dir: string,
  timeoutMs = 120_000,
): Promise<{ commit: string }> {
  assertGitUrl(url);
  if (!REF.test(ref) || ref.startsWith('-') || ref.includes('..')) {
    throw new HubError('HUB_ERR_VALIDATION', `Unsupported git ref ${JSON.stringify(ref)}`);
  }
  await fsp.mkdir(dir, { recursive: true });
  await git(['init', '--quiet', '--template=', dir], undefined, timeoutMs);
  await git(['remote', 'add', 'origin', '--', url], dir, timeoutMs);
  // A branch, a tag or a full commit SHA: protocol v2 lets a shallow fetch name any of them.
  await git(['fetch', '--quiet', '--no-tags', '--depth', '1', 'origin', '--', ref], dir, timeoutMs);
  await git(['checkout', '--quiet', '--detach', 'FETCH_HEAD'], dir, timeoutMs);
  const commit = await git(['rev-parse', 'HEAD'], dir, timeoutMs);
  if (SHA.test(ref) && commit !== ref)
    throw new HubError('HUB_ERR_GIT_FAILED', `fetched ${commit}, not ${ref}`);
  await fsp.rm(`${dir}/.git`, { recursive: true, force: true });
  return { commit };
}
