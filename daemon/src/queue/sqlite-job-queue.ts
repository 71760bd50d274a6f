import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import {
  backoffMs,
  type ConsumeOptions,
  type Consumer,
  DEFAULT_RETRY,
  type DeadLetter,
  type Delivery,
  type JobQueue,
  type PublishOptions,
  type QueueDepth,
  type RetryPolicy,
} from './job-queue.js';

export interface QueueMessagesTable {
  id: string;
  queue: string;
  body: string;
  attempts: number;
  available_at: number;
  leased_until: number | null;
  lease_token: string | null;
  dead_at: number | null;
  last_error: string | null;
  created_at: number;
}

export interface SqliteJobQueueOptions {
  /** How long a delivered message stays invisible before it is redelivered (a crashed consumer). */
  visibilityTimeoutMs?: number;
  pollIntervalMs?: number;
  retry?: Partial<RetryPolicy>;
  now?: () => number;
}

type Db = Kysely<{ queue_messages: QueueMessagesTable }>;

/**
 * The embedded durable queue: rows in the hub database. A delivery is a lease (`leased_until`);
 * ack deletes the row, nack schedules a retry or dead-letters it, and a lease that runs out (the
 * consumer died) makes the message visible again — so delivery is at-least-once across crashes.
 */
export class SqliteJobQueue implements JobQueue {
  private readonly db: Db;
  private readonly visibilityMs: number;
  private readonly pollMs: number;
  private readonly retry: RetryPolicy;
  private readonly now: () => number;
  private readonly consumers = new Set<{ stop(): Promise<void> }>();

  constructor(db: Kysely<any>, opts: SqliteJobQueueOptions = {}) {
    this.db = db as Db;
    this.visibilityMs = opts.visibilityTimeoutMs ?? 5 * 60_000;
    this.pollMs = opts.pollIntervalMs ?? 200;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.now = opts.now ?? Date.now;
  }

  async publish<T>(queue: string, body: T, opts: PublishOptions = {}): Promise<string> {
    const id = opts.messageId ?? randomUUID();
    const now = this.now();
    await this.db
      .insertInto('queue_messages')
      .values({
        id,
        queue,
        body: JSON.stringify(body),
        attempts: 0,
        available_at: now + (opts.delayMs ?? 0),
        leased_until: null,
        lease_token: null,
        dead_at: null,
        last_error: null,
        created_at: now,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return id;
  }

  /** Leases the next visible message of `queue`, or returns null. One UPDATE, so two consumers never share a lease. */
  private async claim(queue: string): Promise<{ row: QueueMessagesTable; token: string } | null> {
    const now = this.now();
    const token = randomUUID();
    const next = this.db
      .selectFrom('queue_messages')
      .select('id')
      .where('queue', '=', queue)
      .where('dead_at', 'is', null)
      .where('available_at', '<=', now)
      .where((eb) => eb.or([eb('leased_until', 'is', null), eb('leased_until', '<', now)]))
      .orderBy('available_at')
      .orderBy('created_at')
      .limit(1);
    const row = await this.db
      .updateTable('queue_messages')
      .set({ leased_until: now + this.visibilityMs, lease_token: token, attempts: sql`attempts + 1` })
      .where('id', '=', (eb) => eb.selectFrom(next.as('n')).select('n.id'))
      .where((eb) => eb.or([eb('leased_until', 'is', null), eb('leased_until', '<', now)]))
      .returningAll()
      .executeTakeFirst();
    return row ? { row, token } : null;
  }

  private delivery<T>(row: QueueMessagesTable, token: string): Delivery<T> {
    const owned = (qb: any) => qb.where('id', '=', row.id).where('lease_token', '=', token);
    let settled = false;
    const settle = async (fn: () => Promise<unknown>) => {
      if (settled) return;
      settled = true;
      await fn();
    };
    return {
      id: row.id,
      queue: row.queue,
      body: JSON.parse(row.body) as T,
      attempt: row.attempts,
      ack: () => settle(() => owned(this.db.deleteFrom('queue_messages')).execute()),
      nack: (reason: string) =>
        settle(() => {
          const now = this.now();
          const dead = row.attempts >= this.retry.maxAttempts;
          return owned(
            this.db.updateTable('queue_messages').set({
              leased_until: null,
              lease_token: null,
              last_error: reason.slice(0, 2000),
              available_at: now + (dead ? 0 : backoffMs(row.attempts, this.retry)),
              dead_at: dead ? now : null,
            }),
          ).execute();
        }),
    };
  }

  async consume<T>(
    queue: string,
    handler: (d: Delivery<T>) => Promise<void>,
    opts: ConsumeOptions = {},
  ): Promise<Consumer> {
    const prefetch = Math.max(1, opts.prefetch ?? 1);
    let running = true;
    let active = 0;
    const inFlight = new Set<Promise<void>>();
    const heartbeats = new Set<NodeJS.Timeout>();
    let timer: NodeJS.Timeout | undefined;

    const handle = async (d: Delivery<T>, token: string) => {
      // A live handler keeps extending its lease, so only a dead consumer's messages reappear.
      const heartbeat = setInterval(
        () => {
          void this.db
            .updateTable('queue_messages')
            .set({ leased_until: this.now() + this.visibilityMs })
            .where('id', '=', d.id)
            .where('lease_token', '=', token)
            .execute()
            .catch(() => undefined);
        },
        Math.max(50, Math.floor(this.visibilityMs / 3)),
      );
      heartbeats.add(heartbeat);
      try {
        await handler(d);
        await d.ack();
      } catch (err) {
        await d.nack(err instanceof Error ? err.message : String(err)).catch(() => undefined);
      } finally {
        clearInterval(heartbeat);
        heartbeats.delete(heartbeat);
      }
    };
    const pump = async () => {
      timer = undefined;
      try {
        while (running && active < prefetch) {
          // Hold the slot while claiming: a second pump (scheduled by a handler finishing while this
          // one awaits the database) must not claim into it too.
          active += 1;
          const claimed = await this.claim(queue).catch((err: unknown) => {
            active -= 1;
            throw err;
          });
          if (!claimed) {
            active -= 1;
            break;
          }
          const p = handle(this.delivery<T>(claimed.row, claimed.token), claimed.token).finally(() => {
            active -= 1;
            inFlight.delete(p);
            if (running && !timer) timer = setTimeout(pump, 0);
          });
          inFlight.add(p);
        }
      } catch {
        // The database may be closing; the next tick retries or the consumer has been cancelled.
      }
      if (running && !timer) timer = setTimeout(pump, this.pollMs);
    };
    const consumer = {
      stop: async () => {
        running = false;
        if (timer) clearTimeout(timer);
        // Stop renewing leases first: a handler that never finishes must not hold its message forever.
        for (const h of heartbeats) clearInterval(h);
        await Promise.allSettled([...inFlight]);
      },
    };
    this.consumers.add(consumer);
    timer = setTimeout(pump, 0);
    return {
      cancel: async () => {
        this.consumers.delete(consumer);
        await consumer.stop();
      },
    };
  }

  async depth(queue: string): Promise<QueueDepth> {
    const now = this.now();
    const rows = await this.db
      .selectFrom('queue_messages')
      .select(['dead_at', 'leased_until'])
      .where('queue', '=', queue)
      .execute();
    const depth = { ready: 0, inFlight: 0, dead: 0 };
    for (const r of rows) {
      if (r.dead_at !== null) depth.dead += 1;
      else if (r.leased_until !== null && r.leased_until >= now) depth.inFlight += 1;
      else depth.ready += 1;
    }
    return depth;
  }

  async deadLetters<T>(queue: string): Promise<DeadLetter<T>[]> {
    const rows = await this.db
      .selectFrom('queue_messages')
      .selectAll()
      .where('queue', '=', queue)
      .where('dead_at', 'is not', null)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      queue: r.queue,
      body: JSON.parse(r.body) as T,
      attempt: r.attempts,
      lastError: r.last_error ?? '',
    }));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
  }
}
