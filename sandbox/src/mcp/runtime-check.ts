import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { isSandboxError } from '../errors.js';
import { canonicalToolsDigest, type ToolDefinition } from '../guard/tools-digest.js';
import type { IsolationReport } from '../isolation-report.js';
import { startSandboxed } from '../run.js';
import type { SandboxExit, StartSandboxedOptions } from '../run-types.js';
import { StreamClientTransport } from './stream-client-transport.js';

export interface RuntimeCheckResult {
  ok: boolean;
  serverInfo?: { name: string; version: string };
  tools: ToolDefinition[];
  /** canonicalToolsDigest(tools): what goes into the attestation. */
  toolsDigest?: string;
  isolation?: IsolationReport;
  exit?: SandboxExit;
  durationMs: number;
  /** SBX_ERR_* when the sandbox refused; RUNTIME_CHECK_TIMEOUT / RUNTIME_CHECK_FAILED otherwise. */
  error?: { code: string; message: string };
  /** The server's stderr (bounded), for the report. */
  stderr: string;
}

const MAX_STDERR = 16 * 1024;
const MAX_PAGES = 50;

/**
 * The level-3 runtime check: start the server under the sandbox, MCP-initialize, list every tool
 * (following pagination), hash them, stop. Never throws: a sandbox refusal, a crash or a timeout is
 * a failed result with a code.
 */
export async function runtimeCheck(
  o: Omit<StartSandboxedOptions, 'stdio'> & { timeoutMs?: number },
): Promise<RuntimeCheckResult> {
  const started = Date.now();
  const timeoutMs = o.timeoutMs ?? 30_000;
  let stderr = '';
  let run: Awaited<ReturnType<typeof startSandboxed>> | undefined;
  const fail = (
    code: string,
    message: string,
    extra: Partial<RuntimeCheckResult> = {},
  ): RuntimeCheckResult => ({
    ok: false,
    tools: [],
    durationMs: Date.now() - started,
    error: { code, message },
    stderr,
    ...extra,
  });
  try {
    run = await startSandboxed({ ...o, stdio: 'pipe' });
  } catch (err) {
    return fail(isSandboxError(err) ? err.code : 'RUNTIME_CHECK_FAILED', (err as Error).message);
  }
  run.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < MAX_STDERR) stderr += d.toString().slice(0, MAX_STDERR - stderr.length);
  });
  const client = new Client({ name: 'mcphub-runtime-check', version: '1.0.0' });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'RUNTIME_CHECK_TIMEOUT' }),
        ),
      timeoutMs,
    );
  });
  const exitedEarly = run.wait().then((e) => {
    const why = e.setupError ? `: ${e.setupError}` : '';
    throw Object.assign(
      new Error(`the server exited (code ${e.exitCode}, ${e.reason}) before answering${why}`),
      {
        code: 'RUNTIME_CHECK_FAILED',
      },
    );
  });
  try {
    const tools = await Promise.race([
      (async () => {
        await client.connect(new StreamClientTransport(run.stdout!, run.stdin!));
        const all: ToolDefinition[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < MAX_PAGES; page++) {
          const r = await client.listTools(cursor ? { cursor } : undefined);
          all.push(...(r.tools as ToolDefinition[]));
          cursor = r.nextCursor;
          if (!cursor) break;
        }
        return all;
      })(),
      timeout,
      exitedEarly,
    ]);
    const info = client.getServerVersion();
    await client.close().catch(() => {});
    const exit = await run.stop(1000);
    return {
      ok: true,
      ...(info ? { serverInfo: { name: info.name, version: info.version } } : {}),
      tools,
      toolsDigest: canonicalToolsDigest(tools),
      isolation: run.isolation,
      exit,
      durationMs: Date.now() - started,
      stderr,
    };
  } catch (err) {
    const exit = await run.stop(500);
    const code = (err as { code?: unknown }).code;
    return fail(typeof code === 'string' ? code : 'RUNTIME_CHECK_FAILED', (err as Error).message, {
      isolation: run.isolation,
      exit,
    });
  } finally {
    clearTimeout(timer);
    exitedEarly.catch(() => {});
  }
}
