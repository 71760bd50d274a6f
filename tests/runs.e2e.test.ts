import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegistryClient } from '@mcphub/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type DaemonProcess, runCli, startDaemonProcess } from './helpers/daemon-process.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Host pids below `root` whose command is `comm` (the sandboxes a daemon left behind). */
function descendants(root: number, comm: string): number[] {
  const parent = new Map<number, number>();
  const names = new Map<number, string>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const s = readFileSync(`/proc/${e}/stat`, 'utf8');
      names.set(Number(e), s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')));
      parent.set(Number(e), Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  return [...parent.keys()].filter((pid) => {
    if (names.get(pid) !== comm) return false;
    for (let p = parent.get(pid); p && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  });
}

/** The run cgroup directories (`mcphub-<pid>-<hex>`) a process lives in, on every mounted hierarchy. */
function runCgroupDirs(pid: number): string[] {
  const paths = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .map((l) => l.split(':').slice(2).join(':'))
    .filter((p) => /\/mcphub-\d+-[0-9a-f]{8}$/.test(p));
  const roots = ['/sys/fs/cgroup', ...readdirSync('/sys/fs/cgroup').map((d) => join('/sys/fs/cgroup', d))];
  return [...new Set(paths.flatMap((p) => roots.map((r) => join(r, p)).filter((d) => existsSync(d))))];
}

interface Run {
  id: string;
  state: string;
  startedBy: string;
  decision: { allowed: boolean; denials: { rule: string; saw: string; need: string; hint?: string }[] };
  isolation: { sandboxed: boolean; namespaces: Record<string, boolean>; achieved: string[] };
  stats: { cpuPercent: number; memoryBytes: number } | null;
  exit: { reason: string } | null;
  tools: { count: number; guard: string };
}

/** Collects the SSE stream's events until `stop()`. */
function sse(url: string, token: string) {
  const events: { event: string; data: unknown }[] = [];
  const ctl = new AbortController();
  void (async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: ctl.signal });
    const reader = res.body!.getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += Buffer.from(value).toString('utf8');
      let i = buf.indexOf('\n\n');
      while (i >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
        i = buf.indexOf('\n\n');
      }
    }
  })().catch(() => {});
  return { events, stop: () => ctl.abort() };
}

const until = async <T>(fn: () => T | undefined | false, what: string, ms = 20_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** Opens the run terminal; resolves with the socket once open, or rejects with the HTTP status. */
function terminal(url: string, headers: Record<string, string>) {
  return new Promise<{ ws: WebSocket; output: () => string }>((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    let out = '';
    ws.on('message', (d) => {
      out += d.toString();
    });
    ws.on('open', () => resolve({ ws, output: () => out }));
    ws.on('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error('refused'), { status: res.statusCode })),
    );
    ws.on('error', reject);
  });
}

describe.skipIf(process.platform !== 'linux')('running servers through the daemon API (/api/v1/runs)', () => {
  let d: DaemonProcess;
  let admin: string;
  let readOnly: string;
  let runOnly: string;
  const api = async (path: string, init: { method?: string; body?: unknown; token?: string } = {}) => {
    const res = await fetch(`${d.hubUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${init.token ?? admin}`,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const token = async (scope: string[]) => {
    const r = await api('/api/v1/tokens/api', { method: 'POST', body: { name: `t-${scope[0]}`, scope } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.secret as string;
  };
  const start = (policy: unknown = {}, t = admin) =>
    api('/api/v1/runs', { method: 'POST', body: { ref: 'local/clock@1.0.0', policy }, token: t });
  const wsUrl = (id: string) => `${d.hubUrl.replace('http', 'ws')}/api/v1/runs/${id}/terminal`;

  beforeAll(async () => {
    d = await startDaemonProcess();
    admin = readFileSync(join(d.home, 'keys', 'admin-token'), 'utf8').trim();
    const r = await runCli([
      'push',
      fixture('clean-clock-server'),
      '--home',
      d.home,
      '--name',
      'local/clock',
      '--version',
      '1.0.0',
      '--wait',
    ]);
    expect(r.code, r.stderr).toBe(0);
    readOnly = await token(['hub:read']);
    runOnly = await token(['hub:run']);
  }, 180_000);
  afterAll(async () => {
    await d?.stop('SIGKILL');
  });

  it('starts a certified package under a policy, reports the decision and the isolation achieved, streams its CPU and memory, calls its tool, stops it', async () => {
    const usedBefore = ((await api('/api/v1/orgs/local')).body as { usage: { run: { used: number } } }).usage
      .run.used;
    const stream = sse(`${d.hubUrl}/api/v1/events`, admin);
    const started = await start({
      network: { mode: 'none' },
      limits: { memoryMb: 256, pids: 64, wallTimeSec: 600 },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const run = started.body as unknown as Run;
    expect(run).toMatchObject({
      state: 'running',
      startedBy: 'admin',
      decision: { allowed: true, denials: [] },
    });
    expect(run.isolation.sandboxed).toBe(true);
    expect(run.isolation.namespaces).toMatchObject({ pid: true, net: true, mnt: true });
    expect(run.tools).toEqual({ count: 1, guard: 'match' });
    // Metered as one run of the organization (plan quotas).
    expect(
      ((await api('/api/v1/orgs/local')).body as { usage: { run: { used: number } } }).usage.run.used,
    ).toBe(usedBefore + 1);

    const stats = await until(
      () =>
        stream.events.filter(
          (e) =>
            e.event === 'run' &&
            (e.data as { type: string; id?: string }).type === 'stats' &&
            (e.data as { id: string }).id === run.id,
        ).length >= 2,
      'two stats events on the SSE stream',
    );
    expect(stats).toBe(true);
    const live = (await api(`/api/v1/runs/${run.id}`)).body as unknown as Run;
    expect(live.stats!.memoryBytes).toBeGreaterThan(1024 * 1024); // a node process: megabytes resident

    const tools = await api(`/api/v1/runs/${run.id}/tools`);
    expect((tools.body.tools as { name: string }[]).map((t) => t.name)).toEqual(['current_time']);
    const call = await api(`/api/v1/runs/${run.id}/tools/call`, {
      method: 'POST',
      body: { name: 'current_time', arguments: { timeZone: 'Europe/Paris' } },
    });
    expect(call.status).toBe(200);
    expect((call.body.content as { text: string }[])[0]!.text).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const bad = await api(`/api/v1/runs/${run.id}/tools/call`, {
      method: 'POST',
      body: { name: 'no_such_tool', arguments: {} },
    });
    expect(bad.status).toBe(502);
    expect(bad.body.code).toBe('HUB_ERR_TOOL_CALL_FAILED');

    const bwraps = descendants(d.proc.pid!, 'bwrap');
    expect(bwraps.length).toBeGreaterThan(0);
    const cgroups = bwraps.flatMap(runCgroupDirs);
    expect(cgroups.length).toBeGreaterThan(0); // the sandbox has its own memory/cpu/pids cgroups
    const stopped = await api(`/api/v1/runs/${run.id}`, { method: 'DELETE' });
    expect(stopped.body).toMatchObject({ state: 'exited', exit: { reason: 'killed' } });
    expect(descendants(d.proc.pid!, 'bwrap')).toEqual([]);
    expect(cgroups.filter((c) => existsSync(c))).toEqual([]); // and they are removed
    await until(
      () => stream.events.some((e) => (e.data as { type: string }).type === 'exited'),
      'the exited event',
    );
    expect(stream.events.some((e) => (e.data as { type: string }).type === 'started')).toBe(true);
    stream.stop();
    const after = await api(`/api/v1/runs/${run.id}/tools`);
    expect(after.body.code).toBe('HUB_ERR_RUN_NOT_RUNNING');

    const audit = readFileSync(join(d.home, 'logs', 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit.find((a) => a.runId === run.id)).toMatchObject({
      startedBy: 'admin',
      decision: 'allowed',
      name: 'local/clock',
      exit: { reason: 'killed' },
    });
  }, 120_000);

  it('refuses a read-only token every action that starts or drives a server (hub:run needed); a hub:run token may', async () => {
    const denied = await start({}, readOnly);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('HUB_ERR_FORBIDDEN');
    expect(String(denied.body.message)).toContain('hub:run');
    const minted = await api('/api/v1/tokens/api', {
      method: 'POST',
      body: { name: 'escalate', scope: ['hub:run'] },
      token: readOnly,
    });
    expect(minted.status).toBe(403);

    const ok = await start({}, runOnly);
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const id = (ok.body as unknown as Run).id;
    expect((await api(`/api/v1/runs/${id}`, { token: readOnly })).status).toBe(200);
    for (const [path, method, body] of [
      [`/api/v1/runs/${id}/tools`, 'GET', undefined],
      [`/api/v1/runs/${id}/tools/call`, 'POST', { name: 'current_time', arguments: { timeZone: 'UTC' } }],
      [`/api/v1/runs/${id}`, 'DELETE', undefined],
    ] as const) {
      const r = await api(path, { method, body, token: readOnly });
      expect(r.status, `${method} ${path}`).toBe(403);
    }
    await expect(terminal(wsUrl(id), { authorization: `Bearer ${readOnly}` })).rejects.toMatchObject({
      status: 403,
    });
    expect((await api(`/api/v1/runs/${id}`, { method: 'DELETE', token: runOnly })).body.state).toBe('exited');
  }, 60_000);

  it("refuses by the daemon's policy file with each denial named, and leaves nothing running", async () => {
    const before = ((await api('/api/v1/runs')).body.runs as Run[]).length;
    const policyFile = join(d.home, 'policy.json');
    writeFileSync(policyFile, JSON.stringify({ origins: ['other/*'] }));
    try {
      const r = await start({ minLevel: 3 });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('HUB_ERR_RUN_DENIED');
      const decision = r.body.decision as Run['decision'];
      expect(decision.allowed).toBe(false);
      expect(decision.denials.map((x) => x.rule)).toEqual(['origins.org']);
      expect(decision.denials[0]!.hint).toBeTruthy();
    } finally {
      rmSync(policyFile);
    }
    expect(((await api('/api/v1/runs')).body.runs as Run[]).length).toBe(before);
    expect(descendants(d.proc.pid!, 'bwrap')).toEqual([]);
    const audit = readFileSync(join(d.home, 'logs', 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(JSON.parse(audit.at(-1)!)).toMatchObject({ decision: 'denied', startedBy: 'admin' });
    // A bad request changes nothing either.
    const invalid = await start({ network: { mode: 'allowlist', allow: ['not a host'] } });
    expect(invalid.status).toBe(400);
    expect(descendants(d.proc.pid!, 'bwrap')).toEqual([]);
  }, 60_000);

  it('enforces the wall-time limit: the run ends by itself with reason wall-time', async () => {
    const r = await start({ limits: { wallTimeSec: 2 } });
    expect(r.status).toBe(201);
    const id = (r.body as unknown as Run).id;
    let view: Run | undefined;
    for (let i = 0; i < 100; i++) {
      view = (await api(`/api/v1/runs/${id}`)).body as unknown as Run;
      if (view.state === 'exited') break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(view).toMatchObject({ state: 'exited', exit: { reason: 'wall-time' } });
    expect(descendants(d.proc.pid!, 'bwrap')).toEqual([]);
  }, 60_000);

  it("the terminal is a shell inside the run's sandbox (its hostname, its /tmp, its pids), not on the host", async () => {
    const marker = join(tmpdir(), `mcphub-host-marker-${process.pid}`);
    writeFileSync(marker, 'host');
    const r = await start({});
    const id = (r.body as unknown as Run).id;
    const { ws, output } = await terminal(wsUrl(id), { authorization: `Bearer ${admin}` });
    ws.send(JSON.stringify({ type: 'resize', cols: 120, rows: 40 }));
    ws.send(
      JSON.stringify({
        type: 'input',
        data: `echo "H=$(hostname)"; test -e ${marker} && echo MARKER=seen || echo MARKER=absent; echo "N=$(ls /proc | grep -c '^[0-9]')"; echo "C=$(grep CapEff /proc/self/status | tr -d '[:space:]')"; echo "G=$(grep -c 'mcphub-[0-9]*-[0-9a-f]*$' /proc/self/cgroup)"; echo END\n`,
      }),
    );
    await until(() => /END\r?\n/.test(output().split('echo END')[1] ?? ''), 'the shell output').catch(
      (err) => {
        throw new Error(`${err.message}: ${JSON.stringify(output())}`);
      },
    );
    const out = output().split('echo END')[1]!;
    rmSync(marker);
    expect(out).toMatch(/H=mcphub/);
    expect(hostname()).not.toBe('mcphub');
    expect(out).toContain('MARKER=absent');
    const pids = Number(/N=(\d+)/.exec(out)?.[1]);
    expect(pids).toBeGreaterThan(0);
    expect(pids).toBeLessThan(10); // the sandbox's own pid namespace, not the host's hundreds
    expect(out).toContain('C=CapEff:0000000000000000'); // no capabilities, like the server
    expect(Number(/G=(\d+)/.exec(out)?.[1])).toBeGreaterThanOrEqual(2); // in the run's cgroups (memory, pids…)
    const closed = new Promise((res) => ws.once('close', res));
    await api(`/api/v1/runs/${id}`, { method: 'DELETE' });
    await closed; // the terminal ends with the run
  }, 60_000);

  it('cross-site WebSocket hijacking: a foreign Origin or Host cannot open the run terminal; no credentials cannot either', async () => {
    const r = await start({});
    const id = (r.body as unknown as Run).id;
    await expect(
      terminal(wsUrl(id), { authorization: `Bearer ${admin}`, origin: 'http://evil.example' }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(
      terminal(wsUrl(id), { authorization: `Bearer ${admin}`, host: 'evil.example' }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(terminal(wsUrl(id), {})).rejects.toMatchObject({ status: 401 });
    const same = await terminal(wsUrl(id), { authorization: `Bearer ${admin}`, origin: d.hubUrl });
    same.ws.close();
    await api(`/api/v1/runs/${id}`, { method: 'DELETE' });
  }, 60_000);

  it("keeps the server's stderr (GET /logs and live `log` events)", async () => {
    // The clean clock server, plus a line on stderr at start and per call.
    const dir = join(mkdtempSync(join(tmpdir(), 'mcphub-stderr-clock-')), 'server');
    cpSync(fixture('clean-clock-server'), dir, { recursive: true });
    const index = join(dir, 'index.js');
    writeFileSync(
      index,
      readFileSync(index, 'utf8')
        .replace('const send =', "process.stderr.write('clock ready\\n');\nconst send =")
        .replace(
          "case 'tools/call':",
          "case 'tools/call':\n      process.stderr.write(`called ${params?.name}\\n`);",
        ),
    );
    const pushed = await runCli([
      'push',
      dir,
      '--home',
      d.home,
      '--name',
      'local/loud-clock',
      '--version',
      '1.0.0',
      '--wait',
    ]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const stream = sse(`${d.hubUrl}/api/v1/events`, admin);
    const r = await api('/api/v1/runs', { method: 'POST', body: { ref: 'local/loud-clock@1.0.0' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const id = (r.body as unknown as Run).id;
    await api(`/api/v1/runs/${id}/tools/call`, {
      method: 'POST',
      body: { name: 'current_time', arguments: { timeZone: 'UTC' } },
    });
    let text = '';
    for (let i = 0; i < 50 && !text.includes('called current_time'); i++) {
      text = String((await api(`/api/v1/runs/${id}/logs`)).body.text);
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(text).toContain('clock ready');
    expect(text).toContain('called current_time');
    await until(
      () =>
        stream.events.some(
          (e) =>
            (e.data as { type: string; id?: string; text?: string }).type === 'log' &&
            (e.data as { text: string }).text.includes('called current_time'),
        ),
      'a log event',
    );
    stream.stop();
    await api(`/api/v1/runs/${id}`, { method: 'DELETE' });
    expect(String((await api(`/api/v1/runs/${id}/logs`)).body.text)).toContain('clock ready'); // kept after exit
  }, 120_000);

  it('rug pull through the daemon: once tools/list changes from the certified digest, tool calls are refused and the run says so', async () => {
    const pushed = await runCli([
      'push',
      fixture('rug-pull-server'),
      '--home',
      d.home,
      '--name',
      'local/rugpull',
      '--version',
      '1.0.0',
      '--wait',
    ]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const r = await api('/api/v1/runs', { method: 'POST', body: { ref: 'local/rugpull@1.0.0' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const id = (r.body as unknown as Run).id;
    expect((r.body as unknown as Run).tools.guard).toBe('match'); // the first tools/list is the certified one
    const ok = await api(`/api/v1/runs/${id}/tools/call`, {
      method: 'POST',
      body: { name: 'current_time', arguments: { timeZone: 'UTC' } },
    });
    expect(ok.status).toBe(200);
    const changed = await api(`/api/v1/runs/${id}/tools`); // now poisoned
    expect(JSON.stringify(changed.body)).toContain('IMPORTANT');
    const refused = await api(`/api/v1/runs/${id}/tools/call`, {
      method: 'POST',
      body: { name: 'current_time', arguments: { timeZone: 'UTC' } },
    });
    expect(refused.status).toBe(502);
    expect(refused.body.code).toBe('HUB_ERR_TOOL_CALL_FAILED');
    expect(((await api(`/api/v1/runs/${id}`)).body as unknown as Run).tools.guard).toBe('mismatch');
    await api(`/api/v1/runs/${id}`, { method: 'DELETE' });
  }, 120_000);

  it('running a revoked package through the daemon API (cached by an earlier run) is refused with the reason; nothing starts', async () => {
    // Its own bytes: a revocation is of a digest, and the clean clock's bundle is what later tests run.
    const dir = join(mkdtempSync(join(tmpdir(), 'mcphub-revoked-clock-')), 'server');
    cpSync(fixture('clean-clock-server'), dir, { recursive: true });
    writeFileSync(join(dir, 'REVOKED.md'), 'This copy gets revoked by the test.\n');
    const pushed = await runCli([
      'push',
      dir,
      '--home',
      d.home,
      '--name',
      'local/revoked-clock',
      '--version',
      '1.0.0',
      '--wait',
    ]);
    expect(pushed.code, pushed.stderr).toBe(0);
    // Run it once so its bytes sit in the cache, then revoke it on the registry.
    const first = await api('/api/v1/runs', { method: 'POST', body: { ref: 'local/revoked-clock@1.0.0' } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    await api(`/api/v1/runs/${(first.body as unknown as Run).id}`, { method: 'DELETE' });
    const registryAdmin = await runCli([
      'token',
      'create',
      '--home',
      d.home,
      '--scope',
      'registry:admin',
      '--resource',
      'local/*',
    ]);
    expect(registryAdmin.code, registryAdmin.stderr).toBe(0);
    await new RegistryClient({ baseUrl: d.registryUrl, token: registryAdmin.stdout.trim() }).setStatus(
      'local/revoked-clock',
      '1.0.0',
      'revoked',
      'leaks credentials (test)',
    );
    const before = ((await api('/api/v1/runs')).body as { runs: Run[] }).runs.filter(
      (r) => r.state === 'running',
    ).length;
    const refused = await api('/api/v1/runs', { method: 'POST', body: { ref: 'local/revoked-clock@1.0.0' } });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.body.code).toBe('HUB_ERR_RUN_UNVERIFIED');
    expect(String(refused.body.message)).toContain('SBX_ERR_PULL_REVOKED');
    expect(String(refused.body.message)).toContain('leaks credentials (test)');
    const after = ((await api('/api/v1/runs')).body as { runs: Run[] }).runs.filter(
      (r) => r.state === 'running',
    ).length;
    expect(after).toBe(before);
  }, 120_000);

  it('documents the run endpoints in the OpenAPI document (/docs)', async () => {
    const doc = (await (await fetch(`${d.hubUrl}/docs/json`)).json()) as { paths: Record<string, unknown> };
    for (const p of [
      '/api/v1/runs',
      '/api/v1/runs/{id}',
      '/api/v1/runs/{id}/logs',
      '/api/v1/runs/{id}/tools',
      '/api/v1/runs/{id}/tools/call',
    ])
      expect(doc.paths[p], p).toBeTruthy();
  });

  it('daemon shutdown stops every running server and audits it', async () => {
    const r = await start({});
    const id = (r.body as unknown as Run).id;
    const sandboxes = descendants(d.proc.pid!, 'bwrap');
    expect(sandboxes.length).toBeGreaterThan(0);
    d.proc.kill('SIGTERM');
    const code = await Promise.race([d.exited, new Promise((r) => setTimeout(() => r('timeout'), 15_000))]);
    expect(code, d.stderr().split('\n').slice(-20).join('\n')).toBe(0);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const audit = readFileSync(join(d.home, 'logs', 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit.find((a) => a.runId === id)).toMatchObject({
      decision: 'allowed',
      exit: { reason: 'killed' },
    });
    // The daemon waited for each sandbox's launcher; bwrap's own monitor may take a moment to follow.
    await until(() => sandboxes.filter(alive).length === 0, 'the sandboxes to be gone', 5000);
  }, 60_000);
});
