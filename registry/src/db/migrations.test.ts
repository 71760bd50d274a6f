import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createRegistryMigrator, migrateRegistry } from './migrations.js';
import type { RegistryDatabase } from './schema.js';

describe('registry migrations', () => {
  it('create namespaced tables, track themselves in registry_migrations, and are idempotent', async () => {
    const db = new Kysely<RegistryDatabase>({
      dialect: new SqliteDialect({ database: new Database(':memory:') }),
    });
    const first = await migrateRegistry(db);
    expect(first.results?.map((r) => [r.migrationName, r.status])).toEqual([
      ['0001_registry_index', 'Success'],
    ]);
    const second = await migrateRegistry(db);
    expect(second.results).toEqual([]);
    const tables = await sql<{
      name: string;
    }>`select name from sqlite_master where type = 'table' order by name`.execute(db);
    expect(tables.rows.map((r) => r.name)).toEqual([
      'registry_blobs',
      'registry_migrations',
      'registry_migrations_lock',
      'registry_packages',
      'registry_versions',
    ]);
    const down = await createRegistryMigrator(db).migrateDown();
    expect(down.error).toBeUndefined();
    await db.destroy();
  });

  it('enforces one row per (org, name, version)', async () => {
    const db = new Kysely<RegistryDatabase>({
      dialect: new SqliteDialect({ database: new Database(':memory:') }),
    });
    await migrateRegistry(db);
    await db.insertInto('registry_packages').values({ org: 'a', name: 'b', created_at: 'now' }).execute();
    const row = {
      org: 'a',
      name: 'b',
      version: '1.0.0',
      manifest_digest: 'sha256:x',
      manifest_json: '{}',
      bundle_digest: 'sha256:y',
      bundle_size: 1,
      status: 'active',
      published_at: 'now',
      published_by: 'me',
    };
    await db.insertInto('registry_versions').values(row).execute();
    await expect(
      db
        .insertInto('registry_versions')
        .values({ ...row, manifest_digest: 'sha256:z' })
        .execute(),
    ).rejects.toThrow();
    await db.destroy();
  });
});
