import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type {
  GuardState,
  IsolationReport,
  Jwks,
  Policy,
  PolicyDecision,
  PolicyInput,
  SandboxExit,
  SandboxedProcess,
} from '@mcphub/sandbox';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Config } from '../config/schema.js';
import { HubError } from '../errors.js';
import type { Logger } from '../logger.js';
import { treeUsage } from './proc-stats.js';
import { appendAudit, certifiedToolsDigest, launchCommand, pullAndAdmit } from './run-admission.js';

type Sandbox = typeof import('@mcphub/sandbox');

/**
 * What the daemon's policy file states is a ceiling for a request: network (none < allowlist of
 * the file's entries < host) and each limit it sets. Returns how a request would widen it, or null.
 * What the file leaves unsaid is the request's to choose.
 */
function wideningOf(base: PolicyInput, req: RunPolicyRequest): string | null {
  const fileNet = base.network;
  if (fileNet?.mode && req.network && fileNet.mode !== 'host') {
    if (fileNet.mode === 'none' && req.network.mode !== 'none')
      return `network: the request asks for ${req.network.mode}, but network is none`;
    if (fileNet.mode === 'allowlist' && req.network.mode === 'allowlist') {
      const allowed = new Set(fileNet.allow ?? []);
      const extra = (req.network.allow ?? []).filter((entry) => !allowed.has(entry));
      if (extra.length > 0)
        return `network: the request allows ${extra.join(', ')}, which the allowlist [${[...allowed].join(', ')}] does not`;
    }
  }
  for (const [key, value] of Object.entries(req.limits ?? {}) as [string, number | undefined][]) {
    const ceiling = (base.limits as Record<string, number | undefined> | undefined)?.[key];
    if (value !== undefined && ceiling !== undefined && value > ceiling)
      return `limits.${key}: the request asks for ${value}, above ${ceiling}`;
  }
  return null;
}

/** What a caller may ask for: never mounts, env or host networking (those stay in the daemon's policy file). */
export interface RunPolicyRequest {
  minLevel?: number;
  network?: { mode: 'none' | 'allowlist'; allow?: string[] };
  limits?: { memoryMb?: number; cpuShare?: number; pids?: number; openFiles?: number; wallTimeSec?: number };
}

export interface RunStats {
  at: string;
  cpuPercent: number;
  memoryBytes: number;
  pids: number;
}

export interface RunView {
  id: string;
  ref: string;
  name: string;
  version: string;
  digest: string;
  level: number | null;
  org: string;
  state: 'running' | 'stopping' | 'exited';
  startedBy: string;
  startedAt: string;
  endedAt: string | null;
  policy: { minLevel: number; network: Policy['network']; limits: Policy['limits']; mode: Policy['mode'] };
  decision: {
    allowed: boolean;
    mode: Policy['mode'];
    decisions: PolicyDecision[];
    denials: PolicyDecision[];
  };
  isolation: IsolationReport;
  stats: RunStats | null;
  /** The last samples (oldest first), for sparklines. */
  history: { cpuPercent: number; memoryBytes: number }[];
  tools: { count: number; guard: GuardState | 'none' };
  exit: { code: number | null; signal: string | null; reason: string; durationMs: number } | null;
}

export type RunEvent =
  | { type: 'started' | 'exited'; org: string; run: RunView }
  | { type: 'stats'; org: string; id: string; stats: RunStats }
  | { type: 'log'; org: string; id: string; text: string };

export interface RunManagerDeps {
  config: Config;
  logger: Logger;
  /** Keys the attestation must be signed with (the hub's own JWKS, or client.jwks). */
  jwks: Jwks | (() => Promise<Jwks>);
  registries: string[];
  /** The local revocation list (MCPHUB_HOME/revocations.json): a revoked digest never starts. */
  revoked?: (digests: string[]) => { reason: string; origin: string } | null;
  /** The daemon's default policy file (default: MCPHUB_HOME/policy.yaml or policy.json when present). */
  policyFile?: string;
  sampleMs?: number;
  /** How long the server has to answer MCP initialize and tools/list. */
  connectTimeoutMs?: number;
  maxLogBytes?: number;
  /** Exited runs kept for the list. */
  keepExited?: number;
  /** Servers running at once (default 32): past it a start is refused before pulling anything. */
  maxRunning?: number;
  sandbox?: Sandbox;
}

interface Live {
  view: RunView;
  proc: SandboxedProcess;
  client: Client;
  log: string[];
  logBytes: number;
  timer: NodeJS.Timeout;
  done: Promise<RunView>;
  /** The rug-pull guard's live state ('none' without a certified tools digest). */
  guard: () => GuardState | 'none';
}

const HISTORY = 60;

/**
 * The daemon's running servers: start a package under policy in the sandbox with an MCP client on
 * its stdio (through the rug-pull guard), sample CPU and memory, keep a bounded stderr log, stop.
 * Every run is one audit line; `close()` stops them all (daemon shutdown).
 */
export class RunManager {
  readonly events = new EventEmitter();
  readonly #runs = new Map<string, Live>();
  #starting = 0;
  readonly #exited: RunView[] = [];
  #closing = false;

  constructor(private readonly deps: RunManagerDeps) {
    this.events.setMaxListeners(0);
  }

  async #sandbox(): Promise<Sandbox> {
    return this.deps.sandbox ?? (await import('@mcphub/sandbox'));
  }

  #policyFile(): string | undefined {
    if (this.deps.policyFile) return this.deps.policyFile;
    for (const f of ['policy.yaml', 'policy.yml', 'policy.json']) {
      const p = join(this.deps.config.home, f);
      if (existsSync(p)) return p;
    }
    return undefined;
  }

  /** The daemon's policy file, then the request on top; the request may only raise minLevel. */
  async effectivePolicy(req: RunPolicyRequest): Promise<Policy> {
    const sbx = await this.#sandbox();
    try {
      const file = this.#policyFile();
      const base: PolicyInput = file ? await sbx.loadPolicyFile(file) : {};
      const widening = wideningOf(base, req);
      if (widening)
        throw new HubError(
          'HUB_ERR_FORBIDDEN',
          `${widening} in the daemon's policy file (${file}); a request may only narrow it`,
        );
      const layer: PolicyInput = {
        ...(req.network
          ? {
              network: { mode: req.network.mode, ...(req.network.allow ? { allow: req.network.allow } : {}) },
            }
          : {}),
        ...(req.limits ? { limits: req.limits } : {}),
        minLevel: Math.max(base.minLevel ?? 0, req.minLevel ?? 0),
      };
      // A request's network replaces the file's (checked above to stay within it), not adds to it.
      const { network: _fileNetwork, ...rest } = base;
      return sbx.resolvePolicy(sbx.mergePolicyInputs(req.network ? rest : base, layer));
    } catch (err) {
      if (sbx.isSandboxError(err)) throw new HubError('HUB_ERR_VALIDATION', `Policy: ${err.message}`);
      throw err;
    }
  }

  async start(ref: string, request: RunPolicyRequest, startedBy: string): Promise<RunView> {
    if (this.#closing) throw new HubError('HUB_ERR_SHUTTING_DOWN');
    const max = this.deps.maxRunning ?? 32;
    // Starts still pulling count too, so simultaneous starts at the cap cannot all pass it.
    if (this.#runs.size + this.#starting >= max)
      throw new HubError(
        'HUB_ERR_CONFLICT',
        `${max} servers are running or starting already: stop one first`,
      );
    this.#starting++;
    try {
      return await this.#start(ref, request, startedBy);
    } finally {
      this.#starting--;
    }
  }

  async #start(ref: string, request: RunPolicyRequest, startedBy: string): Promise<RunView> {
    const sbx = await this.#sandbox();
    const { config } = this.deps;
    const id = randomUUID();
    const audit = (r: Record<string, unknown>) =>
      appendAudit(config.home, { ref, runId: id, startedBy, via: 'daemon', ...r });
    const policy = await this.effectivePolicy(request);
    let admission: Awaited<ReturnType<typeof pullAndAdmit>>;
    try {
      admission = await pullAndAdmit(sbx, {
        ref,
        policy,
        registries: this.deps.registries,
        cacheDir: join(config.home, 'cache'),
        jwks: this.deps.jwks,
        requireAttestation: config.client.requireAttestation,
        audit,
        ...(this.deps.revoked ? { revoked: this.deps.revoked } : {}),
      });
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code === 'SBX_ERR_PULL_REFERENCE') throw new HubError('HUB_ERR_VALIDATION', (err as Error).message);
      if (code === 'SBX_ERR_PULL_NOT_FOUND') throw new HubError('HUB_ERR_NOT_FOUND', (err as Error).message);
      if (code.startsWith('SBX_ERR_PULL_'))
        throw new HubError('HUB_ERR_RUN_UNVERIFIED', `${code}: ${(err as Error).message}`);
      throw err;
    }
    const { pulled, evaluation, base } = admission;
    const decision = {
      allowed: evaluation.allowed,
      mode: evaluation.mode,
      decisions: evaluation.decisions,
      denials: evaluation.denials,
    };
    if (!evaluation.allowed) {
      throw new HubError(
        'HUB_ERR_RUN_DENIED',
        `Policy denied ${pulled.name}@${pulled.version}: ${sbx.formatDenials(evaluation).join('; ')}`,
        { decision },
      );
    }
    const { command, args } = launchCommand(pulled);
    let proc: SandboxedProcess;
    try {
      proc = await sbx.startSandboxed({
        command,
        args,
        cwd: pulled.packageDir,
        policy,
        stdio: 'pipe',
        onWarning: (m) => this.deps.logger.warn({ runId: id }, m),
      });
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'ERROR';
      audit({ ...base, decision: 'failed', reason: `${code}: ${(err as Error).message}` });
      throw new HubError('HUB_ERR_RUN_FAILED', `${code}: ${(err as Error).message}`);
    }

    const org = pulled.name.split('/')[0]!;
    const view: RunView = {
      id,
      ref,
      name: pulled.name,
      version: pulled.version,
      digest: pulled.digest,
      level: pulled.level,
      org,
      state: 'running',
      startedBy,
      startedAt: new Date().toISOString(),
      endedAt: null,
      policy: {
        minLevel: policy.minLevel,
        network: policy.network,
        limits: policy.limits,
        mode: policy.mode,
      },
      decision,
      isolation: proc.isolation,
      stats: null,
      history: [],
      tools: { count: 0, guard: 'none' },
      exit: null,
    };
    const maxLog = this.deps.maxLogBytes ?? 64 * 1024;
    const live: Live = {
      view,
      proc,
      client: new Client({ name: 'mcphub-daemon', version: '1.0.0' }),
      log: [],
      logBytes: 0,
      timer: setInterval(() => this.#sample(live), this.deps.sampleMs ?? 1000),
      done: Promise.resolve(view),
      guard: () => 'none',
    };
    // Log events are batched (at most ~5 a second per run, 16 KiB each) so a chatty server cannot
    // flood every event-stream client; GET /logs has the whole tail.
    let pending = '';
    let flushTimer: NodeJS.Timeout | undefined;
    const flush = () => {
      flushTimer = undefined;
      if (pending) this.#emit({ type: 'log', org, id, text: pending.slice(-16 * 1024) });
      pending = '';
    };
    proc.stderr?.on('data', (d: Buffer) => {
      const text = d.toString('utf8');
      live.log.push(text);
      live.logBytes += text.length;
      while (live.logBytes > maxLog && live.log.length > 1) live.logBytes -= live.log.shift()!.length;
      pending = (pending + text).slice(-16 * 1024);
      flushTimer ??= setTimeout(flush, 200);
    });
    proc.stderr?.on('end', () => {
      clearTimeout(flushTimer);
      flush();
    });

    // Client ↔ server through the rug-pull guard when the attestation carries a tools digest.
    const toolsDigest = certifiedToolsDigest(pulled);
    const guard = toolsDigest
      ? sbx.createToolsGuard({
          expectedDigest: toolsDigest,
          mode: policy.mode === 'warn' ? 'warn' : 'strict',
          onEvent: (e) => this.deps.logger.info({ runId: id, guard: e }, 'tools guard'),
        })
      : undefined;
    proc.stdin!.on('error', () => {});
    const toServer = guard ? guard.toServer : undefined;
    if (guard) {
      guard.toServer.pipe(proc.stdin!);
      proc.stdout!.pipe(guard.toClient);
    }
    const transport = new sbx.StreamClientTransport(
      guard ? guard.toClient : proc.stdout!,
      toServer ?? proc.stdin!,
    );
    const guardState = () => (guard ? guard.state() : 'none');
    live.guard = guardState;

    this.#runs.set(id, live);
    live.done = proc.wait().then((exit) => this.#ended(live, exit, base, audit, guardState));

    const timeoutMs = this.deps.connectTimeoutMs ?? 20_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const tools = await Promise.race([
        (async () => {
          await live.client.connect(transport);
          return (await live.client.listTools()).tools;
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no MCP answer within ${timeoutMs} ms`)), timeoutMs);
        }),
        live.done.then((v) => {
          throw new Error(`the server exited (${v.exit?.reason}, code ${v.exit?.code}) before answering`);
        }),
      ]);
      view.tools = { count: tools.length, guard: guardState() };
    } catch (err) {
      await proc.stop(1000);
      await live.done;
      throw new HubError('HUB_ERR_RUN_FAILED', `${pulled.name}@${pulled.version}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    this.#sample(live);
    this.#emit({ type: 'started', org, run: this.#copy(view) });
    this.deps.logger.info({ runId: id, ref, startedBy }, 'run started');
    return this.#copy(view);
  }

  #copy(v: RunView): RunView {
    return { ...v, history: [...v.history] };
  }

  #emit(e: RunEvent): void {
    this.events.emit('run', e);
  }

  #lastCpu = new Map<string, { ns: number; at: bigint }>();

  #sample(live: Live): void {
    const { view, proc } = live;
    if (view.state === 'exited' || !proc.sandboxPid) return;
    const tree = treeUsage(proc.sandboxPid);
    if (!tree) return;
    const cg = proc.stats();
    const cpuNs = typeof cg.cpuUsageNs === 'number' ? cg.cpuUsageNs : tree.cpuNs;
    const now = process.hrtime.bigint();
    const prev = this.#lastCpu.get(view.id);
    this.#lastCpu.set(view.id, { ns: cpuNs, at: now });
    const cpuPercent = prev ? Math.max(0, ((cpuNs - prev.ns) / Number(now - prev.at)) * 100) : 0;
    const stats: RunStats = {
      at: new Date().toISOString(),
      cpuPercent: Math.round(cpuPercent * 10) / 10,
      memoryBytes: tree.rssBytes,
      pids: typeof cg.pidsCurrent === 'number' ? cg.pidsCurrent : tree.pids,
    };
    view.stats = stats;
    view.history.push({ cpuPercent: stats.cpuPercent, memoryBytes: stats.memoryBytes });
    if (view.history.length > HISTORY) view.history.shift();
    this.#emit({ type: 'stats', org: view.org, id: view.id, stats });
  }

  #ended(
    live: Live,
    exit: SandboxExit,
    base: Record<string, unknown>,
    audit: (r: Record<string, unknown>) => void,
    guardState: () => GuardState | 'none',
  ): RunView {
    const { view } = live;
    clearInterval(live.timer);
    this.#lastCpu.delete(view.id);
    void live.client.close().catch(() => {});
    view.state = 'exited';
    view.endedAt = new Date().toISOString();
    view.exit = {
      code: exit.exitCode,
      signal: exit.signal,
      reason: exit.reason,
      durationMs: exit.durationMs,
    };
    view.tools = { ...view.tools, guard: guardState() };
    this.#runs.delete(view.id);
    this.#exited.unshift(view);
    this.#exitedLogs.set(view.id, live.log.join(''));
    while (this.#exited.length > (this.deps.keepExited ?? 50)) {
      const gone = this.#exited.pop()!;
      this.#exitedLogs.delete(gone.id);
    }
    audit({
      ...base,
      decision: view.decision.denials.length ? 'allowed-with-warnings' : 'allowed',
      isolation: view.isolation,
      exit: view.exit,
      guard: view.tools.guard,
    });
    this.#emit({ type: 'exited', org: view.org, run: this.#copy(view) });
    return view;
  }

  readonly #exitedLogs = new Map<string, string>();

  #liveCopy(l: Live): RunView {
    l.view.tools = { ...l.view.tools, guard: l.guard() };
    return this.#copy(l.view);
  }

  list(): RunView[] {
    return [
      ...[...this.#runs.values()].map((l) => this.#liveCopy(l)),
      ...this.#exited.map((v) => this.#copy(v)),
    ];
  }

  get(id: string): RunView {
    const live = this.#runs.get(id);
    if (live) return this.#liveCopy(live);
    const gone = this.#exited.find((v) => v.id === id);
    if (gone) return this.#copy(gone);
    throw new HubError('HUB_ERR_NOT_FOUND', `No run ${id}`);
  }

  /** The run's stderr (the last `maxLogBytes`). */
  logs(id: string): string {
    this.get(id);
    const live = this.#runs.get(id);
    return live ? live.log.join('') : (this.#exitedLogs.get(id) ?? '');
  }

  #live(id: string): Live {
    const live = this.#runs.get(id);
    if (live) return live;
    this.get(id); // 404 when unknown
    throw new HubError('HUB_ERR_RUN_NOT_RUNNING', `Run ${id} has exited`);
  }

  /** Host pid of the sandbox's first process, for joining its namespaces (the terminal). */
  sandboxPid(id: string): number {
    const pid = this.#live(id).proc.sandboxPid;
    if (!pid) throw new HubError('HUB_ERR_RUN_NOT_RUNNING', `Run ${id} has no sandbox process to join`);
    return pid;
  }

  /** SIGTERM, then SIGKILL after the grace period; the sandbox's cgroup is removed. */
  async stop(id: string, graceMs = 2000): Promise<RunView> {
    const live = this.#runs.get(id);
    if (!live) return this.get(id); // already exited: stopping is idempotent
    live.view.state = 'stopping';
    await live.proc.stop(graceMs);
    return this.#copy(await live.done);
  }

  async tools(id: string) {
    const live = this.#live(id);
    try {
      const all = [];
      let cursor: string | undefined;
      for (let page = 0; page < 50; page++) {
        const r = await live.client.listTools(cursor ? { cursor } : undefined);
        all.push(...r.tools);
        cursor = r.nextCursor;
        if (!cursor) break;
      }
      return all;
    } catch (err) {
      throw new HubError('HUB_ERR_TOOL_CALL_FAILED', (err as Error).message);
    }
  }

  async callTool(id: string, name: string, args: Record<string, unknown>, timeoutMs = 60_000) {
    const live = this.#live(id);
    try {
      return await live.client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs });
    } catch (err) {
      throw new HubError('HUB_ERR_TOOL_CALL_FAILED', `${name}: ${(err as Error).message}`);
    }
  }

  /** Stops every running server (daemon shutdown). */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.allSettled([...this.#runs.keys()].map((id) => this.stop(id, 1000)));
  }
}
