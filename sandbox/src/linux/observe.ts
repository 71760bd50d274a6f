import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { findExecutable } from './probe.js';

// Reading back what a running sandbox actually got, from /proc — the "observed" in the report.

export const NS = ['user', 'pid', 'net', 'ipc', 'uts', 'mnt', 'cgroup'] as const;

function readText(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

export function statusField(pid: number, field: string): string | undefined {
  return readText(`/proc/${pid}/status`)?.match(new RegExp(`^${field}:\\s*(\\S+)`, 'm'))?.[1];
}

function ppidOf(pid: number): number | undefined {
  const s = readText(`/proc/${pid}/stat`);
  if (!s) return undefined;
  return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Descendants of `root` (scan of /proc; used when there is no cgroup to list them). */
export function descendants(root: number): number[] {
  const all = (() => {
    try {
      return readdirSync('/proc')
        .filter((n) => /^\d+$/.test(n))
        .map(Number);
    } catch {
      return [];
    }
  })();
  const out: number[] = [];
  let frontier = [root];
  while (frontier.length) {
    const next = all.filter((p) => frontier.includes(ppidOf(p) ?? -1));
    out.push(...next);
    frontier = next;
  }
  return out;
}

export function nsOf(pid: number | 'self', ns: string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    return undefined;
  }
}

export function readInfo(stream: Readable): Promise<{ 'child-pid'?: number } | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (v: { 'child-pid'?: number } | undefined) => {
      stream.removeAllListeners('data');
      resolve(v);
    };
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      buf += d;
      try {
        done(JSON.parse(buf));
      } catch {}
    });
    stream.once('end', () => {
      try {
        done(JSON.parse(buf));
      } catch {
        done(undefined);
      }
    });
    stream.once('error', () => done(undefined));
  });
}

/** Let any uid bind ports < 1024 in the sandbox's network namespace (only). Returns why not, or undefined. */
export function lowerPortFloor(sandboxPid: number, hasUserns: boolean): string | undefined {
  const nsenter = findExecutable('nsenter');
  if (!nsenter) return 'nsenter (util-linux) not found';
  const r = spawnSync(
    nsenter,
    [
      '-t',
      String(sandboxPid),
      ...(hasUserns ? ['-U', '--preserve-credentials'] : []),
      '-n',
      '--',
      '/bin/sh',
      '-c',
      'echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start',
    ],
    { encoding: 'utf8', timeout: 5000, env: { PATH: '/usr/bin:/bin' } },
  );
  return r.status === 0 ? undefined : (r.stderr || r.error?.message || `exit ${r.status}`).trim();
}
