import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateTo, openSqliteDatabase } from '../db/database.js';
import { hubMigrations } from '../db/migrations/index.js';
import { describeJobQueueContract } from './job-queue.contract.js';
import { SqliteJobQueue } from './sqlite-job-queue.js';

describeJobQueueContract('embedded SQLite', async () => {
  const db = openSqliteDatabase(mkdtempSync(join(tmpdir(), 'mcphub-queue-')));
  await migrateTo(db, 'hub_migrations', hubMigrations);
  return {
    open: async (o) =>
      new SqliteJobQueue(db, {
        visibilityTimeoutMs: o.visibilityTimeoutMs,
        pollIntervalMs: 20,
        retry: { maxAttempts: o.maxAttempts, baseDelayMs: o.baseDelayMs },
      }),
    queueName: () => `test.${randomUUID()}`,
    cleanup: async () => undefined,
  };
});
