import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HubError } from '../../errors.js';
import type { RunManager, RunView } from '../../runs/run-manager.js';

/** The part of a `ws` WebSocket the terminal uses. */
interface Socket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', fn: (data: Buffer | string) => void): void;
  on(event: 'close', fn: () => void): void;
  readyState: number;
}

const RUN_CGROUP = /\/mcphub-\d+-[0-9a-f]{8}$/;
const SAFE_PATH = /^[\w/.,:@+-]+$/;

/**
 * The `cgroup.procs` files of the run's own cgroups (the sandbox runner's `mcphub-<pid>-<hex>`
 * leaves), so the terminal's shell is held to the same memory, CPU and pids limits as the server.
 */
export function runCgroupProcsFiles(
  sandboxPid: number,
  mountinfo = readFileSync('/proc/self/mountinfo', 'utf8'),
  cgroups = readFileSync(`/proc/${sandboxPid}/cgroup`, 'utf8'),
): string[] {
  const mounts: { point: string; v2: boolean; controllers: string[] }[] = [];
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    const point = pre?.split(' ')[4];
    const [fstype, , opts] = (post ?? '').split(' ');
    if (!point || (fstype !== 'cgroup' && fstype !== 'cgroup2')) continue;
    mounts.push({ point, v2: fstype === 'cgroup2', controllers: (opts ?? '').split(',') });
  }
  const files = new Set<string>();
  for (const line of cgroups.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!m || !RUN_CGROUP.test(m[2]!)) continue;
    const names = m[1]!.split(',').filter(Boolean);
    const mount = names.length
      ? mounts.find((x) => !x.v2 && names.every((n) => x.controllers.includes(n)))
      : mounts.find((x) => x.v2);
    if (mount) files.add(join(mount.point, m[2]!, 'cgroup.procs'));
  }
  return [...files].filter((f) => SAFE_PATH.test(f));
}

/**
 * The shell command that joins a running sandbox: first into the run's cgroups (its limits), then its
 * user, mount, pid, net, ipc and uts namespaces (so it sees the sandbox's filesystem, processes,
 * network and hostname — not the host's), with every capability dropped and no-new-privileges, like
 * the server itself. Pure, for tests.
 */
export function terminalCommand(
  sandboxPid: number,
  cgroupProcs: string[] = [],
): { file: string; args: string[] } {
  const enter = [
    'nsenter',
    `--target=${sandboxPid}`,
    '--user',
    '--mount',
    '--pid',
    '--net',
    '--ipc',
    '--uts',
    '--preserve-credentials',
    '--',
    'setpriv',
    '--no-new-privs',
    '--bounding-set=-all',
    '--inh-caps=-all',
    '--ambient-caps=-all',
    '/bin/sh',
    '-i',
  ];
  // A host shell moves itself into the run's cgroups, then becomes nsenter (fails closed: exit 97).
  const join = cgroupProcs.map((f) => `echo $$ > '${f}' || exit 97; `).join('');
  return { file: '/bin/sh', args: ['-c', `${join}exec "$@"`, 'mcphub-terminal', ...enter] };
}

const MAX_TERMINALS_PER_RUN = 4;

/**
 * `GET /api/v1/runs/:id/terminal` as a WebSocket: a pty (node-pty) running a shell inside the run's
 * sandbox. Client → server frames are JSON `{type:'input', data}` or `{type:'resize', cols, rows}`;
 * server → client frames are the terminal's output. Authorization (hub:run on the run's organization)
 * runs before the upgrade, as do the Host and Origin checks of the UI plugin (cross-site WebSocket
 * hijacking defence).
 */
export function terminalRoute(
  app: FastifyInstance,
  deps: { runs: RunManager; runFor: (req: FastifyRequest) => Promise<RunView> },
): void {
  const open = new Map<string, number>();
  app.get(
    '/api/v1/runs/:id/terminal',
    {
      websocket: true,
      preHandler: async (req) => {
        const run = await deps.runFor(req);
        deps.runs.sandboxPid(run.id); // 409 when the run has exited
        if ((open.get(run.id) ?? 0) >= MAX_TERMINALS_PER_RUN) {
          throw new HubError('HUB_ERR_CONFLICT', `At most ${MAX_TERMINALS_PER_RUN} terminals per run`);
        }
      },
    },
    async (socket: Socket, req: FastifyRequest) => {
      const id = (req.params as { id: string }).id;
      let pid: number;
      try {
        pid = deps.runs.sandboxPid(id);
      } catch {
        socket.close(1011, 'the run has exited');
        return;
      }
      // Listen before the first await: frames sent right after the upgrade must not be lost.
      const pending: (Buffer | string)[] = [];
      let handle = (raw: Buffer | string) => {
        pending.push(raw);
      };
      socket.on('message', (raw) => handle(raw));
      let closed = false;
      let term: import('node-pty').IPty | undefined;
      socket.on('close', () => {
        closed = true;
        deps.runs.events.off('run', onRun);
        open.set(id, (open.get(id) ?? 1) - 1);
        try {
          term?.kill('SIGKILL');
        } catch {}
      });
      const onRun = (e: { type: string; run?: RunView }) => {
        if (e.type === 'exited' && e.run?.id === id) socket.close(1000, 'the run has exited');
      };
      deps.runs.events.on('run', onRun);
      open.set(id, (open.get(id) ?? 0) + 1);

      const pty = await import('node-pty');
      if (closed) return;
      let cgroupProcs: string[] = [];
      try {
        cgroupProcs = runCgroupProcsFiles(pid);
      } catch {} // no /proc/<pid>/cgroup: the run has just ended
      const { file, args } = terminalCommand(pid, cgroupProcs);
      const t = pty.spawn(file, args, {
        name: 'xterm-256color',
        cols: 100,
        rows: 30,
        cwd: '/',
        env: { PATH: '/usr/local/bin:/usr/bin:/bin', TERM: 'xterm-256color', HOME: '/tmp', PS1: 'sandbox$ ' },
      });
      term = t;
      t.onData((d) => {
        if (socket.readyState === 1) socket.send(d);
      });
      t.onExit(() => socket.close(1000, 'the shell exited'));
      handle = (raw) => {
        let msg: { type?: string; data?: unknown; cols?: unknown; rows?: unknown };
        try {
          msg = JSON.parse(raw.toString());
        } catch {
          return;
        }
        if (msg.type === 'input' && typeof msg.data === 'string') t.write(msg.data);
        else if (
          msg.type === 'resize' &&
          Number.isInteger(msg.cols) &&
          Number.isInteger(msg.rows) &&
          (msg.cols as number) > 0 &&
          (msg.rows as number) > 0 &&
          (msg.cols as number) <= 1000 &&
          (msg.rows as number) <= 1000
        )
          t.resize(msg.cols as number, msg.rows as number);
      };
      for (const raw of pending.splice(0)) handle(raw);
    },
  );
}
