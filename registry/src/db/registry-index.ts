import { type Kysely, sql, type Transaction } from 'kysely';
import type { Digest } from '../digest.js';
import type { PackageName } from '../names.js';
import type { RegistryDatabase, VersionStatus } from './schema.js';

/** One version as the index knows it (a row of `registry_versions`, with JS types). */
export interface VersionRecord {
  org: string;
  name: string;
  version: string;
  manifestDigest: Digest;
  manifestJson: string;
  bundleDigest: Digest;
  bundleSize: number;
  snapshotDigest: Digest | null;
  attestationDigest: Digest | null;
  level: number | null;
  status: VersionStatus;
  statusReason: string | null;
  statusChangedAt: string | null;
  publishedAt: string;
  publishedBy: string;
}

/** The columns resolution and listings need: everything but the manifest JSON. */
export type VersionState = Omit<VersionRecord, 'manifestJson'>;

const STATE_COLUMNS = [
  'org',
  'name',
  'version',
  'manifest_digest',
  'bundle_digest',
  'bundle_size',
  'snapshot_digest',
  'attestation_digest',
  'level',
  'status',
  'status_reason',
  'status_changed_at',
  'published_at',
  'published_by',
] as const;

export interface BlobRecord {
  digest: Digest;
  size: number;
  mediaType: string;
}

export interface PublishRecord {
  version: VersionRecord;
  blobs: BlobRecord[];
}

export type InsertOutcome = { kind: 'created' } | { kind: 'exists'; existing: VersionRecord };

type VersionRow = RegistryDatabase['registry_versions'];

function toVersionRecord(row: VersionRow): VersionRecord {
  return { ...toVersionState(row), manifestJson: row.manifest_json };
}

function toVersionState(row: Omit<VersionRow, 'manifest_json'>): VersionState {
  return {
    org: row.org,
    name: row.name,
    version: row.version,
    manifestDigest: row.manifest_digest as Digest,
    bundleDigest: row.bundle_digest as Digest,
    bundleSize: Number(row.bundle_size),
    snapshotDigest: row.snapshot_digest as Digest | null,
    attestationDigest: row.attestation_digest as Digest | null,
    level: row.level === null ? null : Number(row.level),
    status: row.status,
    statusReason: row.status_reason,
    statusChangedAt: row.status_changed_at,
    publishedAt: row.published_at,
    publishedBy: row.published_by,
  };
}

function toVersionRow(record: VersionRecord): VersionRow {
  return {
    org: record.org,
    name: record.name,
    version: record.version,
    manifest_digest: record.manifestDigest,
    manifest_json: record.manifestJson,
    bundle_digest: record.bundleDigest,
    bundle_size: record.bundleSize,
    snapshot_digest: record.snapshotDigest,
    attestation_digest: record.attestationDigest,
    level: record.level,
    status: record.status,
    status_reason: record.statusReason,
    status_changed_at: record.statusChangedAt,
    published_at: record.publishedAt,
    published_by: record.publishedBy,
  };
}

/** Escapes `%`, `_` and the escape character itself for a LIKE pattern (ESCAPE '!'). */
function likeContains(text: string): string {
  return `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/**
 * The registry's queries over its own tables. Dialect-neutral Kysely only (SQLite now, PostgreSQL
 * later): no JSON functions, no RETURNING, no dialect-specific upserts beyond ON CONFLICT DO NOTHING.
 */
export class RegistryIndex {
  constructor(private readonly db: Kysely<RegistryDatabase>) {}

  async packageExists({ org, name }: PackageName): Promise<boolean> {
    const row = await this.db
      .selectFrom('registry_packages')
      .select('org')
      .where('org', '=', org)
      .where('name', '=', name)
      .executeTakeFirst();
    return row !== undefined;
  }

  async findVersion({ org, name }: PackageName, version: string): Promise<VersionRecord | undefined> {
    const row = await this.db
      .selectFrom('registry_versions')
      .selectAll()
      .where('org', '=', org)
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ? toVersionRecord(row) : undefined;
  }

  async listVersions({ org, name }: PackageName): Promise<VersionRecord[]> {
    const rows = await this.db
      .selectFrom('registry_versions')
      .selectAll()
      .where('org', '=', org)
      .where('name', '=', name)
      .execute();
    return rows.map(toVersionRecord);
  }

  /** Version states (no manifest JSON) of one package: enough to resolve a reference. */
  async listVersionStates({ org, name }: PackageName): Promise<VersionState[]> {
    const rows = await this.db
      .selectFrom('registry_versions')
      .select(STATE_COLUMNS)
      .where('org', '=', org)
      .where('name', '=', name)
      .execute();
    return rows.map(toVersionState);
  }

  /** Version states of several packages at once (for listings). */
  async listVersionStatesOf(packages: PackageName[]): Promise<VersionState[]> {
    if (packages.length === 0) return [];
    const rows = await this.db
      .selectFrom('registry_versions')
      .select(STATE_COLUMNS)
      .where((eb) =>
        eb.or(packages.map(({ org, name }) => eb.and([eb('org', '=', org), eb('name', '=', name)]))),
      )
      .execute();
    return rows.map(toVersionState);
  }

  /** Packages in (org, name) order strictly after `after`, optionally filtered by a substring. */
  async listPackagesPage(options: {
    after?: PackageName;
    query?: string;
    limit: number;
  }): Promise<PackageName[]> {
    let select = this.db.selectFrom('registry_packages').select(['org', 'name']);
    const { after, query } = options;
    if (after) {
      select = select.where((eb) =>
        eb.or([eb('org', '>', after.org), eb.and([eb('org', '=', after.org), eb('name', '>', after.name)])]),
      );
    }
    if (query) {
      // `||` and LIKE ... ESCAPE are standard SQL, shared by SQLite and PostgreSQL.
      const fullName = sql<string>`(${sql.ref('org')} || '/' || ${sql.ref('name')})`;
      select = select.where(sql<boolean>`${fullName} like ${likeContains(query)} escape '!'`);
    }
    return select.orderBy('org').orderBy('name').limit(options.limit).execute();
  }

  async findBlob(digest: Digest): Promise<BlobRecord | undefined> {
    const row = await this.db
      .selectFrom('registry_blobs')
      .selectAll()
      .where('digest', '=', digest)
      .executeTakeFirst();
    return row
      ? { digest: row.digest as Digest, size: Number(row.size), mediaType: row.media_type }
      : undefined;
  }

  /** Package names of the versions that reference a blob (as manifest, bundle, snapshot or attestation). */
  async packagesReferencingBlob(digest: Digest): Promise<PackageName[]> {
    return this.db
      .selectFrom('registry_versions')
      .select(['org', 'name'])
      .distinct()
      .where((eb) =>
        eb.or([
          eb('manifest_digest', '=', digest),
          eb('bundle_digest', '=', digest),
          eb('snapshot_digest', '=', digest),
          eb('attestation_digest', '=', digest),
        ]),
      )
      .execute();
  }

  /**
   * Indexes a published version and its blobs in one transaction. If the version already exists
   * (possibly inserted concurrently), nothing is written and the existing row is returned.
   */
  async insertPublished(record: PublishRecord): Promise<InsertOutcome> {
    const { version } = record;
    const pkg = { org: version.org, name: version.name };
    try {
      return await this.db.transaction().execute(async (trx) => {
        const existing = await this.findVersionIn(trx, pkg, version.version);
        if (existing) return { kind: 'exists', existing } as const;
        await trx
          .insertInto('registry_packages')
          .values({ ...pkg, created_at: version.publishedAt })
          .onConflict((oc) => oc.columns(['org', 'name']).doNothing())
          .execute();
        for (const blob of record.blobs) {
          await trx
            .insertInto('registry_blobs')
            .values({
              digest: blob.digest,
              size: blob.size,
              media_type: blob.mediaType,
              created_at: version.publishedAt,
            })
            .onConflict((oc) => oc.column('digest').doNothing())
            .execute();
        }
        await trx.insertInto('registry_versions').values(toVersionRow(version)).execute();
        return { kind: 'created' } as const;
      });
    } catch (error) {
      // A concurrent publish of the same version won the unique key: report what it wrote.
      const existing = await this.findVersion(pkg, version.version);
      if (existing) return { kind: 'exists', existing };
      throw error;
    }
  }

  async updateStatus(
    { org, name }: PackageName,
    version: string,
    change: { status: VersionStatus; reason: string | null; at: string },
  ): Promise<void> {
    await this.db
      .updateTable('registry_versions')
      .set({ status: change.status, status_reason: change.reason, status_changed_at: change.at })
      .where('org', '=', org)
      .where('name', '=', name)
      .where('version', '=', version)
      // Revoked is terminal even against a concurrent request.
      .where('status', '!=', 'revoked')
      .execute();
  }

  private async findVersionIn(
    trx: Transaction<RegistryDatabase>,
    { org, name }: PackageName,
    version: string,
  ): Promise<VersionRecord | undefined> {
    const row = await trx
      .selectFrom('registry_versions')
      .selectAll()
      .where('org', '=', org)
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
    return row ? toVersionRecord(row) : undefined;
  }
}
