import { promises as fsp, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Logger } from '../logger.js';
import type { RuntimeChecker } from './hub-worker.js';

/**
 * The level-3 runtime check, run by the hub worker: unpack the bundle as hostile input, start the
 * server in the sandbox with no network, speak MCP to it (initialize, tools/list), and hash its
 * tools into the attestation. Any failure is a failed check with its reason, never an exception.
 */
export function sandboxRuntimeChecker(logger: Logger, timeoutMs = 30_000): RuntimeChecker {
  return async (job, bundle, info) => {
    const sbx = await import('@mcphub/sandbox');
    if (info.runtime.type !== 'node' && info.runtime.type !== 'python') {
      return { passed: false, reason: `no runtime check for ${info.runtime.type} packages yet` };
    }
    const work = mkdtempSync(join(tmpdir(), 'mcphub-runtime-'));
    try {
      const dir = join(work, 'pkg');
      await sbx.safeExtractTarGz(Readable.from([bundle]), dir);
      const command = info.runtime.type === 'node' ? 'node' : 'python3';
      const result = await sbx.runtimeCheck({
        command,
        args: [info.runtime.entrypoint, ...(info.runtime.args ?? [])],
        cwd: dir,
        policy: sbx.resolvePolicy({
          network: { mode: 'none' },
          limits: { memoryMb: 512, pids: 128, wallTimeSec: 60 },
        }),
        timeoutMs,
        onWarning: (m) => logger.debug({ jobId: job.id }, m),
      });
      if (!result.ok) {
        const reason = `${result.error?.code ?? 'RUNTIME_CHECK_FAILED'}: ${result.error?.message ?? 'unknown'}${
          result.stderr ? ` — stderr: ${result.stderr.slice(0, 300)}` : ''
        }`;
        return { passed: false, reason };
      }
      if (result.tools.length === 0)
        return { passed: false, reason: 'the server answered tools/list with no tools' };
      return { passed: true, ...(result.toolsDigest ? { toolsDigest: result.toolsDigest } : {}) };
    } catch (err) {
      return { passed: false, reason: (err as Error).message };
    } finally {
      await fsp.rm(work, { recursive: true, force: true });
    }
  };
}
