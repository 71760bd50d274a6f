import { migrateRegistry } from '@mcphub/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRegistryFixture,
  makeBundle,
  makeManifest,
  publish,
  publishParts,
  type RegistryFixture,
} from '../../../registry/src/registry.fixture.js';
import { type JobState, JobStore, type NewJob } from '../jobs/job-store.js';
import { bootstrapOrganizations, OrgDirectory } from '../orgs/org-directory.js';
import { UsageMeter } from '../orgs/usage.js';
import { authenticate } from '../tokens/token-service.js';
import { type HubDb, migrateTo } from './database.js';
import { hubMigrations } from './migrations/index.js';

export interface DatabaseHarness {
  /** A fresh, empty database (its own file, or its own PostgreSQL schema). */
  open(): Promise<HubDb>;
  /**
   * A second, independent handle (its own connections) on the database `open` returned, as a
   * second hub replica would have. Adapters that cannot have two writers return the same handle.
   */
  openSecond(db: HubDb): Promise<HubDb>;
  /** Drops what `open` created. */
  cleanup(): Promise<void>;
}

const HUB_MIGRATIONS = Object.keys(hubMigrations);

const newJob = (over: Partial<NewJob> = {}): NewJob => ({
  org: 'acme',
  name: 'files',
  version: '1.0.0',
  sourceKind: 'upload',
  sourceKey: 'sha256/abc.tar.gz',
  sourceDigest: `sha256:${'a'.repeat(64)}`,
  sourceBytes: 5_000_000_000, // beyond 32 bits: a bigint column must round-trip as a number
  options: { mode: 'fast' },
  createdBy: 'tester',
  ...over,
});

/** The one suite every Database adapter passes (embedded SQLite, PostgreSQL), on the real stores. */
export function describeDatabaseContract(name: string, makeHarness: () => Promise<DatabaseHarness>): void {
  describe(`Database contract: ${name}`, () => {
    let harness: DatabaseHarness;
    let db: HubDb;
    let second: HubDb;

    beforeAll(async () => {
      harness = await makeHarness();
      db = await harness.open();
      second = await harness.openSecond(db);
    });
    afterAll(async () => {
      if (second && second !== db) await second.destroy();
      await db?.destroy();
      await harness?.cleanup();
    });

    it('migrates an empty database, and a second run (from a second replica, at once) is a no-op', async () => {
      const [a, b] = await Promise.all([
        migrateTo(db, 'hub_migrations', hubMigrations),
        migrateTo(second, 'hub_migrations', hubMigrations),
      ]);
      // Two replicas starting together: the migration lock lets exactly one apply each migration.
      expect([...a, ...b].sort()).toEqual(HUB_MIGRATIONS);
      expect(await migrateTo(db, 'hub_migrations', hubMigrations)).toEqual([]);
      const reg = await Promise.all([migrateRegistry(db), migrateRegistry(second)]);
      const applied = reg.flatMap((r) => (r.results ?? []).filter((x) => x.status === 'Success'));
      expect(applied.map((x) => x.migrationName)).toEqual(['0001_registry_index']);
      expect((await migrateRegistry(db)).results).toEqual([]);
      const tables = (await db.introspection.getTables()).map((t) => t.name);
      expect(tables).toEqual(
        expect.arrayContaining(['jobs', 'job_history', 'job_leases', 'api_tokens', 'usage_events']),
      );
      expect(tables).toEqual(expect.arrayContaining(['registry_packages', 'registry_versions']));
    });

    it('refuses a database migrated by a newer build, and changes nothing', async () => {
      await db
        .insertInto('hub_migrations' as never)
        .values({ name: '9999-from-the-future', timestamp: new Date().toISOString() } as never)
        .execute();
      try {
        await expect(migrateTo(second, 'hub_migrations', hubMigrations)).rejects.toMatchObject({
          code: 'HUB_ERR_DB_NEWER_THAN_APP',
        });
      } finally {
        await db
          .deleteFrom('hub_migrations' as never)
          .where('name' as never, '=', '9999-from-the-future' as never)
          .execute();
      }
      expect(await migrateTo(db, 'hub_migrations', hubMigrations)).toEqual([]);
    });

    it('moves a job through its states, refuses illegal moves, and keeps the history in order', async () => {
      const jobs = new JobStore(db);
      const job = await jobs.create(newJob());
      expect(job.state).toBe('QUEUED');
      const read = await jobs.get(job.id);
      expect(read?.source_bytes).toBe(5_000_000_000);
      const path: JobState[] = ['DISPATCHED', 'ANALYZING', 'ANALYZED', 'SCORED', 'CERTIFIED', 'PUBLISHED'];
      let from: JobState = 'QUEUED';
      for (const to of path) {
        const moved = await jobs.transition(job.id, [from], to, 'tester', `to ${to}`, {
          ...(to === 'CERTIFIED' ? { level: 2 } : {}),
        });
        expect(moved?.state).toBe(to);
        from = to;
      }
      expect(await jobs.transition(job.id, ['CERTIFIED'], 'PUBLISHED', 'tester', 'again')).toBeNull();
      await expect(jobs.transition(job.id, ['PUBLISHED'], 'FAILED', 'tester', null)).rejects.toThrow(
        /illegal job transition/,
      );
      const history = await jobs.history(job.id);
      expect(history.map((h) => h.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(history.map((h) => h.to_state)).toEqual(['QUEUED', ...path]);
      expect(history.map((h) => h.from_state)).toEqual([null, 'QUEUED', ...path.slice(0, -1)]);
      const done = await jobs.get(job.id);
      expect(done?.level).toBe(2);
      expect(await jobs.list({ state: 'PUBLISHED', org: 'acme' })).toEqual([
        expect.objectContaining({ id: job.id }),
      ]);
      expect((await jobs.countByState(['acme'])).PUBLISHED).toBeGreaterThanOrEqual(1);
    });

    it('two replicas racing to move the same job: exactly one wins, one history row is written', async () => {
      const a = new JobStore(db);
      const b = new JobStore(second);
      for (let round = 0; round < 10; round++) {
        const job = await a.create(newJob({ version: `2.0.${round}` }));
        await a.transition(job.id, ['QUEUED'], 'DISPATCHED', 'tester', null);
        const results = await Promise.all([
          a.transition(job.id, ['DISPATCHED', 'ANALYZING'], 'ANALYZED', 'replica-a', null, {
            result_key: 'a',
          }),
          b.transition(job.id, ['DISPATCHED', 'ANALYZING'], 'ANALYZED', 'replica-b', null, {
            result_key: 'b',
          }),
          b.transition(job.id, ['DISPATCHED'], 'FAILED', 'replica-b', null),
        ]);
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        const history = await a.history(job.id);
        expect(history.map((h) => h.seq)).toEqual([1, 2, 3]);
        const winner = results.find((r) => r !== null)!;
        expect(history[2]!.to_state).toBe(winner.state);
        expect((await a.get(job.id))?.result_key ?? null).toBe(winner.result_key);
      }
    });

    it('two replicas creating a job for the same version at once: one job, the other refused (HUB_ERR_VERSION_EXISTS)', async () => {
      const results = await Promise.allSettled([
        new JobStore(db).create(newJob({ version: '5.0.0' })),
        new JobStore(second).create(newJob({ version: '5.0.0' })),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: 'HUB_ERR_VERSION_EXISTS' });
      const jobs = new JobStore(db);
      const live = (await jobs.list({ org: 'acme', name: 'files', limit: 100 })).filter(
        (j) => j.version === '5.0.0',
      );
      expect(live).toHaveLength(1);
      // Once that job has FAILED the version may be submitted again.
      await jobs.transition(live[0]!.id, ['QUEUED'], 'FAILED', 'tester', 'test');
      await expect(jobs.create(newJob({ version: '5.0.0' }))).resolves.toMatchObject({ state: 'QUEUED' });
    });

    it('a job lease has one holder at a time, across replicas, until it expires or is released', async () => {
      const a = new JobStore(db);
      const b = new JobStore(second);
      const job = await a.create(newJob({ version: '3.0.0' }));
      for (let round = 0; round < 10; round++) {
        const won = await Promise.all([
          a.claim(job.id, `a${round}`, 60_000),
          b.claim(job.id, `b${round}`, 60_000),
          b.claim(job.id, `c${round}`, 60_000),
        ]);
        expect(won.filter(Boolean)).toHaveLength(1);
        const holder = [`a${round}`, `b${round}`, `c${round}`][won.indexOf(true)]!;
        expect(await a.claim(job.id, holder, 60_000)).toBe(true); // renewal
        await b.release(job.id, 'not-the-holder');
        expect(await a.claim(job.id, 'someone-else', 60_000)).toBe(false);
        await a.release(job.id, holder);
      }
      expect(await a.claim(job.id, 'short', 1)).toBe(true);
      await new Promise((r) => setTimeout(r, 20));
      expect(await b.claim(job.id, 'after-expiry', 60_000)).toBe(true);
    });

    it('a replica follows the transitions another replica writes, each once, not its own', async () => {
      const a = new JobStore(db);
      const b = new JobStore(second);
      const seen: string[] = [];
      // (It also looks a second back: earlier tests' jobs may show up; only 4.0.x is this test's.)
      b.events.on('replicated', (t) => t.version.startsWith('4.0.') && seen.push(`${t.version} ${t.to}`));
      const stop = b.followReplicas(20);
      try {
        const job = await a.create(newJob({ version: '4.0.0' }));
        await a.transition(job.id, ['QUEUED'], 'DISPATCHED', 'replica-a', null);
        const own = await b.create(newJob({ version: '4.0.1' }));
        await b.transition(own.id, ['QUEUED'], 'FAILED', 'replica-b', null);
        await a.transition(job.id, ['DISPATCHED'], 'REJECTED', 'replica-a', null);
        const end = Date.now() + 10_000;
        while (seen.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 200)); // a few more polls: nothing twice
        expect(seen).toEqual(['4.0.0 QUEUED', '4.0.0 DISPATCHED', '4.0.0 REJECTED']);
      } finally {
        stop();
      }
    });

    it('creates, verifies and revokes API tokens; organizations, members and usage', async () => {
      // Two replicas starting at once both bootstrap; then a restart does it again (idempotent).
      await Promise.all([bootstrapOrganizations(db), bootstrapOrganizations(second)]);
      await bootstrapOrganizations(second);
      const dir = new OrgDirectory(db);
      const user = await dir.createUser({ name: 'alice', hubAdmin: false });
      await expect(dir.createUser({ name: 'alice' })).rejects.toMatchObject({ code: 'HUB_ERR_CONFLICT' });
      await dir.createOrg({ name: 'acme', plan: 'free', ownerId: user.id });
      await expect(dir.createOrg({ name: 'acme', plan: 'free', ownerId: null })).rejects.toMatchObject({
        code: 'HUB_ERR_CONFLICT',
      });
      expect(await new OrgDirectory(second).roleOf(user.id, 'acme')).toBe('owner');
      expect((await dir.userByName('alice'))?.hub_admin).toBe(0);

      const { token, secret } = await dir.createToken({
        userId: user.id,
        name: 'ci',
        scopes: ['registry:publish'],
        resources: ['acme/*'],
        expiresAt: null,
      });
      // Verified through the other replica: tokens are shared state.
      expect(await authenticate(second, `Bearer ${secret}`)).toMatchObject({
        id: token.id,
        userId: user.id,
        scopes: ['registry:publish'],
      });
      await dir.revokeToken(token.id);
      expect(await authenticate(second, `Bearer ${secret}`)).toBeNull();
      expect(await authenticate(db, 'Bearer not-a-token')).toBeNull();

      const meter = new UsageMeter(db);
      await meter.recordUsage('acme', 'scan', 3, 'job-1');
      await new UsageMeter(second).recordUsage('acme', 'bytes_stored', 4_000_000_000, 'src');
      expect(await meter.used('acme', 'scan')).toBe(3);
      expect(await meter.used('acme', 'bytes_stored')).toBe(4_000_000_000);
      await expect(meter.assertQuota('acme', 'scan', 98)).rejects.toMatchObject({
        code: 'HUB_ERR_QUOTA_EXCEEDED',
      });
      await expect(meter.assertQuota('acme', 'scan', 97)).resolves.toBeUndefined();

      // Reservations at the edge of the limit, from both replicas at once: 97 scans are left, so
      // exactly two of four 40-scan reservations fit (a check-then-record would let all four pass).
      const attempts = await Promise.allSettled(
        [db, second, db, second].map((d) => new UsageMeter(d).reserve('acme', { scan: 40 })),
      );
      const held = attempts.filter((a) => a.status === 'fulfilled').map((a) => a.value);
      expect(held).toHaveLength(2);
      for (const a of attempts.filter((a) => a.status === 'rejected'))
        expect(a.reason).toMatchObject({ code: 'HUB_ERR_QUOTA_EXCEEDED' });
      expect(await meter.used('acme', 'scan')).toBe(83);
      await held[0]!.attach('job-2');
      await held[1]!.release();
      expect(await meter.used('acme', 'scan')).toBe(43);
      // A reservation of several kinds is all or nothing: the scan that fits is given back.
      await expect(meter.reserve('acme', { scan: 1, bytes_stored: 10 * 1024 ** 3 })).rejects.toMatchObject({
        code: 'HUB_ERR_QUOTA_EXCEEDED',
      });
      expect(await meter.used('acme', 'scan')).toBe(43);
    });

    describe('the registry index, through the registry plugin', () => {
      let fx: RegistryFixture;
      beforeAll(async () => {
        fx = await createRegistryFixture({ db });
      });
      afterAll(async () => {
        await fx?.close();
      });

      it('publishes (201), re-publishes identically (200), resolves and changes status', async () => {
        const bundle = makeBundle('contract bundle');
        const manifest = makeManifest('acme/files', '1.0.0', bundle);
        expect((await publish(fx, publishParts(manifest, bundle))).statusCode).toBe(201);
        expect((await publish(fx, publishParts(manifest, bundle))).statusCode).toBe(200);
        const other = makeBundle('other bytes');
        expect(
          (await publish(fx, publishParts(makeManifest('acme/files', '1.0.0', other), other))).statusCode,
        ).toBe(409);
        const newer = makeBundle('newer');
        expect(
          (await publish(fx, publishParts(makeManifest('acme/files', '1.1.0', newer), newer))).statusCode,
        ).toBe(201);
        const resolved = await fx.app.inject({ method: 'GET', url: '/v1/resolve/acme/files/latest' });
        expect(resolved.json()).toMatchObject({ version: '1.1.0' });
        const admin = await fx.token({ scope: ['registry:admin'], resource: ['acme/*'] });
        const yanked = await fx.app.inject({
          method: 'PATCH',
          url: '/v1/packages/acme/files/1.1.0/status',
          payload: { status: 'yanked', reason: 'broken' },
          headers: { authorization: `Bearer ${admin}` },
        });
        expect(yanked.statusCode).toBe(200);
        const after = await fx.app.inject({ method: 'GET', url: '/v1/resolve/acme/files/latest' });
        expect(after.json()).toMatchObject({ version: '1.0.0' });
        const listing = (await fx.app.inject({ method: 'GET', url: '/v1/packages?q=fil' })).json();
        expect(JSON.stringify(listing)).toContain('acme/files');
        const detail = (await fx.app.inject({ method: 'GET', url: '/v1/packages/acme/files' })).json();
        expect(detail.versions.map((v: { bundle: { size: number } }) => typeof v.bundle.size)).toEqual([
          'number',
          'number',
        ]);
      });

      it('two concurrent publishes of one version: one 201, one 200, one row', async () => {
        const bundle = makeBundle('raced');
        const manifest = makeManifest('acme/raced', '1.0.0', bundle);
        const codes = await Promise.all([
          publish(fx, publishParts(manifest, bundle)),
          publish(fx, publishParts(manifest, bundle)),
        ]);
        expect(codes.map((c) => c.statusCode).sort()).toEqual([200, 201]);
        const rows = await db
          .selectFrom('registry_versions' as never)
          .selectAll()
          .where('name' as never, '=', 'raced' as never)
          .execute();
        expect(rows).toHaveLength(1);
      });
    });
  });
}
