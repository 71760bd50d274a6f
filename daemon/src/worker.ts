import { createJobQueue, createObjectStore } from './adapters.js';
import type { Config } from './config/schema.js';
import type { Logger } from './logger.js';
import { RESULTS_BUCKET, SOURCES_BUCKET } from './pipeline/messages.js';
import { advisoriesDbPath, DEFAULT_SCAN_BUDGET, ScanPool } from './pipeline/scan-pool.js';
import { startScanWorker } from './pipeline/scan-worker.js';

/**
 * `mcphub worker`: scan workers only, against a shared broker and object store, on any machine.
 * It needs no hub database: ANALYZE in, report to the store, ANALYZE_COMPLETE out.
 */
export async function startScanWorkers(
  config: Config,
  logger: Logger,
): Promise<{ threads: number; close(): Promise<void> }> {
  const store = createObjectStore(config);
  await Promise.all([store.ensureBucket(SOURCES_BUCKET), store.ensureBucket(RESULTS_BUCKET)]);
  const queue = createJobQueue(config, null);
  const pool = new ScanPool(config.scanner.threads || undefined, {
    ...DEFAULT_SCAN_BUDGET,
    timeoutMs: config.scanner.timeoutMs,
    maxMemoryMb: config.scanner.maxMemoryMb,
    advisoriesDb: advisoriesDbPath(config.home),
  });
  const consumer = await startScanWorker({ queue, store, pool, logger: logger.child({ role: 'scanner' }) });
  return {
    threads: pool.size,
    close: async () => {
      await consumer.cancel();
      await pool.close();
      await queue.close();
    },
  };
}
