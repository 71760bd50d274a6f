import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Digest } from '../digest.js';
import { REGISTRY_MIGRATIONS } from './migrations.js';
import { RegistryIndex, type VersionRecord } from './registry-index.js';
import type { RegistryDatabase } from './schema.js';

/** A Kysely that compiles PostgreSQL and records every statement instead of running it. */
function recordingPostgres(): { db: Kysely<RegistryDatabase>; statements: string[] } {
  const statements: string[] = [];
  const db = new Kysely<RegistryDatabase>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (kysely) => new PostgresIntrospector(kysely),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
    log: (event) => {
      if (event.level === 'query') statements.push(event.query.sql);
    },
  });
  return { db, statements };
}

const SQLITE_ONLY = /autoincrement|sqlite_|insert or |ifnull\(|glob |strftime|json_extract|`/i;

const record: VersionRecord = {
  org: 'acme',
  name: 'files',
  version: '1.0.0',
  manifestDigest: `sha256:${'a'.repeat(64)}` as Digest,
  manifestJson: '{}',
  bundleDigest: `sha256:${'b'.repeat(64)}` as Digest,
  bundleSize: 1,
  snapshotDigest: null,
  attestationDigest: null,
  level: null,
  status: 'active',
  statusReason: null,
  statusChangedAt: null,
  publishedAt: '2026-01-01T00:00:00.000Z',
  publishedBy: 'hub',
};

describe('dialect neutrality (compiled for PostgreSQL, not executed)', () => {
  it('migrations and every index query compile for PostgreSQL without SQLite-only SQL', async () => {
    const { db, statements } = recordingPostgres();
    for (const migration of Object.values(REGISTRY_MIGRATIONS)) await migration.up(db);
    const index = new RegistryIndex(db);
    const pkg = { org: 'acme', name: 'files' };
    await index.packageExists(pkg);
    await index.findVersion(pkg, '1.0.0');
    await index.listVersions(pkg);
    await index.listVersionStates(pkg);
    await index.listVersionStatesOf([pkg, { org: 'b', name: 'c' }]);
    await index.listPackagesPage({ after: pkg, query: 'fi_%', limit: 10 });
    await index.findBlob(record.bundleDigest);
    await index.packagesReferencingBlob(record.bundleDigest);
    await index.insertPublished({
      version: record,
      blobs: [{ digest: record.bundleDigest, size: 1, mediaType: 'x' }],
    });
    await index.updateStatus(pkg, '1.0.0', { status: 'yanked', reason: 'r', at: 'now' });

    expect(statements.length).toBeGreaterThan(15);
    expect(statements.filter((statement) => SQLITE_ONLY.test(statement))).toEqual([]);
    expect(statements.some((s) => s.includes('on conflict ("org", "name") do nothing'))).toBe(true);
    expect(statements.some((s) => /like \$\d+ escape '!'/.test(s))).toBe(true);
    expect(statements.some((s) => s.includes('"bundle_size" bigint not null'))).toBe(true);
  });
});
