import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSandboxError } from '../errors.js';
import { type PolicyInput, resolvePolicy } from '../policy/load.js';
import { startSandboxed } from '../run.js';
import type { SandboxExit } from '../run-types.js';
import { type LinuxHostProbe, probeLinuxHost } from './probe.js';

const here = dirname(fileURLToPath(import.meta.url));
const isLinux = process.platform === 'linux';

let probe: LinuxHostProbe;
let work: string;
let pkg: string;
let fakeHome: string;

interface Ran {
  out: string;
  err: string;
  exit: SandboxExit;
}

async function run(
  policy: PolicyInput,
  command: string,
  args: string[],
  extra: { home?: string } = {},
): Promise<Ran> {
  const p = await startSandboxed({
    command,
    args,
    cwd: pkg,
    policy: resolvePolicy(policy),
    probe,
    home: extra.home ?? fakeHome,
    onWarning: () => {},
  });
  let out = '';
  let err = '';
  p.stdout!.on('data', (d) => (out += d));
  p.stderr!.on('data', (d) => (err += d));
  const exit = await p.wait();
  return { out, err, exit };
}

const sh = (script: string) => ['-c', script];

describe.skipIf(!isLinux)('Linux sandbox: escapes it prevents (real bwrap, cgroups, seccomp)', () => {
  beforeAll(() => {
    probe = probeLinuxHost();
    if (!probe.bwrap.path) {
      throw new Error('bwrap (bubblewrap) is required for these tests: apt-get install -y bubblewrap');
    }
    work = mkdtempSync(join(tmpdir(), 'mcphub-escape-'));
    pkg = join(work, 'pkg');
    mkdirSync(pkg);
    copyFileSync(join(here, 'fixtures', 'net-probe.mjs'), join(pkg, 'net-probe.mjs'));
    fakeHome = join(work, 'home', 'alice');
    mkdirSync(join(fakeHome, '.ssh'), { recursive: true });
    writeFileSync(join(fakeHome, '.ssh', 'id_rsa'), '-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n');
    writeFileSync(join(fakeHome, '.bashrc'), 'echo hi\n');
    writeFileSync(join(fakeHome, 'notes.txt'), 'public notes\n');
    mkdirSync(join(fakeHome, 'project', '.git', 'hooks'), { recursive: true });
    writeFileSync(join(fakeHome, 'project', '.git', 'hooks', 'pre-commit'), '#!/bin/sh\n');
    writeFileSync(join(fakeHome, 'project', 'README.md'), 'readme\n');
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('reports the isolation it achieved, observed from /proc of the running sandbox', async () => {
    const p = await startSandboxed({
      command: '/bin/true',
      cwd: pkg,
      policy: resolvePolicy({}),
      probe,
      onWarning: () => {},
    });
    await p.wait();
    const r = p.isolation;
    expect(r.backend).toBe('bwrap');
    expect(r.observed).toBe(true);
    expect(r.namespaces).toMatchObject({ pid: true, net: true, ipc: true, uts: true, mnt: true });
    if (probe.userns.ok) expect(r.namespaces.user).toBe(true);
    expect(r.seccomp.enabled).toBe(true);
    expect(r.cgroup.version).not.toBeNull();
    expect(r.cgroup.controllers).toEqual(expect.arrayContaining(['memory', 'cpu', 'pids']));
  });

  it('prevents reading a planted ~/.ssh/id_rsa: not present without a mount, masked under a mounted home', async () => {
    const notMounted = await run({}, '/bin/sh', sh(`cat ${fakeHome}/.ssh/id_rsa; echo rc=$?`));
    expect(notMounted.out).toContain('rc=1');
    expect(notMounted.out).not.toContain('PRIVATE KEY');

    const mounted = await run(
      { filesystem: { mounts: [{ host: fakeHome, sandbox: '/mnt/home' }] } },
      '/bin/sh',
      sh(
        'cat /mnt/home/notes.txt; cat /mnt/home/.ssh/id_rsa; echo rc=$?; cat /mnt/home/.bashrc | wc -c; ls -A /mnt/home/project/.git/hooks | wc -l',
      ),
    );
    expect(mounted.out).toContain('public notes'); // the mount is there...
    expect(mounted.out).not.toContain('PRIVATE KEY'); // ...but the key is not
    expect(mounted.out).toMatch(/rc=1\n0\n0\n$/); // .bashrc reads empty, hooks dir empty
  });

  it('a symlink in a mounted project pointing at ~/.ssh leads nowhere inside the sandbox', async () => {
    const { symlinkSync } = await import('node:fs');
    const proj = join(work, 'proj-link');
    mkdirSync(proj);
    symlinkSync(join(fakeHome, '.ssh'), join(proj, 'keys')); // absolute
    symlinkSync('../home/alice/.ssh/id_rsa', join(proj, 'key')); // relative
    const r = await run(
      { filesystem: { mounts: [{ host: proj, sandbox: '/work' }] } },
      '/bin/sh',
      sh('cat /work/keys/id_rsa; echo a=$?; cat /work/key; echo b=$?'),
    );
    expect(r.out).not.toContain('PRIVATE KEY');
    expect(r.out).toContain('a=1');
    expect(r.out).toContain('b=1');
  });

  it('host TLS private keys are not in the sandbox, CA certificates are', async () => {
    const r = await run(
      {},
      '/bin/sh',
      sh('ls /etc/ssl/private 2>&1; echo a=$?; ls /etc/ssl/certs | head -1 | wc -l'),
    );
    expect(r.out).toMatch(/No such file or directory\na=[12]\n1\n$/);
  });

  it('hostUser: a root supervisor can run the sandbox as an unprivileged host user (root-only files stay unreadable)', async () => {
    if (process.getuid?.() !== 0) return; // only meaningful for a root supervisor
    const { chmodSync } = await import('node:fs');
    const base = mkdtempSync(join(tmpdir(), 'mcphub-hostuser-'));
    chmodSync(base, 0o755);
    const data = join(base, 'data');
    mkdirSync(data, { mode: 0o755 });
    writeFileSync(join(data, 'public.txt'), 'public\n', { mode: 0o644 });
    writeFileSync(join(data, 'root-only.txt'), 'root secret\n', { mode: 0o600 });
    const script = sh('id -u; cat /data/public.txt; cat /data/root-only.txt 2>&1 | head -1');
    const policy = resolvePolicy({ filesystem: { mounts: [{ host: data, sandbox: '/data' }] } });
    const asRoot = await startSandboxed({
      command: '/bin/sh',
      args: script,
      cwd: data,
      policy,
      probe,
      onWarning: () => {},
    });
    let rootOut = '';
    asRoot.stdout!.on('data', (d) => (rootOut += d));
    await asRoot.wait();
    // Honest baseline: capability-less root still owns root's files.
    expect(rootOut).toContain('root secret');
    const dropped = await startSandboxed({
      command: '/bin/sh',
      args: script,
      cwd: data,
      policy,
      probe,
      hostUser: { uid: 65534, gid: 65534 },
      onWarning: () => {},
    });
    let out = '';
    dropped.stdout!.on('data', (d) => (out += d));
    await dropped.wait();
    rmSync(base, { recursive: true, force: true });
    expect(out).toContain('public');
    expect(out).not.toContain('root secret');
    expect(out).toMatch(/Permission denied/);
    expect(dropped.isolation.hostUser).toEqual({ uid: 65534, gid: 65534 });
  });

  it('refuses a mount of a denied path itself (and of anything inside one)', async () => {
    for (const host of ['~/.ssh', '~/.ssh/id_rsa', `${fakeHome}/project/.git/hooks`]) {
      const err = await run({ filesystem: { mounts: [{ host, sandbox: '/x' }] } }, '/bin/true', []).catch(
        (e) => e,
      );
      expect(isSandboxError(err, 'SBX_ERR_MOUNT_DENIED'), String(err)).toBe(true);
    }
  });

  it('prevents writing outside writable mounts (package, runtime, root, read-only mounts)', async () => {
    const rw = join(work, 'rw');
    const ro = join(work, 'ro');
    mkdirSync(rw);
    mkdirSync(ro);
    const r = await run(
      {
        filesystem: {
          mounts: [
            { host: rw, sandbox: '/data', writable: true },
            { host: ro, sandbox: '/ref' },
          ],
        },
      },
      '/bin/sh',
      sh(
        'for f in /app/x /usr/x /etc/x /x /ref/x /tmp/home/x /tmp/x /data/x; do if echo pwned > $f 2>/dev/null; then echo "$f ok"; else echo "$f refused"; fi; done',
      ),
    );
    expect(r.out.trim().split('\n')).toEqual([
      '/app/x refused',
      '/usr/x refused',
      '/etc/x refused',
      '/x refused',
      '/ref/x refused',
      '/tmp/home/x ok',
      '/tmp/x ok',
      '/data/x ok',
    ]);
    expect(existsSync(join(pkg, 'x'))).toBe(false);
    expect(existsSync(join(ro, 'x'))).toBe(false);
    expect(readFileSync(join(rw, 'x'), 'utf8')).toBe('pwned\n');
  });

  it('prevents a writable project mount from planting a git hook or a .mcp.json', async () => {
    const proj = join(work, 'proj-w');
    mkdirSync(join(proj, '.git'), { recursive: true });
    const r = await run(
      { filesystem: { mounts: [{ host: proj, sandbox: '/work', writable: true }] } },
      '/bin/sh',
      sh(
        'echo evil > /work/.git/hooks/post-checkout; echo a=$?; echo {} > /work/.mcp.json; echo b=$?; echo ok > /work/file; echo c=$?',
      ),
    );
    expect(r.out).toMatch(/a=[12]\nb=[12]\nc=0/);
    expect(existsSync(join(proj, '.git', 'hooks', 'post-checkout'))).toBe(false);
    expect(readFileSync(join(proj, '.mcp.json'), 'utf8')).toBe(''); // placeholder, never written
  });

  it('prevents connecting to a listener on the host 127.0.0.1 with network: none', async () => {
    let accepted = 0;
    const srv = createTcpServer((s) => {
      accepted++;
      s.destroy();
    });
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', () => res()));
    const port = (srv.address() as { port: number }).port;
    try {
      const r = await run({}, 'node', ['net-probe.mjs', 'direct', '127.0.0.1', String(port)]);
      const res = JSON.parse(r.out.trim());
      expect(res.ok).toBe(false);
      expect(res.error).toBe('ECONNREFUSED'); // the sandbox's own loopback, not the host's
      const dns = await run({}, 'node', ['net-probe.mjs', 'direct', 'example.com', '443']);
      expect(JSON.parse(dns.out.trim()).ok).toBe(false);
      expect(accepted).toBe(0);
    } finally {
      srv.close();
    }
  });

  it('network: host (explicit opt-in) shares the host network, and the report says so', async () => {
    const srv = createTcpServer((s) => s.end());
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', () => res()));
    const port = (srv.address() as { port: number }).port;
    try {
      const p = await startSandboxed({
        command: 'node',
        args: ['net-probe.mjs', 'direct', '127.0.0.1', String(port)],
        cwd: pkg,
        policy: resolvePolicy({ network: { mode: 'host' } }),
        probe,
        onWarning: () => {},
      });
      let out = '';
      p.stdout!.on('data', (d) => (out += d));
      await p.wait();
      expect(JSON.parse(out.trim()).ok).toBe(true);
      expect(p.isolation.namespaces.net).toBe(false);
      expect(p.isolation.achieved).not.toContain('net-namespace');
    } finally {
      srv.close();
    }
  });

  describe('network allowlist through the host proxy', () => {
    let allowed: Server;
    let other: Server;
    let allowedPort: number;
    let otherPort: number;
    const hits = { allowed: 0, other: 0 };
    beforeAll(async () => {
      allowed = createServer((_q, s) => {
        hits.allowed++;
        s.end('hello from allowed');
      });
      other = createServer((_q, s) => {
        hits.other++;
        s.end('hello from other');
      });
      await new Promise<void>((r) => allowed.listen(0, '127.0.0.1', () => r()));
      await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
      allowedPort = (allowed.address() as { port: number }).port;
      otherPort = (other.address() as { port: number }).port;
    });
    afterAll(() => {
      allowed.close();
      other.close();
    });

    it('reaches an allowlisted server (HTTP forward, CONNECT, SOCKS5) and is refused for any other', async () => {
      const policy: PolicyInput = { network: { mode: 'allowlist', allow: [`127.0.0.1:${allowedPort}`] } };
      const script = [
        `node net-probe.mjs forward 127.0.0.1 ${allowedPort}`,
        `node net-probe.mjs connect 127.0.0.1 ${allowedPort}`,
        `node net-probe.mjs socks 127.0.0.1 ${allowedPort}`,
        `node net-probe.mjs forward 127.0.0.1 ${otherPort}`,
        `node net-probe.mjs connect 127.0.0.1 ${otherPort}`,
        `node net-probe.mjs socks 127.0.0.1 ${otherPort}`,
        `node net-probe.mjs direct 127.0.0.1 ${allowedPort}`,
        'node net-probe.mjs connect localhost 22',
      ].join('; ');
      const r = await run(policy, '/bin/sh', sh(script));
      const lines = r.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.ok)).toEqual([true, true, true, false, false, false, false, false]);
      expect(lines[0].body).toBe('hello from allowed');
      expect(lines[3].status).toBe(403);
      expect(lines[5].socksReply).toBe(2); // "connection not allowed by ruleset"
      expect(lines[6].error).toBe('ECONNREFUSED'); // bypassing the proxy goes nowhere
      expect(hits).toEqual({ allowed: 3, other: 0 });
      const denied = r.exit.proxyEvents.filter((e) => !e.allowed);
      expect(denied.length).toBe(4);
      expect(denied[0]!.reason).toContain('not in the network allowlist');
    });

    it('a client that ignores proxy variables (Node 20 fetch) reaches only allowlisted names, transparently', async () => {
      const { networkInterfaces } = await import('node:os');
      const external = Object.values(networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
      if (!external) throw new Error('this test needs a non-loopback IPv4 address on the host');
      const srv = createServer((_q, s) => s.end('hello via transparent route'));
      await new Promise<void>((r) => srv.listen(0, external, () => r()));
      const port = (srv.address() as { port: number }).port;
      try {
        const script = `
          const out = {};
          try { const r = await fetch('http://api.allowed.test:${port}/x'); out.allowed = await r.text(); } catch (e) { out.allowed = String(e.cause?.code ?? e); }
          try { await fetch('http://other.test:${port}/'); out.other = 'reached'; } catch (e) { out.other = String(e.cause?.code ?? e); }
          try { await fetch('http://${external}:${port}/'); out.direct = 'reached'; } catch (e) { out.direct = String(e.cause?.code ?? e); }
          console.log(JSON.stringify(out));`;
        const p = await startSandboxed({
          command: 'node',
          args: ['--input-type=module', '-e', script],
          cwd: pkg,
          policy: resolvePolicy({ network: { mode: 'allowlist', allow: [`api.allowed.test:${port}`] } }),
          probe,
          resolveHost: async (h) =>
            h === 'api.allowed.test' ? external : Promise.reject(new Error('ENOTFOUND')),
          onWarning: () => {},
        });
        let out = '';
        p.stdout!.on('data', (d) => (out += d));
        const exit = await p.wait();
        const res = JSON.parse(out.trim());
        expect(res.allowed).toBe('hello via transparent route');
        expect(res.other).toBe('ENOTFOUND'); // no DNS inside: only allowlisted names exist
        expect(res.direct).toMatch(/ENETUNREACH|ECONNREFUSED|EHOSTUNREACH/);
        expect(p.isolation.network.transparent).toEqual([`api.allowed.test:${port} -> 127.0.0.2`]);
        expect(exit.proxyEvents.filter((e) => e.allowed).map((e) => e.host)).toEqual(['api.allowed.test']);
      } finally {
        srv.close();
      }
    });

    it('transparent routes listen on privileged ports too (443 inside the sandbox only)', async () => {
      const r = await run({ network: { mode: 'allowlist', allow: ['api.example.invalid:443'] } }, 'node', [
        '-e',
        "require('net').connect(443, 'api.example.invalid').on('connect', () => console.log('listening')).on('error', (e) => console.log(e.code))",
      ]);
      expect(r.out.trim()).toBe('listening'); // resolved via the sandbox's /etc/hosts to 127.0.0.2:443
      expect(r.err).not.toContain('cannot listen');
    });

    it('an empty allowlist refuses everything', async () => {
      const r = await run({ network: { mode: 'allowlist', allow: [] } }, 'node', [
        'net-probe.mjs',
        'connect',
        '127.0.0.1',
        String(allowedPort),
      ]);
      expect(JSON.parse(r.out.trim())).toMatchObject({ ok: false, status: 403 });
    });
  });

  it('contains a fork bomb with the pids limit', async () => {
    const p = await startSandboxed({
      command: '/bin/sh',
      args: sh("sh -c 'bomb() { bomb | bomb & }; bomb' & exec sleep 10"),
      cwd: pkg,
      policy: resolvePolicy({ limits: { pids: 32, wallTimeSec: 10 } }),
      probe,
      onWarning: () => {},
    });
    let bombErr = '';
    p.stderr!.on('data', (d) => (bombErr += d));
    p.stdout!.resume();
    let peak = 0;
    let hits = 0;
    for (let i = 0; i < 100 && (hits === 0 || i < 10); i++) {
      await sleep(50);
      const st = p.stats();
      peak = Math.max(peak, st.pidsCurrent ?? 0);
      hits = st.pidsLimitHits ?? 0;
    }
    const exit = await p.stop(200);
    hits = Math.max(hits, exit.stats.pidsLimitHits ?? 0);
    console.log(
      `fork bomb: peak ${peak} pids (limit 32), ${hits} refused forks, exit ${JSON.stringify(exit)}`,
    );
    if (hits === 0) console.log(bombErr.slice(0, 2000));
    expect(peak).toBeLessThanOrEqual(32);
    expect(hits).toBeGreaterThan(0);
    expect(exit.reason).toBe('killed');
  });

  it('kills a process that allocates past the memory limit and reports out-of-memory', async () => {
    const r = await run({ limits: { memoryMb: 96 } }, 'node', [
      '-e',
      'const a=[]; for(;;){ a.push(Buffer.alloc(16<<20, 1)); }',
    ]);
    expect(r.exit.reason).toBe('oom');
    expect(r.exit.stats.oomKills).toBeGreaterThan(0);
    expect(r.exit.stats.memoryPeakBytes).toBeLessThanOrEqual(96 * 1024 * 1024);
  });

  it('holds a busy loop to its CPU share (cgroup CPU usage over ~2 s)', async () => {
    const share = 0.25;
    const p = await startSandboxed({
      command: '/bin/sh',
      args: sh('while :; do :; done & while :; do :; done'),
      cwd: pkg,
      policy: resolvePolicy({ limits: { cpuShare: share } }),
      probe,
      onWarning: () => {},
    });
    await sleep(300);
    const t0 = process.hrtime.bigint();
    const u0 = p.stats().cpuUsageNs ?? 0;
    await sleep(2000);
    const u1 = p.stats().cpuUsageNs ?? 0;
    const wallNs = Number(process.hrtime.bigint() - t0);
    await p.stop(100);
    const used = (u1 - u0) / wallNs; // cores used on average
    console.log(`cpu share ${share}: measured ${used.toFixed(3)} cores over ${(wallNs / 1e9).toFixed(2)} s`);
    expect(used).toBeGreaterThan(0); // it did run
    expect(used).toBeLessThanOrEqual(share + 0.05);
  });

  it('stops a run at its wall time', async () => {
    const r = await run({ limits: { wallTimeSec: 1 } }, '/bin/sleep', ['30']);
    expect(r.exit.reason).toBe('wall-time');
    expect(r.exit.durationMs).toBeLessThan(5000);
  });

  it('hides host processes: /proc shows only the sandbox', async () => {
    const r = await run({}, '/bin/sh', sh('ls /proc | grep -E "^[0-9]+$" | tr "\\n" " "; echo; hostname'));
    const [pidsLine, host] = r.out.trim().split('\n');
    const pids = pidsLine!.trim().split(' ').map(Number);
    expect(pids.length).toBeLessThan(10);
    expect(pids).not.toContain(process.pid);
    expect(Math.max(...pids)).toBeLessThan(20);
    expect(host).toBe('mcphub');
  });

  it('refuses ptrace, mount, unshare(CLONE_NEWUSER) and friends through seccomp', async () => {
    const gcc = spawnSync('gcc', ['--version']);
    if (gcc.error) throw new Error('gcc is required to build the syscall probe: apt-get install -y gcc');
    const bin = join(pkg, 'syscall-probe');
    const cc = spawnSync('gcc', ['-O0', '-o', bin, join(here, 'fixtures', 'syscall-probe.c')], {
      encoding: 'utf8',
    });
    expect(cc.status, cc.stderr).toBe(0);
    // Control: on the host these two succeed, so a refusal inside is the sandbox's doing.
    const host = spawnSync(bin, ['control'], { encoding: 'utf8' });
    expect(host.stdout).toBe('ptrace 0\nunshare_user 0\n');
    const r = await run({}, '/app/syscall-probe', []);
    const got = Object.fromEntries(
      r.out
        .trim()
        .split('\n')
        .map((l) => l.split(' '))
        .map(([k, v]) => [k, Number(v)]),
    );
    const EPERM = 1;
    const ENOSYS = 38;
    expect(got).toEqual({
      ptrace: EPERM,
      unshare_user: EPERM,
      mount: EPERM,
      umount2: EPERM,
      bpf: EPERM,
      keyctl: EPERM,
      userfaultfd: EPERM,
      perf_event_open: EPERM,
      setns: EPERM,
      clone3: ENOSYS,
      io_uring_setup: ENOSYS,
      clone_newuser: EPERM,
    });
    const util = await run({}, '/bin/sh', sh('unshare -U true 2>&1; echo rc=$?'));
    expect(util.out).toContain('rc=1');
  });
});
