import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import { RegistryError } from '../errors.js';

/**
 * The registry owns its tables and their numbered migrations. Only portable DDL: the same
 * migrations run on SQLite (embedded) and PostgreSQL (distributed).
 */
export const REGISTRY_MIGRATIONS: Record<string, Migration> = {
  '0001_registry_index': {
    // biome-ignore lint/suspicious/noExplicitAny: the host's database type is unknown to the registry
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('registry_packages')
        .addColumn('org', 'varchar(64)', (c) => c.notNull())
        .addColumn('name', 'varchar(128)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addPrimaryKeyConstraint('registry_packages_pk', ['org', 'name'])
        .execute();
      await db.schema
        .createTable('registry_versions')
        .addColumn('org', 'varchar(64)', (c) => c.notNull())
        .addColumn('name', 'varchar(128)', (c) => c.notNull())
        .addColumn('version', 'varchar(128)', (c) => c.notNull())
        .addColumn('manifest_digest', 'varchar(71)', (c) => c.notNull())
        .addColumn('manifest_json', 'text', (c) => c.notNull())
        .addColumn('bundle_digest', 'varchar(71)', (c) => c.notNull())
        .addColumn('bundle_size', 'bigint', (c) => c.notNull())
        .addColumn('snapshot_digest', 'varchar(71)')
        .addColumn('attestation_digest', 'varchar(71)')
        .addColumn('level', 'integer')
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('status_changed_at', 'varchar(32)')
        .addColumn('published_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('published_by', 'varchar(255)', (c) => c.notNull())
        .addPrimaryKeyConstraint('registry_versions_pk', ['org', 'name', 'version'])
        .addForeignKeyConstraint('registry_versions_package_fk', ['org', 'name'], 'registry_packages', [
          'org',
          'name',
        ])
        .execute();
      await db.schema
        .createIndex('registry_versions_manifest_digest_idx')
        .on('registry_versions')
        .column('manifest_digest')
        .execute();
      await db.schema
        .createIndex('registry_versions_bundle_digest_idx')
        .on('registry_versions')
        .column('bundle_digest')
        .execute();
      await db.schema
        .createTable('registry_blobs')
        .addColumn('digest', 'varchar(71)', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('media_type', 'varchar(255)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: the host's database type is unknown to the registry
    async down(db: Kysely<any>) {
      await db.schema.dropTable('registry_blobs').execute();
      await db.schema.dropTable('registry_versions').execute();
      await db.schema.dropTable('registry_packages').execute();
    },
  },
};

// biome-ignore lint/suspicious/noExplicitAny: the host's database type is unknown to the registry
export function createRegistryMigrator(db: Kysely<any>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => REGISTRY_MIGRATIONS },
    migrationTableName: 'registry_migrations',
    migrationLockTableName: 'registry_migrations_lock',
  });
}

/** Brings the registry's tables to the latest migration; throws if any migration fails. */
// biome-ignore lint/suspicious/noExplicitAny: the host's database type is unknown to the registry
export async function migrateRegistry(db: Kysely<any>): Promise<MigrationResultSet> {
  const result = await createRegistryMigrator(db).migrateToLatest();
  if (result.error) {
    throw new RegistryError('REG_ERR_INTERNAL', 'Registry database migration failed', {
      cause: result.error,
    });
  }
  return result;
}
