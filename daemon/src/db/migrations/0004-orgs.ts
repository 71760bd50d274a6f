import type { Kysely } from 'kysely';
import { isPostgres } from '../database.js';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('display_name', 'varchar(200)')
    .addColumn('hub_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('disabled_at', 'varchar(40)')
    .execute();
  await db.schema
    .createTable('organizations')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('plan', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('memberships')
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('org', 'varchar(64)', (c) => c.notNull().references('organizations.name').onDelete('cascade'))
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addPrimaryKeyConstraint('memberships_pk', ['user_id', 'org'])
    .execute();
  await db.schema.createIndex('memberships_by_org').on('memberships').columns(['org']).execute();
  await db.schema
    .createTable('usage_events')
    // SQLite: INTEGER PRIMARY KEY AUTOINCREMENT (as shipped); PostgreSQL has no AUTOINCREMENT: serial.
    .$call((t) =>
      isPostgres(db)
        ? t.addColumn('id', 'serial', (c) => c.primaryKey())
        : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()),
    )
    .addColumn('org', 'varchar(64)', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('at', 'varchar(40)', (c) => c.notNull())
    .addColumn('ref', 'varchar(300)')
    .execute();
  await db.schema
    .createIndex('usage_by_org_kind_at')
    .on('usage_events')
    .columns(['org', 'kind', 'at'])
    .execute();
  // Nullable: the admin token predates users; bootstrap binds it to the `admin` user.
  await db.schema.alterTable('api_tokens').addColumn('user_id', 'varchar(64)').execute();
  await db.schema.createIndex('api_tokens_by_user').on('api_tokens').columns(['user_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('api_tokens_by_user').execute();
  await db.schema.alterTable('api_tokens').dropColumn('user_id').execute();
  await db.schema.dropTable('usage_events').execute();
  await db.schema.dropTable('memberships').execute();
  await db.schema.dropTable('organizations').execute();
  await db.schema.dropTable('users').execute();
}
