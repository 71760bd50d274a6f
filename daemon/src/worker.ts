import { createServer, type Server } from 'node:http';
import { createJobQueue, createObjectStore } from './adapters.js';
import type { Config } from './config/schema.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics/metrics.js';
import { ANALYZE_QUEUE, RESULTS_BUCKET, SOURCES_BUCKET } from './pipeline/messages.js';
import { advisoriesDbPath, DEFAULT_SCAN_BUDGET, ScanPool } from './pipeline/scan-pool.js';
import { startScanWorker } from './pipeline/scan-worker.js';
import { outboxDelayMs } from './sync/outbox.js';

/**
 * `mcphub worker`: scan workers only, against a shared broker and object store, on any machine.
 * It needs no hub database: ANALYZE in, report to the store, ANALYZE_COMPLETE out.
 */
export async function startScanWorkers(
  config: Config,
  logger: Logger,
): Promise<{ threads: number; metricsUrl: string | null; close(): Promise<void> }> {
  const store = createObjectStore(config, logger);
  await Promise.all([store.ensureBucket(SOURCES_BUCKET), store.ensureBucket(RESULTS_BUCKET)]);
  const queue = createJobQueue(config, null);
  const pool = new ScanPool(config.scanner.threads || undefined, {
    ...DEFAULT_SCAN_BUDGET,
    timeoutMs: config.scanner.timeoutMs,
    maxMemoryMb: config.scanner.maxMemoryMb,
    advisoriesDb: advisoriesDbPath(config.home),
  });
  const metrics = new Metrics({ role: 'scan-worker', queue: { queue, names: [ANALYZE_QUEUE] } });
  // A broker that is down at start is waited for (with backoff), not a reason to exit.
  let consumer: Awaited<ReturnType<typeof startScanWorker>> | null = null;
  for (let attempt = 1; !consumer; attempt++) {
    try {
      consumer = await startScanWorker({
        queue,
        store,
        pool,
        logger: logger.child({ role: 'scanner' }),
        metrics,
      });
    } catch (err) {
      const delay = outboxDelayMs(attempt, config.sync.retryMinMs, config.sync.retryMaxMs);
      logger.warn({ attempt, retryInMs: delay, err: (err as Error).message }, 'broker unreachable; retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  // Queue depth drives scaling, so every worker can be scraped. Loopback only: no token here.
  let server: Server | null = null;
  let metricsUrl: string | null = null;
  if (config.metricsPort !== undefined) {
    const s = createServer((req, res) => {
      if (req.method !== 'GET' || req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      metrics.render().then(
        ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(config.metricsPort, '127.0.0.1', () => resolve());
    });
    server = s;
    metricsUrl = `http://127.0.0.1:${(s.address() as { port: number }).port}/metrics`;
  }
  return {
    threads: pool.size,
    metricsUrl,
    close: async () => {
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      await consumer?.cancel();
      await pool.close();
      await queue.close();
    },
  };
}
