import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, type Migration, type MigrationProvider, Migrator, SqliteDialect } from 'kysely';
import { HubError } from '../errors.js';
import type { HubDatabase } from './schema.js';

export type HubDb = Kysely<HubDatabase>;

/** Opens the embedded SQLite database under `home` (WAL, foreign keys on). */
export function openSqliteDatabase(home: string, file = 'db.sqlite'): HubDb {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const sqlite = new Database(join(home, file));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<HubDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
}

export function openMemoryDatabase(): HubDb {
  return new Kysely<HubDatabase>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
}

class StaticProvider implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.migrations;
  }
}

/**
 * Applies numbered migrations from `migrations` (names sort in order: `0001-init`, `0002-…`) with
 * their own bookkeeping table, so several packages (hub, registry) can migrate one database.
 * Refuses with HUB_ERR_DB_NEWER_THAN_APP when the database holds migrations this build does not know.
 */
export async function migrateTo(
  db: Kysely<any>,
  tableName: string,
  migrations: Record<string, Migration>,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new StaticProvider(migrations),
    migrationTableName: tableName,
    migrationLockTableName: `${tableName}_lock`,
  });
  const known = new Set(Object.keys(migrations));
  const existing = await db.introspection.getTables();
  if (existing.some((t) => t.name === tableName)) {
    const rows = await db.selectFrom(tableName).select('name').execute();
    const unknown = rows.map((r: { name: string }) => r.name).filter((n: string) => !known.has(n));
    if (unknown.length > 0) {
      throw new HubError(
        'HUB_ERR_DB_NEWER_THAN_APP',
        `The database has migrations this build does not know (${unknown.join(', ')}); upgrade MCP Hub`,
      );
    }
  }
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
