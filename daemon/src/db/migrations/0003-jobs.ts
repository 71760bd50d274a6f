import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('org', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(128)', (c) => c.notNull())
    .addColumn('version', 'varchar(128)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('source_kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('source_key', 'varchar(300)', (c) => c.notNull())
    .addColumn('source_digest', 'varchar(80)', (c) => c.notNull())
    .addColumn('source_bytes', 'bigint', (c) => c.notNull())
    .addColumn('git_url', 'text')
    .addColumn('git_commit', 'varchar(64)')
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('result_key', 'varchar(300)')
    .addColumn('result_digest', 'varchar(80)')
    .addColumn('score', 'text')
    .addColumn('level', 'integer')
    .addColumn('certification', 'text')
    .addColumn('manifest_digest', 'varchar(80)')
    .addColumn('error_code', 'varchar(64)')
    .addColumn('error_message', 'text')
    .addColumn('created_by', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_by_package').on('jobs').columns(['org', 'name', 'version']).execute();
  await db.schema.createIndex('jobs_by_state').on('jobs').columns(['state']).execute();
  await db.schema
    .createTable('job_history')
    .addColumn('job_id', 'varchar(64)', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('from_state', 'varchar(16)')
    .addColumn('to_state', 'varchar(16)', (c) => c.notNull())
    .addColumn('at', 'varchar(40)', (c) => c.notNull())
    .addColumn('actor', 'varchar(200)', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addPrimaryKeyConstraint('job_history_pk', ['job_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_history').execute();
  await db.schema.dropTable('jobs').execute();
}
