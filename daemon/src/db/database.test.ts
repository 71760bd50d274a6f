import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrateTo, openSqliteDatabase } from './database.js';
import { hubMigrations } from './migrations/index.js';

describe('hub migrations', () => {
  it('applies numbered migrations once and is a no-op the second time', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mcphub-db-'));
    const db = openSqliteDatabase(home);
    expect(await migrateTo(db, 'hub_migrations', hubMigrations)).toEqual([
      '0001-init',
      '0002-queue',
      '0003-jobs',
      '0004-orgs',
      '0005-sync',
      '0006-job-leases',
      '0007-live-version',
    ]);
    expect(await migrateTo(db, 'hub_migrations', hubMigrations)).toEqual([]);
    const tables = (await db.introspection.getTables()).map((t) => t.name);
    expect(tables).toEqual(
      expect.arrayContaining([
        'api_tokens',
        'settings',
        'users',
        'organizations',
        'memberships',
        'usage_events',
        'outbox',
      ]),
    );
    await db.destroy();
  });

  it('refuses to run on a database migrated by a newer build', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mcphub-db-'));
    const db = openSqliteDatabase(home);
    await migrateTo(db, 'hub_migrations', hubMigrations);
    await db
      .insertInto('hub_migrations' as never)
      .values({ name: '9999-from-the-future', timestamp: new Date().toISOString() } as never)
      .execute();
    await expect(migrateTo(db, 'hub_migrations', hubMigrations)).rejects.toMatchObject({
      code: 'HUB_ERR_DB_NEWER_THAN_APP',
    });
    await db.destroy();
  });
});
