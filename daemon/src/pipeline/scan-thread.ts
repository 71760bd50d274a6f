import { parentPort, workerData } from 'node:worker_threads';
import { renderJson, scanDirectory } from '@mcphub/scanner';

/** Runs one scan inside a worker thread; the pool terminates the thread on timeout. */
const { dir, mode, advisoriesDb } = workerData as {
  dir: string;
  mode: 'fast' | 'deep';
  advisoriesDb?: string;
};
try {
  const report = await scanDirectory(dir, { mode, ...(advisoriesDb ? { advisoriesDb } : {}) });
  parentPort!.postMessage({ ok: true, json: renderJson(report) });
} catch (err) {
  const e = err as Error & { code?: string };
  parentPort!.postMessage({ ok: false, code: e.code ?? 'HUB_ERR_SCAN_FAILED', message: e.message });
}
