// Driving the hub's certification pipeline the way a client does: start the built daemon (or a
// worker), submit sources through POST /api/v1/servers, and follow GET /api/v1/events (SSE) to
// time each job's transitions as they happen.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startNodeProcess } from './processes.mjs';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../daemon/dist/cli/main.js', import.meta.url));
export const SERVER_MEMORY = join(REPO_ROOT, 'node_modules/@modelcontextprotocol/server-memory');
const TERMINAL = new Set(['PUBLISHED', 'FAILED', 'REJECTED']);

/** The daemon layers config from MCPHUB_* variables; a developer's own settings must not leak in. */
export function cleanEnv(extra = {}) {
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MCPHUB_'))),
    ...extra,
  };
}

export function assertBuilt() {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run \`npm run build\` (or \`npm run bench\`, which builds first)`);
}

/** Starts `mcphub daemon` on ephemeral loopback ports; resolves once the banner shows both URLs. */
export async function startDaemon(home, { args = [], env = {} } = {}) {
  assertBuilt();
  const proc = await startNodeProcess(
    'mcphub daemon',
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
      ...args,
    ],
    { hub: /^\s*Hub:\s+(http\S+)/, registry: /^\s*Registry:\s+(http\S+)/, ready: /(Press Ctrl\+C)/ },
    { cwd: REPO_ROOT, env: cleanEnv(env) },
  );
  const token = readFileSync(join(home, 'keys', 'admin-token'), 'utf8').trim();
  return {
    home,
    hubUrl: proc.values.hub.replace(/\/$/, ''),
    registryUrl: proc.values.registry.replace(/\/$/, ''),
    token,
    stop: proc.stop,
    stderr: proc.stderr,
  };
}

/** Packs `dir` as a gzip'd tar with GNU tar (the way `tar czf` users do). */
export function packDir(dir) {
  return execFileSync('tar', ['-czf', '-', '-C', dir, '.'], { maxBuffer: 256 * 1024 * 1024 });
}

/**
 * `count` copies of @modelcontextprotocol/server-memory under `root`, each with a one-line comment
 * file (dist/bench-variation.js) that makes its digest new, packed. Resolves with [{dir, tarball}].
 */
export function makeServerMemorySources(root, count, tag) {
  if (!existsSync(SERVER_MEMORY))
    throw new Error(`${SERVER_MEMORY} is missing: run \`npm install\` at the repository root`);
  const sources = [];
  for (let i = 0; i < count; i += 1) {
    const dir = join(root, `${tag}-${i}`);
    mkdirSync(dir, { recursive: true });
    cpSync(SERVER_MEMORY, dir, { recursive: true, dereference: true });
    // Inside dist/: a source file beside it would make the scanner take dist/ for the build output
    // of other sources and skip it (scanner/src/discover/discover-files.ts).
    writeFileSync(
      join(dir, 'dist', 'bench-variation.js'),
      `// bench submission ${tag} ${i} ${Date.now()} ${Math.random()}\n`,
    );
    sources.push({ dir, tarball: packDir(dir) });
  }
  return sources;
}

/** POST /api/v1/servers (multipart: name, version, then the file). Resolves with the job view. */
export async function submit(hub, name, version, tarball) {
  const form = new FormData();
  form.append('name', name);
  form.append('version', version);
  form.append('source', new Blob([new Uint8Array(tarball)]), 'source.tar.gz');
  const res = await fetch(`${hub.hubUrl}/api/v1/servers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hub.token}` },
    body: form,
  });
  const body = await res.json().catch(() => null);
  if (res.status !== 202)
    throw new Error(
      `POST /api/v1/servers ${name}@${version} answered ${res.status}: ${JSON.stringify(body)}`,
    );
  return body;
}

export async function getJob(hub, id) {
  const res = await fetch(`${hub.hubUrl}/api/v1/jobs/${id}`, {
    headers: { authorization: `Bearer ${hub.token}` },
  });
  return res.json();
}

/**
 * Follows GET /api/v1/events. Every transition is kept per job with the local time it arrived
 * (performance.now()) beside the server's `at`. `terminal(id)` resolves with the job's terminal
 * transition, whether it arrived before or after the call.
 */
export async function followEvents(hub) {
  const controller = new AbortController();
  const res = await fetch(`${hub.hubUrl}/api/v1/events`, {
    headers: { authorization: `Bearer ${hub.token}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  if (!res.ok || !res.body) throw new Error(`GET /api/v1/events answered ${res.status}`);
  const byJob = new Map();
  const waiters = new Map();
  let streamError = null;
  const onTransition = (t) => {
    const entry = { ...t, receivedAt: performance.now() };
    if (!byJob.has(t.jobId)) byJob.set(t.jobId, []);
    byJob.get(t.jobId).push(entry);
    if (TERMINAL.has(t.to)) {
      for (const resolve of waiters.get(t.jobId) ?? []) resolve(entry);
      waiters.delete(t.jobId);
    }
  };
  const pump = (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of res.body) {
        buffered += decoder.decode(chunk, { stream: true });
        let end = buffered.indexOf('\n\n');
        while (end !== -1) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          if (data && /^event:\s*job$/m.test(block)) onTransition(JSON.parse(data));
          end = buffered.indexOf('\n\n');
        }
      }
    } catch (err) {
      if (err.name !== 'AbortError') streamError = err;
    }
  })();
  return {
    transitions: (id) => byJob.get(id) ?? [],
    terminal(id) {
      const done = (byJob.get(id) ?? []).find((t) => TERMINAL.has(t.to));
      if (done) return Promise.resolve(done);
      if (streamError) return Promise.reject(streamError);
      return new Promise((resolve) => {
        if (!waiters.has(id)) waiters.set(id, []);
        waiters.get(id).push(resolve);
      });
    },
    async close() {
      controller.abort();
      await pump;
    },
  };
}

/** Fails with the job's error when its terminal state is not PUBLISHED. */
export async function expectPublished(hub, events, id, timeoutMs) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`job ${id} reached no terminal state within ${timeoutMs / 1000} s (a hang guard)`)),
      timeoutMs,
    );
  });
  try {
    const t = await Promise.race([events.terminal(id), timeout]);
    if (t.to !== 'PUBLISHED') {
      const job = await getJob(hub, id);
      throw new Error(`job ${id} ended ${t.to}: ${JSON.stringify(job.error ?? t.reason)}`);
    }
    return t;
  } finally {
    clearTimeout(timer);
  }
}

/** Milliseconds between consecutive states of one job, from the server's own timestamps. */
export function stageDurations(transitions) {
  const stages = {};
  for (let i = 1; i < transitions.length; i += 1) {
    const key = `${transitions[i - 1].to}→${transitions[i].to}`;
    stages[key] = Date.parse(transitions[i].at) - Date.parse(transitions[i - 1].at);
  }
  return stages;
}

/** Starts `mcphub worker` (scan workers only, against the broker and store in `env`). */
export async function startWorker(home, { threads = 1, env = {} } = {}) {
  assertBuilt();
  const proc = await startNodeProcess(
    'mcphub worker',
    [CLI, 'worker', '--home', home, '--log-level', 'warn', '--scanner-threads', String(threads)],
    { ready: /(scan worker running)/ },
    { cwd: REPO_ROOT, env: cleanEnv(env) },
  );
  return { stop: proc.stop, stderr: proc.stderr };
}
