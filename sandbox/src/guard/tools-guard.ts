import { Transform, type TransformCallback } from 'node:stream';
import { canonicalToolsDigest, type ToolDefinition } from './tools-digest.js';

export type GuardMode = 'strict' | 'warn';
export type GuardState = 'unverified' | 'verifying' | 'match' | 'mismatch' | 'stale';

export interface GuardEvent {
  type: 'verified' | 'mismatch' | 'blocked' | 'stale';
  expected: string;
  actual?: string;
  tool?: string;
}

export interface ToolsGuardOptions {
  /** The certified digest (from the attestation), `sha256:<hex>`. */
  expectedDigest: string;
  mode: GuardMode;
  onEvent?: (e: GuardEvent) => void;
}

export interface ToolsGuard {
  /** Pipe the client's output through this into the server's stdin. */
  toServer: Transform;
  /** Pipe the server's stdout through this into the client's input. */
  toClient: Transform;
  state(): GuardState;
  /** The digest of the last complete tools/list seen, if any. */
  actualDigest(): string | undefined;
}

/** JSON-RPC error code for a call refused because the tools changed since certification. */
export const TOOLS_CHANGED_ERROR_CODE = -32001;
const GUARD_ID_PREFIX = 'mcphub-guard-';

type Msg = {
  jsonrpc?: string;
  id?: string | number | null;
  method?: string;
  params?: { name?: string; cursor?: string } & Record<string, unknown>;
  result?: { tools?: ToolDefinition[]; nextCursor?: string } & Record<string, unknown>;
  error?: unknown;
};

function parseBatch(line: string): unknown[] | undefined {
  if (!line.trimStart().startsWith('[')) return undefined;
  try {
    const v = JSON.parse(line);
    return Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function lineSplitter(onLine: (line: string) => void) {
  let buf = '';
  return {
    feed(chunk: Buffer | string) {
      buf += chunk.toString();
      let i = buf.indexOf('\n');
      while (i >= 0) {
        onLine(buf.slice(0, i + 1));
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
    },
    flush() {
      if (buf) onLine(buf);
      buf = '';
    },
  };
}

function parse(line: string): Msg | undefined {
  try {
    const v = JSON.parse(line);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Msg) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A filter on the MCP stdio stream (newline-delimited JSON-RPC) between a client and a server.
 * It hashes every complete `tools/list` result the server sends (following pagination) and
 * compares it with the certified digest. In strict mode a `tools/call` is held until the tools
 * are verified — if the client has not listed them, the guard lists them itself, invisibly — and
 * is answered with a JSON-RPC error when they differ. `notifications/tools/list_changed` makes the
 * guard verify again before the next call. In warn mode everything passes and mismatches are
 * reported through onEvent.
 */
export function createToolsGuard(opts: ToolsGuardOptions): ToolsGuard {
  let state: GuardState = 'unverified';
  let actual: string | undefined;
  let guardSeq = 0;
  const clientLists = new Map<string, true>();
  const guardLists = new Set<string>();
  let pages: ToolDefinition[] = [];
  const held: { line: string; msg: Msg }[] = [];
  const emit = (e: GuardEvent) => opts.onEvent?.(e);

  const toServer = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      fromClient.feed(chunk);
      cb();
    },
    flush(cb: TransformCallback) {
      fromClient.flush();
      cb();
    },
  });
  const toClient = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      fromServer.feed(chunk);
      cb();
    },
    flush(cb: TransformCallback) {
      fromServer.flush();
      cb();
    },
  });

  const reject = (msg: Msg) => {
    emit({
      type: 'blocked',
      expected: opts.expectedDigest,
      ...(actual ? { actual } : {}),
      ...(msg.params?.name ? { tool: msg.params.name } : {}),
    });
    if (msg.id === undefined) return;
    const error = {
      code: TOOLS_CHANGED_ERROR_CODE,
      message: `mcphub: tools/call blocked — this server's tools differ from the certified ones (expected ${opts.expectedDigest}, got ${actual ?? 'unknown'})`,
      data: { reason: 'tools-digest-mismatch', expected: opts.expectedDigest, actual: actual ?? null },
    };
    toClient.push(`${JSON.stringify({ jsonrpc: '2.0', id: msg.id, error })}\n`);
  };

  const requestList = (cursor?: string) => {
    const id = `${GUARD_ID_PREFIX}${++guardSeq}`;
    guardLists.add(JSON.stringify(id));
    toServer.push(
      `${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list', ...(cursor ? { params: { cursor } } : {}) })}\n`,
    );
  };

  const settle = () => {
    actual = canonicalToolsDigest(pages);
    state = actual === opts.expectedDigest ? 'match' : 'mismatch';
    emit({ type: state === 'match' ? 'verified' : 'mismatch', expected: opts.expectedDigest, actual });
    for (const h of held.splice(0)) {
      if (state === 'match' || opts.mode === 'warn') toServer.push(h.line);
      else reject(h.msg);
    }
  };

  const handleClient = (line: string) => {
    const msg = parse(line);
    if (msg?.method === 'tools/list' && msg.id !== undefined && msg.id !== null) {
      clientLists.set(JSON.stringify(msg.id), true);
      if (!msg.params?.cursor) pages = [];
    }
    if (msg?.method === 'tools/call') {
      if (opts.mode === 'warn') {
        if (state === 'unverified' || state === 'stale') {
          state = 'verifying';
          pages = [];
          requestList();
        }
        toServer.push(line);
        return;
      }
      if (state === 'match') return void toServer.push(line);
      if (state === 'mismatch') return reject(msg);
      held.push({ line, msg });
      if (state !== 'verifying') {
        state = 'verifying';
        pages = [];
        requestList();
      }
      return;
    }
    toServer.push(line);
  };

  /** Returns true when the message was the guard's own and must not reach the client. */
  const handleServer = (msg: Msg | undefined): boolean => {
    if (msg?.method === 'notifications/tools/list_changed') {
      if (state !== 'verifying') state = 'stale';
      emit({ type: 'stale', expected: opts.expectedDigest });
      return false;
    }
    const key = msg && msg.id !== undefined && msg.method === undefined ? JSON.stringify(msg.id) : undefined;
    if (key && guardLists.has(key)) {
      guardLists.delete(key);
      if (msg?.result?.tools) pages.push(...msg.result.tools);
      if (msg?.result?.nextCursor) requestList(msg.result.nextCursor);
      else settle();
      return true; // the client never asked for this one
    }
    if (key && clientLists.has(key)) {
      clientLists.delete(key);
      if (msg?.result?.tools) {
        pages.push(...msg.result.tools);
        if (!msg.result.nextCursor && state !== 'verifying') settle();
      }
    }
    return false;
  };

  // JSON-RPC batches (allowed by MCP 2025-03-26, removed in 2025-06-18) must not be a way around the
  // guard: a client batch is unbundled into single messages; in a server batch every element is
  // inspected and the guard's own responses are taken out.
  const fromClient = lineSplitter((line) => {
    const batch = parseBatch(line);
    if (batch) for (const m of batch) handleClient(`${JSON.stringify(m)}\n`);
    else handleClient(line);
  });

  const fromServer = lineSplitter((line) => {
    const batch = parseBatch(line);
    if (!batch) {
      if (!handleServer(parse(line))) toClient.push(line);
      return;
    }
    const rest = batch.filter((m) => !handleServer(m && typeof m === 'object' ? (m as Msg) : undefined));
    if (rest.length === batch.length) toClient.push(line);
    else if (rest.length > 0) toClient.push(`${JSON.stringify(rest)}\n`);
  });

  return { toServer, toClient, state: () => state, actualDigest: () => actual };
}
