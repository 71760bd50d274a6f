import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { describeJobQueueContract } from '../queue/job-queue.contract.js';
import { SqliteJobQueue } from '../queue/sqlite-job-queue.js';
import { describeDatabaseContract } from './database.contract.js';
import { type HubDb, maskUrl, migrateTo, openPostgresDatabase } from './database.js';
import { hubMigrations } from './migrations/index.js';

/** The PostgreSQL the tests use (trust auth on loopback); each run works in a schema of its own. */
const URL = process.env.MCPHUB_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function pgHarness() {
  const schema = `mcphub_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const opened: HubDb[] = [];
  const open = async () => {
    const db = await openPostgresDatabase(URL, { schema });
    opened.push(db);
    return db;
  };
  return {
    schema,
    open,
    openSecond: async () => open(),
    cleanup: async () => {
      const admin = await openPostgresDatabase(URL);
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin);
      await admin.destroy();
    },
  };
}

describeDatabaseContract('PostgreSQL', pgHarness);

let queueSchema: { db: HubDb; cleanup(): Promise<void> } | null = null;
afterAll(async () => {
  await queueSchema?.db.destroy();
  await queueSchema?.cleanup();
});

describeJobQueueContract('embedded queue on PostgreSQL', async () => {
  const h = await pgHarness();
  const db = await h.open();
  queueSchema = { db, cleanup: h.cleanup };
  await migrateTo(db, 'hub_migrations', hubMigrations);
  const queues: SqliteJobQueue[] = [];
  return {
    open: async (o) => {
      const q = new SqliteJobQueue(db, {
        visibilityTimeoutMs: o.visibilityTimeoutMs,
        pollIntervalMs: 20,
        retry: { maxAttempts: o.maxAttempts, baseDelayMs: o.baseDelayMs },
      });
      queues.push(q);
      return q;
    },
    queueName: () => `test.${randomUUID()}`,
    // Called after every test; the schema is dropped once, after the whole file.
    cleanup: async () => undefined,
  };
});

describe('PostgreSQL connection settings', () => {
  it('an unreachable server is a coded error naming PostgreSQL, with the password masked', async () => {
    const bad = 'postgres://hub:s3cret-pw@127.0.0.1:1/nowhere';
    const err = await openPostgresDatabase(bad).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HUB_ERR_DATABASE_UNAVAILABLE' });
    expect(String((err as Error).message)).toContain('PostgreSQL at postgres://hub:***@127.0.0.1:1/nowhere');
    expect(String((err as Error).message)).not.toContain('s3cret-pw');
    expect(maskUrl(bad)).toBe('postgres://hub:***@127.0.0.1:1/nowhere');
  });

  it('refuses a schema name that is not a plain identifier (no SQL through the URL)', async () => {
    await expect(openPostgresDatabase(`${URL}?schema=x;drop table jobs`)).rejects.toMatchObject({
      code: 'HUB_ERR_CONFIG_INVALID',
    });
  });

  it('two hubs in two schemas of one database do not see each other’s tables', async () => {
    const a = await pgHarness();
    const b = await pgHarness();
    const dbA = await a.open();
    const dbB = await b.open();
    try {
      expect(await migrateTo(dbA, 'hub_migrations', hubMigrations)).toHaveLength(
        Object.keys(hubMigrations).length,
      );
      // B must not take A's hub_migrations for its own: it migrates its own, empty schema fully.
      expect(await migrateTo(dbB, 'hub_migrations', hubMigrations)).toHaveLength(
        Object.keys(hubMigrations).length,
      );
    } finally {
      await dbA.destroy();
      await dbB.destroy();
      await a.cleanup();
      await b.cleanup();
    }
  });
});
