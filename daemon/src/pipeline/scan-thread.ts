import { parentPort, threadId } from 'node:worker_threads';
import { renderJson, scanDirectory } from '@mcphub/scanner';

/**
 * One scan thread, used once. The pool starts it ahead of its job: importing the scanner (its
 * detectors and the tree-sitter grammars) is most of a cold start, so the thread does that first,
 * says `ready`, then waits for its one job message, answers it, and is terminated by the pool.
 */
interface ScanJob {
  dir: string;
  mode: 'fast' | 'deep';
  advisoriesDb?: string;
}

const port = parentPort!;
port.once('message', async ({ dir, mode, advisoriesDb }: ScanJob) => {
  try {
    const report = await scanDirectory(dir, { mode, ...(advisoriesDb ? { advisoriesDb } : {}) });
    port.postMessage({ ok: true, json: renderJson(report) });
  } catch (err) {
    const e = err as Error & { code?: string };
    port.postMessage({ ok: false, code: e.code ?? 'HUB_ERR_SCAN_FAILED', message: e.message });
  }
});
port.postMessage({ ready: true, threadId });
