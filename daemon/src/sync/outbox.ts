import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { HubDb } from '../db/database.js';
import type { OutboxTable } from '../db/schema.js';
import type { Logger } from '../logger.js';

export type OutboxRow = Selectable<OutboxTable>;
export type OutboxTopic = 'dispatch' | 'upstream' | 'revocation';
/** Does the work of one row; resolving deletes the row, throwing keeps it for a later attempt. */
export type OutboxHandler = (row: OutboxRow) => Promise<void>;

export interface OutboxOptions {
  minDelayMs: number;
  maxDelayMs: number;
  /** How long one handler call may take before it counts as a failed attempt. */
  attemptTimeoutMs: number;
  logger: Logger;
  /** How often waiting rows are looked at without a kick (default: minDelayMs, at most 1 s). */
  pollMs?: number;
  random?: () => number;
}

/** Jittered, bounded exponential backoff: a full-jitter delay in [d/2, d], d = min·2^(attempts-1) ≤ max. */
export function outboxDelayMs(attempts: number, min: number, max: number, random = Math.random): number {
  const d = Math.min(max, min * 2 ** Math.max(0, attempts - 1));
  return Math.round(d / 2 + (random() * d) / 2);
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

/**
 * The outbox: work for a remote party (the broker, an upstream registry) is first written as a
 * row in the hub database, then done by a handler. A row that fails stays, with its attempt count,
 * last error and next attempt time (jittered backoff), and blocks the rows after it in the same
 * topic, so work flows in the order it was accepted once the remote is back. Rows survive a
 * restart; a handler must be idempotent (a crash between the work and the delete repeats it).
 */
export class Outbox {
  private readonly handlers = new Map<string, OutboxHandler>();
  /** One flush at a time per topic; `again` asks the running one to look once more. */
  private readonly running = new Map<string, { promise: Promise<void>; again: boolean }>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly db: HubDb,
    private readonly opts: OutboxOptions,
  ) {}

  on(topic: OutboxTopic, handler: OutboxHandler): void {
    this.handlers.set(topic, handler);
  }

  async enqueue(topic: OutboxTopic, ref: string, payload: unknown = {}): Promise<OutboxRow> {
    const now = new Date().toISOString();
    for (let tries = 0; ; tries++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          const last = await trx
            .selectFrom('outbox')
            .select((eb) => eb.fn.max('seq').as('seq'))
            .executeTakeFirst();
          const row: OutboxRow = {
            id: randomUUID(),
            seq: Number(last?.seq ?? 0) + 1,
            topic,
            ref,
            payload: JSON.stringify(payload),
            attempts: 0,
            next_attempt_at: now,
            last_error: null,
            created_at: now,
          };
          await trx.insertInto('outbox').values(row).execute();
          return row;
        });
      } catch (err) {
        // Two writers took the same seq (PostgreSQL replicas): the unique index refused one; retry
        // after a short random pause so the contenders spread out.
        const code = (err as { code?: unknown }).code;
        const duplicate = code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
        if (!duplicate || tries >= 30) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 5 * (tries + 1)));
      }
    }
  }

  async pending(topic?: OutboxTopic): Promise<OutboxRow[]> {
    let q = this.db.selectFrom('outbox').selectAll();
    if (topic) q = q.where('topic', '=', topic);
    return q.orderBy('seq').execute();
  }

  /** Waiting rows by ref, for showing "waiting for the remote" beside a job. */
  async waitingByRef(refs: readonly string[]): Promise<Map<string, OutboxRow>> {
    if (refs.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where('ref', 'in', [...refs])
      .orderBy('seq')
      .execute();
    return new Map(rows.map((r) => [r.ref, r]));
  }

  /** Polls for due rows until `stop()`. */
  start(): void {
    const poll = this.opts.pollMs ?? Math.min(1000, this.opts.minDelayMs);
    const tick = () => {
      if (this.stopped) return;
      void this.kick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, poll);
      });
    };
    this.timer = setTimeout(tick, poll);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.running.values()].map((r) => r.promise));
  }

  /**
   * Flushes one topic now (or right after its flush in progress), or every topic without an
   * argument; resolves when that is done. Topics flush independently, so a slow upstream never
   * delays a dispatch.
   */
  async kick(topic?: OutboxTopic): Promise<void> {
    if (!topic) {
      await Promise.all([...this.handlers.keys()].map((t) => this.kick(t as OutboxTopic)));
      return;
    }
    const current = this.running.get(topic);
    if (current) {
      current.again = true;
      return current.promise;
    }
    const state = { promise: Promise.resolve(), again: false };
    state.promise = (async () => {
      try {
        do {
          state.again = false;
          await this.flushTopic(topic);
        } while (state.again && !this.stopped);
      } finally {
        this.running.delete(topic);
      }
    })();
    this.running.set(topic, state);
    return state.promise;
  }

  private async flushTopic(topic: OutboxTopic): Promise<void> {
    const handler = this.handlers.get(topic);
    if (!handler) return;
    for (const row of await this.pending(topic)) {
      if (this.stopped) return;
      // In order: a row that is not due yet holds back the ones behind it.
      if (row.next_attempt_at > new Date().toISOString()) return;
      // Claim the row before doing its work: hub replicas share this table, and the first to move
      // `next_attempt_at` past the attempt's time limit owns the attempt; the others stop here,
      // behind it, as behind any row that is not due.
      const claimedUntil = new Date(Date.now() + this.opts.attemptTimeoutMs + 1_000).toISOString();
      const claim = await this.db
        .updateTable('outbox')
        .set({ next_attempt_at: claimedUntil })
        .where('id', '=', row.id)
        .where('next_attempt_at', '=', row.next_attempt_at)
        .executeTakeFirst();
      if (Number(claim.numUpdatedRows) !== 1) return;
      try {
        await withTimeout(handler(row), this.opts.attemptTimeoutMs, `${row.topic} ${row.ref}`);
        await this.db.deleteFrom('outbox').where('id', '=', row.id).execute();
      } catch (err) {
        const attempts = row.attempts + 1;
        const delay = outboxDelayMs(attempts, this.opts.minDelayMs, this.opts.maxDelayMs, this.opts.random);
        const message = err instanceof Error ? err.message : String(err);
        await this.db
          .updateTable('outbox')
          .set({
            attempts,
            last_error: message.slice(0, 2000),
            next_attempt_at: new Date(Date.now() + delay).toISOString(),
          })
          .where('id', '=', row.id)
          .execute();
        this.opts.logger.warn(
          { topic: row.topic, ref: row.ref, attempts, retryInMs: delay, err: message },
          'remote unreachable: work waits in the outbox',
        );
        return;
      }
    }
  }
}
