import { promises as fsp, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type ObjectStore, sha256Digest } from '@mcphub/registry';
import { ArchiveError, safeExtractTarGz } from '@mcphub/sandbox';
import { HubError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ScanObservation } from '../metrics/metrics.js';
import { readObjectBytes } from '../object-bytes.js';
import type { Consumer, Delivery, JobQueue } from '../queue/job-queue.js';
import {
  ANALYZE_COMPLETE_QUEUE,
  ANALYZE_QUEUE,
  type AnalyzeCompleteMessage,
  type AnalyzeMessage,
  RESULTS_BUCKET,
  resultKeyOf,
  SOURCES_BUCKET,
} from './messages.js';
import { detectPackageInfo } from './package-info.js';
import type { ScanPool } from './scan-pool.js';

/** Names the stored report of a job, so a duplicate ANALYZE reuses it instead of scanning again. */
const REPORT_REF = 'report.ref';

export interface ScanWorkerDeps {
  queue: JobQueue;
  store: ObjectStore;
  pool: ScanPool;
  logger: Logger;
  /** Scan duration and lines per second (Prometheus). */
  metrics?: { observeScan(o: ScanObservation): void };
}

/** Source lines of the files the scanner analyzed (the lines/s figure of the metrics). */
async function linesOf(dir: string, report: string): Promise<number> {
  let lines = 0;
  try {
    const files = (JSON.parse(report) as { files?: { path: string; status: string }[] }).files ?? [];
    for (const f of files) {
      if (f.status === 'skipped') continue;
      const bytes = await fsp.readFile(join(dir, f.path)).catch(() => null);
      if (!bytes) continue;
      for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) lines += 1;
    }
  } catch {
    // Metrics never fail a scan.
  }
  return lines;
}

/**
 * The scan worker of the seed: consumes ANALYZE, fetches the source from the object store, checks
 * its digest, unpacks it as hostile input, scans it in a thread, stores the report and answers with
 * ANALYZE_COMPLETE. It knows nothing of the hub's database, so it can run on another machine.
 */
export async function startScanWorker(deps: ScanWorkerDeps): Promise<Consumer> {
  const { queue, store, pool, logger } = deps;
  const complete = (m: Omit<AnalyzeCompleteMessage, 'schemaVersion'>, id: string) =>
    queue.publish<AnalyzeCompleteMessage>(
      ANALYZE_COMPLETE_QUEUE,
      { schemaVersion: 1, ...m },
      { messageId: id },
    );

  /** Announces a result already stored for this job (a redelivered or duplicate ANALYZE): no second scan. */
  async function reuseStored(jobId: string): Promise<boolean> {
    const refKey = resultKeyOf(jobId, REPORT_REF);
    if (!(await store.head(RESULTS_BUCKET, refKey))) return false;
    const resultKey = (await readObjectBytes(store, RESULTS_BUCKET, refKey)).toString('utf8').trim();
    const report = await readObjectBytes(store, RESULTS_BUCKET, resultKey);
    await complete(
      {
        jobId,
        status: 'succeeded',
        resultKey,
        resultDigest: sha256Digest(report),
        packageInfoKey: resultKeyOf(jobId, 'package-info.json'),
      },
      `complete:${jobId}`,
    );
    logger.info({ jobId }, 'duplicate ANALYZE: the stored result is announced again');
    return true;
  }

  // The same job delivered twice to this worker at once: the second waits for the first.
  const inFlight = new Map<string, Promise<void>>();
  async function handle(d: Delivery<AnalyzeMessage>): Promise<void> {
    const jobId = d.body.jobId;
    for (let running = inFlight.get(jobId); running; running = inFlight.get(jobId)) {
      await running.catch(() => undefined);
    }
    const run = scanOnce(d);
    inFlight.set(jobId, run);
    try {
      await run;
    } finally {
      if (inFlight.get(jobId) === run) inFlight.delete(jobId);
    }
  }

  async function scanOnce(d: Delivery<AnalyzeMessage>): Promise<void> {
    const started = performance.now();
    const observe = (outcome: ScanObservation['outcome'], lines = 0) =>
      deps.metrics?.observeScan({ seconds: (performance.now() - started) / 1000, lines, outcome });
    const msg = d.body;
    const log = logger.child({ jobId: msg.jobId, attempt: d.attempt });
    if (await reuseStored(msg.jobId)) return;
    await complete({ jobId: msg.jobId, status: 'started' }, `started:${msg.jobId}:${d.attempt}`);
    const work = mkdtempSync(join(tmpdir(), 'mcphub-scan-'));
    try {
      const source = await readObjectBytes(store, SOURCES_BUCKET, msg.sourceKey);
      if (sha256Digest(source) !== msg.sourceDigest) {
        throw new HubError(
          'HUB_ERR_RESULT_INVALID',
          `source ${msg.sourceKey} does not match ${msg.sourceDigest}`,
        );
      }
      const dir = join(work, 'src');
      try {
        await safeExtractTarGz(Readable.from([source]), dir);
      } catch (err) {
        if (err instanceof ArchiveError) {
          log.warn({ code: err.code }, 'source refused');
          observe('rejected');
          await complete(
            { jobId: msg.jobId, status: 'rejected', error: { code: err.code, message: err.message } },
            `complete:${msg.jobId}`,
          );
          return;
        }
        throw err;
      }
      let json: string;
      try {
        json = await pool.scan(dir, msg.options.mode ?? 'deep');
      } catch (err) {
        if (err instanceof HubError) {
          log.warn({ code: err.code, err: err.message }, 'scan failed');
          observe('failed');
          await complete(
            { jobId: msg.jobId, status: 'failed', error: { code: err.code, message: err.message } },
            `complete:${msg.jobId}`,
          );
          return;
        }
        throw err;
      }
      // Another worker finished the same job meanwhile (a duplicate delivered elsewhere): use its result.
      if (await reuseStored(msg.jobId)) return;
      const info = Buffer.from(JSON.stringify(await detectPackageInfo(dir)));
      const packageInfoKey = resultKeyOf(msg.jobId, 'package-info.json');
      await store.put(RESULTS_BUCKET, packageInfoKey, info);
      const report = Buffer.from(json);
      const resultDigest = sha256Digest(report);
      // Content-addressed: a second scan of the same job (its report differs in timings) can never
      // overwrite the bytes the hub recorded the digest of. The ref names the first one stored.
      const resultKey = resultKeyOf(msg.jobId, `report-${resultDigest.replace(/^sha256:/, '')}.json`);
      await store.put(RESULTS_BUCKET, resultKey, report);
      const refKey = resultKeyOf(msg.jobId, REPORT_REF);
      if (!(await store.head(RESULTS_BUCKET, refKey)))
        await store.put(RESULTS_BUCKET, refKey, Buffer.from(resultKey));
      await complete(
        {
          jobId: msg.jobId,
          status: 'succeeded',
          resultKey,
          resultDigest,
          packageInfoKey,
        },
        `complete:${msg.jobId}`,
      );
      log.info({ bytes: report.length }, 'scan complete');
      if (deps.metrics) observe('succeeded', await linesOf(dir, json));
    } finally {
      await fsp.rm(work, { recursive: true, force: true });
    }
  }

  return queue.consume<AnalyzeMessage>(ANALYZE_QUEUE, handle, { prefetch: pool.size });
}
