import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  type DatabaseIntrospector,
  type DatabaseMetadataOptions,
  Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  PostgresAdapter,
  PostgresDialect,
  PostgresIntrospector,
  type SchemaMetadata,
  SqliteDialect,
  sql,
  type TableMetadata,
} from 'kysely';
import pg from 'pg';
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

/** True when `db` speaks PostgreSQL (for the few places where the DDL must differ). */
// biome-ignore lint/suspicious/noExplicitAny: any database
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`: safe to print or log. */
export function maskUrl(url: string): string;
export function maskUrl(url: string | undefined): string | undefined;
export function maskUrl(url: string | undefined): string | undefined {
  return url?.replace(/\/\/([^:/@]*):([^@/]*)@/, '//$1:***@');
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The PostgreSQL introspector sees every schema; Kysely's migrator and `migrateTo` ask "does table
 * X exist?" and must only see the schema the connection works in (`search_path`), or two hubs in two
 * schemas of one database would take each other's tables for their own.
 */
class CurrentSchemaIntrospector implements DatabaseIntrospector {
  private readonly inner: PostgresIntrospector;
  // biome-ignore lint/suspicious/noExplicitAny: any database
  constructor(private readonly db: Kysely<any>) {
    this.inner = new PostgresIntrospector(db);
  }
  getSchemas(): Promise<SchemaMetadata[]> {
    return this.inner.getSchemas();
  }
  async getTables(options?: DatabaseMetadataOptions): Promise<TableMetadata[]> {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(this.db);
    const current = rows[0]?.schema;
    return (await this.inner.getTables(options)).filter((t) => t.schema === current);
  }
  async getMetadata(options?: DatabaseMetadataOptions) {
    return { tables: await this.getTables(options) };
  }
}

class SchemaScopedPostgresDialect extends PostgresDialect {
  // biome-ignore lint/suspicious/noExplicitAny: any database
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

export interface PostgresOptions {
  /** Work in this schema (created if missing) instead of the URL's default `search_path`. */
  schema?: string;
  /** Pool size (default 10). */
  max?: number;
}

/**
 * Opens PostgreSQL at `url` through a `pg` pool. A `?schema=name` query parameter (or
 * `options.schema`) puts every table in that schema, so several hubs, or test runs, can share one
 * database. int8 (bigint, count(*)) comes back as a JS number, like SQLite's. The password never
 * appears in errors: connection failures are reported with the masked URL.
 */
export async function openPostgresDatabase(url: string, options: PostgresOptions = {}): Promise<HubDb> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HubError('HUB_ERR_CONFIG_INVALID', `databaseUrl is not a URL: ${maskUrl(url)}`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new HubError('HUB_ERR_CONFIG_INVALID', `databaseUrl must be postgres://…, not ${parsed.protocol}`);
  }
  const schema = options.schema ?? parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new HubError('HUB_ERR_CONFIG_INVALID', `Invalid PostgreSQL schema name "${schema}"`);
  }
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === pg.types.builtins.INT8
        ? (v: string) => Number(v)
        : pg.types.getTypeParser(oid, format as 'text'),
  };
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: options.max ?? 10,
    types: types as never,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  pool.on('error', () => undefined);
  const db = new Kysely<HubDatabase>({ dialect: new SchemaScopedPostgresDialect({ pool }) });
  try {
    if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    else await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    // pg's messages do not contain the password, but say which server we could not reach.
    throw new HubError(
      'HUB_ERR_DATABASE_UNAVAILABLE',
      `Cannot use PostgreSQL at ${maskUrl(url)}: ${(err as Error).message}`,
    );
  }
  return db;
}

/** PostgreSQL when `databaseUrl` is set (several hub replicas share it), else SQLite under `home`. */
export async function openDatabase(config: {
  home: string;
  databaseUrl?: string | undefined;
}): Promise<HubDb> {
  return config.databaseUrl ? openPostgresDatabase(config.databaseUrl) : openSqliteDatabase(config.home);
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
  const existing = await db.introspection.getTables({ withInternalKyselyTables: true });
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

/** A unique-constraint violation, from SQLite (better-sqlite3) or PostgreSQL (pg, SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}
