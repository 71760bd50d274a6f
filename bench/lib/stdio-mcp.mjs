// One MCP session over a child's stdio, in raw JSON-RPC (newline-delimited, as the stdio transport
// frames it), so the timing has no client library in it: the clock starts just before spawn() and
// stops when the line answering `initialize` has been read.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const TAIL_CHARS = 4000;
const REQUEST_TIMEOUT_MS = 60_000; // a hang guard, not a measurement
const EXIT_GRACE_MS = 5_000;

export const INITIALIZE_PARAMS = {
  protocolVersion: '2025-06-18',
  capabilities: {},
  clientInfo: { name: 'mcphub-bench', version: '0.1.0' },
};

/** The pids of `pid` and all its descendants (Linux /proc; [] elsewhere or once it is gone). */
export function processTree(pid) {
  const out = [];
  const walk = (p) => {
    out.push(p);
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const task of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8');
      } catch {}
      for (const child of children.trim().split(/\s+/).filter(Boolean)) walk(Number(child));
    }
  };
  walk(pid);
  return out;
}

/**
 * Σ of each process's peak RSS (VmHWM) over the tree, in KiB, with the processes' names. Every
 * process is counted whole (shared pages count once per process), the same way for every side.
 */
export function treePeakRss(pid) {
  let totalKiB = 0;
  const names = [];
  for (const p of processTree(pid)) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
      const name = /^Name:\s+(\S+)/m.exec(status)?.[1] ?? '?';
      if (hwm) totalKiB += Number(hwm[1]);
      names.push(name);
    } catch {}
  }
  return { totalKiB, names };
}

/**
 * Spawns `command args` (in a process group of its own, so a stuck wrapper can be stopped with
 * everything it started), sends `initialize` at once and resolves when it is answered.
 * Resolves with {initMs, initResult, rss, request, notify, stderr, close}; rejects, with the tail
 * of stderr, if the process exits or the answer is an error.
 */
export function openSession(label, command, args, { cwd, env, measureRss = false } = {}) {
  let stderrTail = '';
  let stdoutBuffered = '';
  let nextId = 1;
  const pending = new Map();
  const started = performance.now();
  const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  child.stderr.on('data', (chunk) => {
    stderrTail = (stderrTail + chunk).slice(-TAIL_CHARS);
  });
  child.stdin.on('error', () => {}); // EPIPE when the child is gone: reported by the exit below
  child.stdout.on('data', (chunk) => {
    stdoutBuffered += chunk;
    const lines = stdoutBuffered.split('\n');
    stdoutBuffered = lines.pop();
    const at = performance.now();
    for (const line of lines) {
      if (!line.trim()) continue;
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        continue; // not ours to judge: a wrapper may print a banner on stdout
      }
      const waiter = msg.id !== undefined ? pending.get(msg.id) : undefined;
      if (!waiter) continue;
      pending.delete(msg.id);
      waiter({ msg, at });
    }
  });

  const request = (method, params) => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${label}: no answer to ${method} within ${REQUEST_TIMEOUT_MS / 1000} s`)),
        REQUEST_TIMEOUT_MS,
      );
      pending.set(id, ({ msg, at }) => {
        clearTimeout(timer);
        if (msg.error)
          reject(
            new Error(`${label}: ${method} answered an error: ${JSON.stringify(msg.error).slice(0, 500)}`),
          );
        else resolve({ result: msg.result, at });
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        if (pending.delete(id))
          reject(
            new Error(
              `${label}: exited (code ${code}, signal ${signal}) before answering ${method}\n--- stderr (tail) ---\n${stderrTail}`,
            ),
          );
      });
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  };
  const notify = (method, params = {}) =>
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method, params })}\n`);

  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {}
  };
  /** Closes stdin (a stdio server's signal to stop), then SIGTERM, then SIGKILL, to the group. */
  const close = async () => {
    child.stdin.end();
    let timer;
    const late = new Promise((resolve) => {
      timer = setTimeout(() => resolve('late'), EXIT_GRACE_MS);
    });
    let outcome = await Promise.race([exited, late]);
    if (outcome === 'late') {
      killGroup('SIGTERM');
      timer = setTimeout(() => killGroup('SIGKILL'), EXIT_GRACE_MS);
      outcome = await exited;
    }
    clearTimeout(timer);
    // Whatever the wrapper left behind in its group (a bridge, a proxy) goes too.
    killGroup('SIGKILL');
    return outcome;
  };

  return request('initialize', INITIALIZE_PARAMS).then(
    ({ result, at }) => {
      const rss = measureRss ? treePeakRss(child.pid) : null;
      notify('notifications/initialized');
      return {
        initMs: at - started,
        initResult: result,
        rss,
        request,
        notify,
        stderr: () => stderrTail,
        close,
      };
    },
    async (err) => {
      await close();
      throw err;
    },
  );
}
