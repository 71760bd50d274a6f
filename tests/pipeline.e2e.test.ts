import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyAttestation } from '@mcphub/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Test-only helpers shared with the package tests (tests/ may reach into sources; packages may not).
import { rawTarGz } from '../sandbox/src/archive/tar-builder.test-helper.js';
import { type DaemonProcess, runCli, startDaemonProcess } from './helpers/daemon-process.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const SERVER_MEMORY = join(repo, 'node_modules/@modelcontextprotocol/server-memory');
const VULNERABLE = join(repo, 'tests/fixtures/vulnerable-notes-server');

interface JobView {
  id: string;
  name: string;
  version: string;
  state: string;
  level: number | null;
  score: { global: number } | null;
  source: { digest: string };
  error: { code: string; message: string } | null;
}

async function api<T>(
  d: DaemonProcess,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: T }> {
  const token = readFileSync(join(d.home, 'keys', 'admin-token'), 'utf8').trim();
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(`${d.hubUrl}${path}`, { ...init, headers });
  return { status: res.status, body: (await res.json()) as T };
}

async function waitForJob(d: DaemonProcess, id: string, timeoutMs = 90_000): Promise<JobView> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api<JobView>(d, `/api/v1/jobs/${id}`);
    if (['PUBLISHED', 'FAILED', 'REJECTED'].includes(body.state)) return body;
    if (Date.now() > end) throw new Error(`job ${id} stuck in ${body.state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function upload(d: DaemonProcess, name: string, version: string, bytes: Buffer) {
  const form = new FormData();
  form.append('name', name);
  form.append('version', version);
  form.append('source', new Blob([new Uint8Array(bytes)]), 'source.tar.gz');
  return api<JobView & { code?: string; message?: string }>(d, '/api/v1/servers', {
    method: 'POST',
    body: form,
  });
}

describe('certification pipeline end to end (embedded queue, store and SQLite)', () => {
  let d: DaemonProcess;
  beforeAll(async () => {
    d = await startDaemonProcess();
  });
  afterAll(async () => {
    await d?.stop('SIGKILL');
  });

  it('certifies the real @modelcontextprotocol/server-memory and a vulnerable server; both publish, the vulnerable one lower, with findings', async () => {
    const memory = await runCli([
      'push',
      SERVER_MEMORY,
      '--home',
      d.home,
      '--name',
      'mcp/server-memory',
      '--version',
      '1.0.0',
      '--wait',
    ]);
    expect(memory.code, memory.stderr).toBe(0);
    expect(memory.stderr).toContain('PUBLISHED');
    const vuln = await runCli([
      'push',
      VULNERABLE,
      '--home',
      d.home,
      '--name',
      'acme/notes',
      '--version',
      '1.0.0',
      '--wait',
    ]);
    expect(vuln.code, vuln.stderr).toBe(0);

    const m = JSON.parse(memory.stdout.trim().split('\n').pop()!) as {
      jobId: string;
      level: number;
      score: number;
      reference: string;
    };
    const v = JSON.parse(vuln.stdout.trim().split('\n').pop()!) as {
      jobId: string;
      level: number;
      score: number;
    };
    expect(m.reference).toBe('mcp/server-memory@1.0.0');
    expect(v.score).toBeLessThan(m.score);
    expect(v.level).toBeLessThan(m.level);

    const findings = await api<{ findings: { class: string; severity: string; tool?: string }[] }>(
      d,
      `/api/v1/jobs/${v.jobId}/findings`,
    );
    const classes = new Set(findings.body.findings.map((f) => f.class));
    expect(classes.has('A')).toBe(true); // grep_notes: shell injection from a tool parameter
    expect(classes.has('B')).toBe(true); // read_note: path traversal from a tool parameter
    expect(findings.body.findings.some((f) => f.tool === 'grep_notes')).toBe(true);

    const jwks = await (await fetch(`${d.hubUrl}/.well-known/jwks.json`)).json();
    for (const [name, jobId] of [
      ['mcp/server-memory', m.jobId],
      ['acme/notes', v.jobId],
    ] as const) {
      const job = (await api<JobView>(d, `/api/v1/jobs/${jobId}`)).body;
      const resolved = (await (await fetch(`${d.registryUrl}/v1/resolve/${name}/1.0.0`)).json()) as {
        manifest: {
          bundle: { digest: string };
          attestation: { digest: string };
          certification: { level: number };
        };
      };
      expect(resolved.manifest.bundle.digest).toBe(job.source.digest);
      expect(resolved.manifest.certification.level).toBe(job.level);
      const bundle = Buffer.from(
        await (await fetch(`${d.registryUrl}/v1/download/${name}/1.0.0`)).arrayBuffer(),
      );
      const { createHash } = await import('node:crypto');
      expect(`sha256:${createHash('sha256').update(bundle).digest('hex')}`).toBe(job.source.digest);
      const attestation = await (
        await fetch(`${d.registryUrl}/v1/blobs/${resolved.manifest.attestation.digest}`)
      ).json();
      const verified = verifyAttestation(attestation, jwks as never, job.source.digest);
      expect(verified.statement.predicate.level).toBe(job.level);
      expect(verified.statement.predicate.package).toEqual({ name, version: '1.0.0' });
    }
  });

  it('mcphub pull verifies and caches a certified package; the second pull downloads nothing', async () => {
    const first = await runCli([
      'pull',
      'mcp/server-memory@^1',
      '--home',
      d.home,
      '--registry-port',
      new URL(d.registryUrl).port,
    ]);
    expect(first.code, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout) as {
      digest: string;
      attested: boolean;
      downloaded: boolean;
      path: string;
      level: number;
    };
    expect(a).toMatchObject({ attested: true, downloaded: true });
    expect(readFileSync(join(a.path, 'package.json'), 'utf8')).toContain('server-memory');
    const second = await runCli([
      'pull',
      `mcp/server-memory@${a.digest}`,
      '--home',
      d.home,
      '--registry-port',
      new URL(d.registryUrl).port,
    ]);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ digest: a.digest, downloaded: false });
    const ls = await runCli(['cache', 'ls', '--home', d.home]);
    expect(ls.stdout).toContain('mcp/server-memory@1.0.0');
  });

  it('mcphub advisories import: a dependency in a vulnerable range becomes a supply-chain finding in the pipeline', async () => {
    const osv = join(repo, 'scanner/src/detectors/n/mcp-n005-known-vulnerable/osv/npm');
    const imp = await runCli(['advisories', 'import', osv, '--home', d.home]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/imported [1-9]\d* advisories/);
    const lock = {
      name: 'uses-lodash',
      version: '1.0.0',
      lockfileVersion: 3,
      packages: {
        '': { name: 'uses-lodash', version: '1.0.0', dependencies: { lodash: '4.17.20' } },
        'node_modules/lodash': {
          version: '4.17.20',
          resolved: 'https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz',
        },
      },
    };
    const bytes = rawTarGz([
      {
        path: 'package.json',
        body: JSON.stringify({
          name: 'uses-lodash',
          version: '1.0.0',
          main: 'index.js',
          dependencies: { lodash: '4.17.20' },
        }),
      },
      { path: 'package-lock.json', body: JSON.stringify(lock) },
      { path: 'index.js', body: 'export const x = 1;\n' },
    ]);
    const res = await upload(d, 'acme/uses-lodash', '1.0.0', bytes);
    expect(res.status).toBe(202);
    expect((await waitForJob(d, res.body.id)).state).toBe('PUBLISHED');
    const f = await api<{ findings: { class: string; message: string }[] }>(
      d,
      `/api/v1/jobs/${res.body.id}/findings?class=N`,
    );
    expect(f.body.findings.some((x) => x.message.includes('GHSA-35jh-r3h4-6jhm'))).toBe(true);
  });

  it('refuses hostile archives with a coded 422 and creates no job', async () => {
    const before = (await api<{ jobs: unknown[] }>(d, '/api/v1/jobs')).body.jobs.length;
    const hostile: [string, Buffer][] = [
      ['zip-slip', rawTarGz([{ path: '../../etc/cron.d/evil', body: 'x' }])],
      ['absolute path', rawTarGz([{ path: '/etc/passwd', body: 'x' }])],
      ['symlink out', rawTarGz([{ path: 'link', type: '2', linkpath: '/root/.ssh' }])],
      ['hard link out', rawTarGz([{ path: 'hl', type: '1', linkpath: '../../../etc/shadow' }])],
      ['device', rawTarGz([{ path: 'dev', type: '3' }])],
      ['gzip bomb', rawTarGz([{ path: 'zeros', body: Buffer.alloc(100 * 1024 * 1024) }])],
      ['not an archive', Buffer.from('hello')],
    ];
    for (const [what, bytes] of hostile) {
      const res = await upload(d, 'acme/hostile', '1.0.0', bytes);
      expect(res.status, what).toBe(422);
      expect(res.body.code, what).toBe('HUB_ERR_SOURCE_INVALID');
    }
    expect((await api<{ jobs: unknown[] }>(d, '/api/v1/jobs')).body.jobs.length).toBe(before);
  });

  it('is idempotent for the same source and refuses the same version with other source (409)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcphub-src-'));
    cpSync(VULNERABLE, dir, { recursive: true });
    const { packDirectory } = await import('../daemon/src/ingest/pack-directory.js');
    const a = await upload(d, 'acme/idem', '2.0.0', (await packDirectory(dir)).bytes);
    expect(a.status).toBe(202);
    const b = await upload(d, 'acme/idem', '2.0.0', (await packDirectory(dir)).bytes);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    const other = await upload(d, 'acme/idem', '2.0.0', rawTarGz([{ path: 'index.js', body: 'other' }]));
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('HUB_ERR_VERSION_EXISTS');
    expect((await waitForJob(d, a.body.id)).state).toBe('PUBLISHED');
  });
});

describe('git webhook and live events', () => {
  it('a signed push webhook ingests the pinned commit; SSE streams every transition to PUBLISHED; a bad signature is refused', async () => {
    const secret = 'another-webhook-secret-987654321';
    const d = await startDaemonProcess({ env: { MCPHUB_HUB_WEBHOOK_SECRET: secret } });
    try {
      const repo = mkdtempSync(join(tmpdir(), 'mcphub-repo-'));
      cpSync(VULNERABLE, repo, { recursive: true });
      const git = (...a: string[]) =>
        execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...a])
          .toString()
          .trim();
      git('init', '--quiet', '-b', 'main');
      git('add', '.');
      git('commit', '--quiet', '-m', 'v1');
      git('tag', 'v1.4.0');
      const sha = git('rev-parse', 'HEAD');
      const payload = JSON.stringify({
        ref: 'refs/tags/v1.4.0',
        after: sha,
        repository: { clone_url: `file://${repo}`, name: 'notes', owner: { login: 'acme' } },
      });
      const sign = (key: string) => `sha256=${createHmac('sha256', key).update(payload).digest('hex')}`;

      const token = readFileSync(join(d.home, 'keys', 'admin-token'), 'utf8').trim();
      const controller = new AbortController();
      const events: { to: string; jobId: string }[] = [];
      const sse = fetch(`${d.hubUrl}/api/v1/events`, {
        headers: { authorization: `Bearer ${token}` },
        signal: controller.signal,
      })
        .then(async (res) => {
          const decoder = new TextDecoder();
          let buf = '';
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            buf += decoder.decode(chunk, { stream: true });
            for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
              const frame = buf.slice(0, i);
              buf = buf.slice(i + 2);
              const data = frame.split('\n').find((l) => l.startsWith('data: '));
              if (data) events.push(JSON.parse(data.slice(6)));
            }
          }
        })
        .catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));

      const forged = await fetch(`${d.hubUrl}/api/v1/webhooks/git`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': sign('wrong-secret-wrong-secret'),
        },
        body: payload,
      });
      expect(forged.status).toBe(401);
      const res = await fetch(`${d.hubUrl}/api/v1/webhooks/git`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(secret) },
        body: payload,
      });
      expect(res.status).toBe(202);
      const job = (await res.json()) as JobView & { source: { git: { commit: string } } };
      expect(job.name).toBe('acme/notes');
      expect(job.version).toBe('1.4.0');
      expect(job.source.git.commit).toBe(sha);
      expect((await waitForJob(d, job.id)).state).toBe('PUBLISHED');
      await new Promise((r) => setTimeout(r, 300));
      controller.abort();
      await sse;
      expect(events.filter((e) => e.jobId === job.id).map((e) => e.to)).toEqual([
        'QUEUED',
        'DISPATCHED',
        'ANALYZING',
        'ANALYZED',
        'SCORED',
        'CERTIFIED',
        'PUBLISHED',
      ]);
    } finally {
      await d.stop('SIGKILL');
    }
  });
});

describe('crash safety', () => {
  it('SIGKILL mid-pipeline, then restart: every job finishes exactly once, nothing lost', async () => {
    const env = { MCPHUB_QUEUE_VISIBILITY_TIMEOUT_MS: '2000', MCPHUB_SCANNER_THREADS: '1' };
    const first = await startDaemonProcess({ env });
    const ids: string[] = [];
    const base = readFileSync(join(VULNERABLE, 'src/index.js'), 'utf8');
    for (let i = 0; i < 6; i++) {
      const bytes = rawTarGz([
        { path: 'package.json', body: JSON.stringify({ name: `crash-${i}`, main: 'index.js' }) },
        { path: 'index.js', body: `${base}\n// variant ${i}\n` },
      ]);
      const res = await upload(first, `crash/server-${i}`, '1.0.0', bytes);
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    // Kill as soon as the pipeline is busy: some jobs analyzing, others queued behind them.
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      const { body } = await api<{ counts: Record<string, number> }>(first, '/api/v1/jobs');
      if (
        (body.counts.ANALYZING ?? 0) +
          (body.counts.ANALYZED ?? 0) +
          (body.counts.SCORED ?? 0) +
          (body.counts.PUBLISHED ?? 0) >
        0
      )
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await first.stop('SIGKILL');

    const second = await startDaemonProcess({ home: first.home, env });
    try {
      const done = await Promise.all(ids.map((id) => waitForJob(second, id, 120_000)));
      expect(done.map((j) => j.state)).toEqual(ids.map(() => 'PUBLISHED'));
      for (const id of ids) {
        const { body } = await api<{ history: { to_state: string }[] }>(second, `/api/v1/jobs/${id}`);
        const visits = body.history.map((h) => h.to_state);
        for (const state of ['QUEUED', 'DISPATCHED', 'ANALYZED', 'SCORED', 'CERTIFIED', 'PUBLISHED']) {
          expect(
            visits.filter((s) => s === state),
            `${id} ${state}: ${visits.join(' → ')}`,
          ).toHaveLength(1);
        }
      }
      const listed = (await (await fetch(`${second.registryUrl}/v1/packages?limit=100`)).json()) as {
        packages: { name: string }[];
      };
      const names = listed.packages.map((p) => p.name).filter((n) => n.startsWith('crash/'));
      expect(names.sort()).toEqual(ids.map((_, i) => `crash/server-${i}`).sort());
    } finally {
      await second.stop('SIGKILL');
    }
  }, 240_000);
});
