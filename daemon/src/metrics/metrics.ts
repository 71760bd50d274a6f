import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_STATES, type JobStore } from '../jobs/job-store.js';
import type { RuntimeChecker } from '../pipeline/hub-worker.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { Outbox } from '../sync/outbox.js';

/** What the scan worker reports about one scan. */
export interface ScanObservation {
  seconds: number;
  lines: number;
  outcome: 'succeeded' | 'failed' | 'rejected';
}

/**
 * The Prometheus metrics of one process, on its own registry (never prom-client's global one, so
 * two daemons in one test process do not share counters). Queue depth, the jobs by state and the
 * outbox are read when scraped; counters and histograms are fed by the parts that do the work.
 * Queue depth (`mcphub_queue_depth{state="ready"}`) is the signal to scale scan workers on.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly scanDuration: Histogram<'outcome'>;
  private readonly scanLinesPerSecond: Histogram;
  private readonly scanLines: Counter;
  private readonly registryRequests: Counter<'method' | 'route' | 'status'>;
  private readonly sandboxRuns: Counter<'kind' | 'outcome'>;
  /** Forgets the previous scrape's broker read. */
  private newScrape: () => void = () => undefined;

  constructor(sources: {
    role: string;
    queue?: { queue: JobQueue; names: readonly string[] };
    jobs?: JobStore;
    outbox?: Outbox;
    /** `MCPHUB_HOME/logs/audit.jsonl`: each `mcphub run` on this machine appends its decision there. */
    auditFile?: string;
  }) {
    this.registry.setDefaultLabels({ role: sources.role });
    collectDefaultMetrics({ register: this.registry, prefix: 'mcphub_process_' });
    const { queue, jobs, outbox } = sources;
    if (queue) {
      // One read of the broker per scrape, shared by both gauges (prom-client collects them in parallel).
      let inProgress: Promise<Map<string, { ready: number; inFlight: number; dead: number }> | null> | null =
        null;
      const readDepths = () => {
        inProgress ??= (async () => {
          try {
            const out = new Map<string, { ready: number; inFlight: number; dead: number }>();
            for (const name of queue.names) out.set(name, await queue.queue.depth(name));
            return out;
          } catch {
            return null;
          }
        })();
        return inProgress;
      };
      this.newScrape = () => {
        inProgress = null;
      };
      new Gauge({
        name: 'mcphub_queue_up',
        help: '1 when the queue backend (broker) answered the last scrape, else 0',
        registers: [this.registry],
        async collect() {
          this.set((await readDepths()) ? 1 : 0);
        },
      });
      new Gauge({
        name: 'mcphub_queue_depth',
        help: 'Messages per queue: ready (waiting for a worker, incl. retries), in_flight (held by this process), dead',
        labelNames: ['queue', 'state'],
        registers: [this.registry],
        async collect() {
          this.reset();
          const depths = await readDepths();
          for (const [name, d] of depths ?? []) {
            this.set({ queue: name, state: 'ready' }, d.ready);
            this.set({ queue: name, state: 'in_flight' }, d.inFlight);
            this.set({ queue: name, state: 'dead' }, d.dead);
          }
        },
      });
    }
    if (jobs) {
      new Gauge({
        name: 'mcphub_jobs',
        help: 'Jobs by state (from the hub database)',
        labelNames: ['state'],
        registers: [this.registry],
        async collect() {
          const counts = await jobs.countByState();
          for (const s of JOB_STATES) this.set({ state: s }, counts[s] ?? 0);
        },
      });
    }
    if (outbox) {
      new Gauge({
        name: 'mcphub_outbox_pending',
        help: 'Work waiting for an unreachable remote (dispatch, upstream, revocation)',
        labelNames: ['topic'],
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const t of ['dispatch', 'upstream', 'revocation'] as const) this.set({ topic: t }, 0);
          for (const row of await outbox.pending()) this.inc({ topic: row.topic });
        },
      });
    }
    this.scanDuration = new Histogram({
      name: 'mcphub_scan_duration_seconds',
      help: 'Wall time of one scan in a scan worker (fetch, unpack, analyze, store)',
      labelNames: ['outcome'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [this.registry],
    });
    this.scanLinesPerSecond = new Histogram({
      name: 'mcphub_scan_lines_per_second',
      help: 'Source lines analyzed per second of scan wall time, per scan',
      buckets: [100, 500, 1000, 5000, 10_000, 50_000, 100_000, 500_000],
      registers: [this.registry],
    });
    this.scanLines = new Counter({
      name: 'mcphub_scan_lines_total',
      help: 'Source lines analyzed',
      registers: [this.registry],
    });
    this.registryRequests = new Counter({
      name: 'mcphub_registry_requests_total',
      help: 'Registry HTTP requests by method, route template and status code',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    const audit = sources.auditFile ? auditTail(sources.auditFile) : null;
    this.sandboxRuns = new Counter({
      name: 'mcphub_sandbox_runs_total',
      help: 'Sandboxed runs: kind="runtime_check" (certification, by outcome) and kind="run" (`mcphub run` on this machine, by the decision in the audit log)',
      labelNames: ['kind', 'outcome'],
      registers: [this.registry],
      collect() {
        for (const decision of audit?.() ?? []) this.inc({ kind: 'run', outcome: decision });
      },
    });
  }

  observeScan(o: ScanObservation): void {
    this.scanDuration.observe({ outcome: o.outcome }, o.seconds);
    if (o.outcome === 'succeeded' && o.seconds > 0) {
      this.scanLines.inc(o.lines);
      this.scanLinesPerSecond.observe(o.lines / o.seconds);
    }
  }

  countRegistryRequest(method: string, route: string, status: number): void {
    this.registryRequests.inc({ method, route, status: String(status) });
  }

  countSandboxRun(kind: string, outcome: string): void {
    this.sandboxRuns.inc({ kind, outcome });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    this.newScrape();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * Reads the lines appended to an audit log since the last call and returns their `decision`s
 * (allowed, allowed-with-warnings, denied, refused). A file that shrank was rotated: read it anew.
 */
export function auditTail(file: string): () => string[] {
  let offset = 0;
  let partial = '';
  return () => {
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return [];
    }
    if (size < offset) {
      offset = 0;
      partial = '';
    }
    if (size === offset) return [];
    const buf = Buffer.alloc(size - offset);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, buf.length, offset);
    } finally {
      closeSync(fd);
    }
    offset = size;
    const lines = (partial + buf.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    const out: string[] = [];
    for (const line of lines) {
      try {
        const decision = (JSON.parse(line) as { decision?: unknown }).decision;
        if (typeof decision === 'string') out.push(decision);
      } catch {
        // A line that is not JSON is not a run.
      }
    }
    return out;
  };
}

/** Counts sandboxed runtime checks by outcome for /metrics. */
export function countedRuntimeCheck(check: RuntimeChecker, metrics?: Metrics): RuntimeChecker {
  return async (...args) => {
    try {
      const r = await check(...args);
      metrics?.countSandboxRun('runtime_check', r.passed ? 'passed' : 'failed');
      return r;
    } catch (err) {
      metrics?.countSandboxRun('runtime_check', 'error');
      throw err;
    }
  };
}
