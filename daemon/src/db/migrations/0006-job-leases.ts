import type { Kysely } from 'kysely';

/**
 * Hub replicas on one database. `job_leases`: who is advancing a job past ANALYZED (score,
 * certify, publish) and until when; several replicas, or one message delivered twice, must not run
 * those steps for one job at once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('job_leases')
    .addColumn('job_id', 'varchar(64)', (c) => c.primaryKey().references('jobs.id').onDelete('cascade'))
    .addColumn('owner', 'varchar(200)', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  // Replicas follow each other's transitions by time (JobStore.followReplicas).
  await db.schema.createIndex('job_history_by_at').on('job_history').columns(['at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('job_history_by_at').execute();
  await db.schema.dropTable('job_leases').execute();
}
