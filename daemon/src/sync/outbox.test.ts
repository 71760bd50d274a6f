import { afterEach, describe, expect, it } from 'vitest';
import { type HubDb, migrateTo, openMemoryDatabase } from '../db/database.js';
import { hubMigrations } from '../db/migrations/index.js';
import { createLogger } from '../logger.js';
import { Outbox, outboxDelayMs } from './outbox.js';

const logger = createLogger('silent');

describe('Outbox', () => {
  let db: HubDb;
  afterEach(async () => {
    await db?.destroy();
  });
  const open = async () => {
    db = openMemoryDatabase();
    await migrateTo(db, 'hub_migrations', hubMigrations);
    return new Outbox(db, { minDelayMs: 10, maxDelayMs: 40, attemptTimeoutMs: 1000, logger });
  };

  it('keeps failed work with its error, blocks what comes after it, and flushes in order once the remote is back', async () => {
    const outbox = await open();
    let up = false;
    const done: string[] = [];
    outbox.on('dispatch', async (row) => {
      if (!up) throw new Error('ECONNREFUSED');
      done.push(row.ref);
    });
    for (const ref of ['a', 'b', 'c']) await outbox.enqueue('dispatch', ref);
    await outbox.kick();
    const waiting = await outbox.pending('dispatch');
    expect(waiting.map((r) => r.ref)).toEqual(['a', 'b', 'c']);
    expect(waiting[0]).toMatchObject({ attempts: 1, last_error: 'ECONNREFUSED' });
    // b and c were not tried: they wait behind a, so order is kept.
    expect(waiting[1]!.attempts).toBe(0);
    expect(done).toEqual([]);

    up = true;
    for (let i = 0; i < 50 && (await outbox.pending()).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      await outbox.kick();
    }
    expect(done).toEqual(['a', 'b', 'c']);
    expect(await outbox.pending()).toEqual([]);
  });

  it('a hanging remote counts as a failed attempt after the attempt timeout', async () => {
    db = openMemoryDatabase();
    await migrateTo(db, 'hub_migrations', hubMigrations);
    const outbox = new Outbox(db, { minDelayMs: 10, maxDelayMs: 40, attemptTimeoutMs: 50, logger });
    outbox.on('upstream', () => new Promise(() => undefined));
    await outbox.enqueue('upstream', 'x');
    await outbox.kick();
    const [row] = await outbox.pending();
    expect(row!.attempts).toBe(1);
    expect(row!.last_error).toMatch(/longer than 50 ms/);
  });

  it('topics flush independently: a hanging upstream does not hold back a dispatch', async () => {
    db = openMemoryDatabase();
    await migrateTo(db, 'hub_migrations', hubMigrations);
    const outbox = new Outbox(db, { minDelayMs: 10, maxDelayMs: 40, attemptTimeoutMs: 5000, logger });
    let release: () => void = () => undefined;
    outbox.on('upstream', () => new Promise<void>((r) => (release = r)));
    const dispatched: string[] = [];
    outbox.on('dispatch', async (row) => {
      dispatched.push(row.ref);
    });
    await outbox.enqueue('upstream', 'slow');
    const slow = outbox.kick('upstream');
    await outbox.enqueue('dispatch', 'job');
    await outbox.kick('dispatch');
    expect(dispatched).toEqual(['job']);
    release();
    await slow;
    expect(await outbox.pending()).toEqual([]);
  });

  it('backoff is jittered and bounded', () => {
    expect(outboxDelayMs(1, 100, 1000, () => 0)).toBe(50);
    expect(outboxDelayMs(1, 100, 1000, () => 1)).toBe(100);
    expect(outboxDelayMs(3, 100, 1000, () => 1)).toBe(400);
    expect(outboxDelayMs(30, 100, 1000, () => 1)).toBe(1000);
    expect(outboxDelayMs(30, 100, 1000, () => 0)).toBe(500);
  });
});

describe('Outbox on PostgreSQL (127.0.0.1:5432, database test)', () => {
  it('the migration and the flush run unchanged; parallel enqueues (hub replicas) get distinct, ordered seq; two replicas flushing at once do each row once', async () => {
    const pg = (await import('pg')).default;
    const { Kysely, PostgresDialect } = await import('kysely');
    const { up } = await import('../db/migrations/0005-sync.js');
    const schema = `outbox_test_${Date.now()}_${process.pid}`;
    const conn = {
      host: process.env.PGHOST ?? '127.0.0.1',
      user: process.env.PGUSER ?? 'postgres',
      database: 'test',
    };
    const admin = new pg.Client(conn);
    await admin.connect().catch((err: Error) => {
      throw new Error(`PostgreSQL is needed on ${conn.host}:5432 (database test): ${err.message}`);
    });
    await admin.query(`create schema ${schema}`);
    const pool = new pg.Pool({ ...conn, options: `-c search_path=${schema}`, max: 8 });
    const pgDb = new Kysely<never>({ dialect: new PostgresDialect({ pool }) }) as unknown as HubDb;
    try {
      await up(pgDb as never);
      const outbox = new Outbox(pgDb, { minDelayMs: 10, maxDelayMs: 20, attemptTimeoutMs: 1000, logger });
      const refs = Array.from({ length: 20 }, (_, i) => `job-${i}`);
      await Promise.all(refs.map((r) => outbox.enqueue('dispatch', r)));
      const rows = await outbox.pending('dispatch');
      expect(new Set(rows.map((r) => Number(r.seq))).size).toBe(20);
      const done: string[] = [];
      outbox.on('dispatch', async (row) => {
        done.push(row.ref);
      });
      await outbox.kick('dispatch');
      expect(done).toEqual(rows.map((r) => r.ref));
      expect(await outbox.pending()).toEqual([]);

      // Two replicas flushing the same table at once: each row's work is done once, in order.
      const replicas = [0, 1].map(
        () => new Outbox(pgDb, { minDelayMs: 10, maxDelayMs: 20, attemptTimeoutMs: 1000, logger }),
      );
      const more = Array.from({ length: 30 }, (_, i) => `job-b${i}`);
      for (const r of more) await replicas[0]!.enqueue('dispatch', r);
      const doneBy: string[] = [];
      for (const r of replicas)
        r.on('dispatch', async (row) => {
          doneBy.push(row.ref);
          await new Promise((res) => setTimeout(res, 2));
        });
      for (let round = 0; round < 200 && (await replicas[0]!.pending('dispatch')).length > 0; round++) {
        await Promise.all(replicas.map((r) => r.kick('dispatch')));
      }
      expect(doneBy).toEqual(more);
    } finally {
      await pgDb.destroy();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  });
});
