import { type Kysely, sql } from 'kysely';

/**
 * At most one live job per version (`org/name@version` not FAILED or REJECTED): the submission
 * check reads, then inserts, so two hub replicas receiving the same version at the same instant
 * could otherwise both create a job. A partial unique index (SQLite and PostgreSQL alike) makes
 * the second insert fail; the submission then answers as for any existing job.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run on any database
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('jobs_one_live_version')
    .on('jobs')
    .columns(['org', 'name', 'version'])
    .unique()
    .where(sql.ref('state'), 'not in', ['FAILED', 'REJECTED'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run on any database
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('jobs_one_live_version').execute();
}
