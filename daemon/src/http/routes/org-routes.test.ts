import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '@mcphub/registry';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { rbacAuthorizer } from '../../auth/rbac-authorizer.js';
import { defaultConfig } from '../../config/schema.js';
import { type HubDb, migrateTo, openSqliteDatabase } from '../../db/database.js';
import { hubMigrations } from '../../db/migrations/index.js';
import { packDirectory } from '../../ingest/pack-directory.js';
import { Submissions } from '../../ingest/submissions.js';
import { JobStore } from '../../jobs/job-store.js';
import { hashToken, loadOrCreateAdminToken, loadOrCreateSigningKey } from '../../keys/signing-key.js';
import { createLogger } from '../../logger.js';
import { bootstrapOrganizations, OrgDirectory } from '../../orgs/org-directory.js';
import { PLANS } from '../../orgs/plans.js';
import type { Role } from '../../orgs/roles.js';
import { UsageMeter, type UsageMeterOptions } from '../../orgs/usage.js';
import { SOURCES_BUCKET } from '../../pipeline/messages.js';
import { ensureAdminToken } from '../../tokens/token-service.js';
import { buildHubApp } from '../hub-app.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A hub app on a temp home with the real database, migrations, bootstrap, object store and ingest. */
async function orgHub(meterOptions: UsageMeterOptions = {}) {
  const home = mkdtempSync(join(tmpdir(), 'mcphub-orgs-'));
  const config = defaultConfig(home);
  const db: HubDb = openSqliteDatabase(home);
  await migrateTo(db, 'hub_migrations', hubMigrations);
  await ensureAdminToken(db, home);
  await bootstrapOrganizations(db);
  const admin = loadOrCreateAdminToken(home).secret;
  const store = new FsObjectStore({ root: join(home, 'objects') });
  await store.ensureBucket(SOURCES_BUCKET);
  const jobs = new JobStore(db);
  const meter = new UsageMeter(db, meterOptions);
  const authorizer = rbacAuthorizer(db);
  const submissions = new Submissions({
    jobs,
    store,
    dispatch: async () => undefined,
    limits: { maxSourceBytes: config.hub.maxSourceBytes },
    quota: meter,
  });
  const app: FastifyInstance = await buildHubApp({
    config,
    db,
    signingKey: await loadOrCreateSigningKey(home),
    logger: createLogger('silent'),
    registryUrl: 'http://127.0.0.1:9',
    pipeline: { jobs, submissions, store, authorizer },
    orgs: { directory: new OrgDirectory(db), authorizer, meter },
  });

  const call = (token: string, method: Method, url: string, body?: unknown) =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });

  async function ok(token: string, method: Method, url: string, body?: unknown) {
    const res = await call(token, method, url, body);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.statusCode === 204 ? null : res.json();
  }

  /** An organization created by the hub admin (who owns it). */
  const org = (name: string, plan = 'free') => ok(admin, 'POST', '/api/v1/orgs', { name, plan });

  /** A user with these memberships and a token (default scopes unless given); returns the token secret. */
  async function user(
    name: string,
    roles: Record<string, Role>,
    token: { scope?: string[]; resource?: string[] } = {},
  ) {
    await ok(admin, 'POST', '/api/v1/users', { name });
    for (const [o, role] of Object.entries(roles))
      await ok(admin, 'POST', `/api/v1/orgs/${o}/members`, { user: name, role });
    const created = await ok(admin, 'POST', '/api/v1/tokens/api', {
      name: `${name}-token`,
      user: name,
      ...token,
    });
    return created.secret as string;
  }

  /** A multipart upload of a small, unique source tree, as `mcphub push` sends it. */
  async function push(token: string, name: string, version = '1.0.0') {
    const dir = mkdtempSync(join(tmpdir(), 'mcphub-orgs-src-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: name.replace('/', '-'), version }));
    writeFileSync(join(dir, 'src/index.js'), `// ${randomBytes(8).toString('hex')}\n`);
    const { bytes } = await packDirectory(dir);
    const boundary = `----mcphub${randomBytes(8).toString('hex')}`;
    const field = (k: string, v: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
    const payload = Buffer.concat([
      Buffer.from(field('name', name) + field('version', version)),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="source"; filename="source.tar.gz"\r\nContent-Type: application/gzip\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return app.inject({
      method: 'POST',
      url: '/api/v1/servers',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      payload,
    });
  }

  async function sourceKeys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const info of store.list(SOURCES_BUCKET, '')) keys.push(info.key);
    return keys;
  }

  const close = async () => {
    await app.close();
    await db.destroy();
  };
  return { home, db, app, admin, meter, jobs, call, ok, org, user, push, sourceKeys, close };
}

type Hub = Awaited<ReturnType<typeof orgHub>>;
let hub: Hub | null = null;
const open = async (options?: UsageMeterOptions) => {
  hub = await orgHub(options);
  return hub;
};
afterEach(async () => {
  await hub?.close();
  hub = null;
});

describe('bootstrap', () => {
  it('starts with a local organization on the unlimited plan owned by the admin user, whom the admin token stands for', async () => {
    const h = await open();
    const me = await h.ok(h.admin, 'GET', '/api/v1/me');
    expect(me).toMatchObject({
      user: { name: 'admin', hubAdmin: true },
      hubAdmin: true,
      memberships: [{ org: 'local', role: 'owner' }],
    });
    const local = await h.ok(h.admin, 'GET', '/api/v1/orgs/local');
    expect(local).toMatchObject({
      name: 'local',
      plan: 'unlimited',
      role: 'owner',
      usage: { scan: { used: 0, limit: null } },
    });
    await bootstrapOrganizations(h.db);
    await bootstrapOrganizations(h.db);
    expect((await h.ok(h.admin, 'GET', '/api/v1/users')).users).toHaveLength(1);
    expect((await h.ok(h.admin, 'GET', '/api/v1/orgs')).orgs).toEqual([
      expect.objectContaining({ name: 'local' }),
    ]);
  });

  it('documents the new routes in OpenAPI', async () => {
    const h = await open();
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/orgs',
        '/api/v1/orgs/{org}',
        '/api/v1/orgs/{org}/members',
        '/api/v1/users',
        '/api/v1/tokens/api',
        '/api/v1/me',
      ]),
    );
  });
});

describe('RBAC', () => {
  it('a viewer can read but cannot push (privilege escalation by role)', async () => {
    const h = await open();
    await h.org('acme');
    const vera = await h.user('vera', { acme: 'viewer' });
    const pushed = await h.push(h.admin, 'acme/files');
    expect(pushed.statusCode).toBe(202);
    const list = await h.ok(vera, 'GET', '/api/v1/jobs');
    expect(list.jobs.map((j: { name: string }) => j.name)).toEqual(['acme/files']);
    expect((await h.call(vera, 'GET', `/api/v1/jobs/${pushed.json().id}`)).statusCode).toBe(200);

    const refused = await h.push(vera, 'acme/files', '2.0.0');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'HUB_ERR_FORBIDDEN', statusCode: 403 });
    expect(refused.json().message).toMatch(/viewer of acme/);
    expect(await h.jobs.list()).toHaveLength(1);
  });

  it('a member of acme cannot push into another organization (cross-tenant write)', async () => {
    const h = await open();
    await h.org('acme');
    await h.org('other');
    const mia = await h.user('mia', { acme: 'member' });
    expect((await h.push(mia, 'acme/files')).statusCode).toBe(202);
    const refused = await h.push(mia, 'other/files');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({
      code: 'HUB_ERR_FORBIDDEN',
      message: 'mia is not a member of other',
    });
    // Nor into an organization that does not exist yet (no implicit creation by pushing).
    expect((await h.push(mia, 'newco/files')).statusCode).toBe(403);
    expect((await h.jobs.list()).map((j) => j.org)).toEqual(['acme']);
    expect((await h.ok(mia, 'GET', '/api/v1/jobs')).jobs[0].createdBy).toBe('mia');
  });

  it("a member of acme cannot see another organization's jobs, servers or usage (cross-tenant read)", async () => {
    const h = await open();
    await h.org('acme');
    await h.org('other');
    const mia = await h.user('mia', { acme: 'member' });
    await h.push(mia, 'acme/files');
    const secret = (await h.push(h.admin, 'other/secret')).json();

    const jobs = await h.ok(mia, 'GET', '/api/v1/jobs');
    expect(jobs.jobs.map((j: { name: string }) => j.name)).toEqual(['acme/files']);
    expect(jobs.counts).toEqual({ QUEUED: 1 });
    expect((await h.ok(mia, 'GET', '/api/v1/jobs?name=other/secret')).jobs).toEqual([]);
    expect((await h.ok(mia, 'GET', '/api/v1/servers')).servers.map((s: { name: string }) => s.name)).toEqual([
      'acme/files',
    ]);
    expect((await h.call(mia, 'GET', `/api/v1/jobs/${secret.id}`)).json()).toMatchObject({
      code: 'HUB_ERR_FORBIDDEN',
    });
    expect((await h.call(mia, 'GET', `/api/v1/jobs/${secret.id}/report`)).statusCode).toBe(403);
    expect((await h.call(mia, 'GET', '/api/v1/orgs/other')).statusCode).toBe(403);
    expect((await h.call(mia, 'GET', '/api/v1/orgs/other/members')).statusCode).toBe(403);
    expect((await h.ok(mia, 'GET', '/api/v1/orgs')).orgs.map((o: { name: string }) => o.name)).toEqual([
      'acme',
    ]);
    // The hub admin sees everything.
    expect((await h.ok(h.admin, 'GET', '/api/v1/jobs')).jobs).toHaveLength(2);
  });

  it('an org admin can add members; a member cannot (privilege escalation through membership)', async () => {
    const h = await open();
    await h.org('acme');
    await h.org('other');
    const ada = await h.user('ada', { acme: 'admin' });
    const mia = await h.user('mia', { acme: 'member' });
    await h.ok(h.admin, 'POST', '/api/v1/users', { name: 'bob' });

    const added = await h.call(ada, 'POST', '/api/v1/orgs/acme/members', { user: 'bob', role: 'member' });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ user: 'bob', role: 'member' });
    const members = await h.ok(mia, 'GET', '/api/v1/orgs/acme/members');
    expect(members.members.map((m: { user: string; role: string }) => `${m.user}:${m.role}`)).toEqual([
      'ada:admin',
      'admin:owner',
      'bob:member',
      'mia:member',
    ]);

    expect(
      (await h.call(mia, 'POST', '/api/v1/orgs/acme/members', { user: 'mia', role: 'admin' })).json(),
    ).toMatchObject({
      code: 'HUB_ERR_FORBIDDEN',
    });
    expect((await h.call(mia, 'DELETE', '/api/v1/orgs/acme/members/bob')).statusCode).toBe(403);
    // An admin cannot make themselves owner, nor manage another organization.
    expect(
      (await h.call(ada, 'POST', '/api/v1/orgs/acme/members', { user: 'ada', role: 'owner' })).statusCode,
    ).toBe(403);
    expect(
      (await h.call(ada, 'POST', '/api/v1/orgs/other/members', { user: 'bob', role: 'admin' })).statusCode,
    ).toBe(403);
    // Only the hub admin changes plans, and only the hub admin lists users.
    expect((await h.call(ada, 'PATCH', '/api/v1/orgs/acme', { plan: 'unlimited' })).statusCode).toBe(403);
    expect((await h.call(ada, 'GET', '/api/v1/users')).statusCode).toBe(403);

    expect((await h.call(ada, 'DELETE', '/api/v1/orgs/acme/members/bob')).statusCode).toBe(204);
    expect((await h.call(ada, 'DELETE', '/api/v1/orgs/acme/members/admin')).statusCode).toBe(403);
    const lastOwner = await h.call(h.admin, 'DELETE', '/api/v1/orgs/acme/members/admin');
    expect(lastOwner.json()).toMatchObject({ code: 'HUB_ERR_CONFLICT', statusCode: 409 });
  });

  it('a user creates an organization on the free plan and owns it, and cannot pick a plan', async () => {
    const h = await open();
    const uma = await h.user('uma', {});
    expect((await h.call(uma, 'POST', '/api/v1/orgs', { name: 'umaco', plan: 'unlimited' })).statusCode).toBe(
      403,
    );
    const created = await h.ok(uma, 'POST', '/api/v1/orgs', { name: 'umaco' });
    expect(created).toMatchObject({
      name: 'umaco',
      plan: 'free',
      role: 'owner',
      usage: { scan: { used: 0, limit: 100 } },
    });
    expect((await h.call(uma, 'POST', '/api/v1/orgs', { name: 'umaco' })).json()).toMatchObject({
      code: 'HUB_ERR_CONFLICT',
    });
    expect((await h.call(uma, 'POST', '/api/v1/orgs', { name: 'Bad Name' })).json()).toMatchObject({
      code: 'HUB_ERR_VALIDATION',
    });
    expect((await h.push(uma, 'umaco/tool')).statusCode).toBe(202);
  });
});

describe('organization names', () => {
  it('a user cannot claim an organization name that already has servers (namespace takeover)', async () => {
    const h = await open();
    expect((await h.push(h.admin, 'acme/files')).statusCode).toBe(202);
    const mallory = await h.user('mallory', {});
    const claim = await h.call(mallory, 'POST', '/api/v1/orgs', { name: 'acme' });
    expect(claim.json()).toMatchObject({ code: 'HUB_ERR_CONFLICT', statusCode: 409 });
    expect((await h.ok(mallory, 'GET', '/api/v1/jobs')).jobs).toEqual([]);
    // The hub admin may register it (and choose who owns it).
    await h.ok(h.admin, 'POST', '/api/v1/orgs', { name: 'acme', owner: 'admin' });
  });

  it('only an owner deletes an organization, and not while it has servers', async () => {
    const h = await open();
    await h.org('acme');
    await h.org('busy');
    const ada = await h.user('ada', { acme: 'admin', busy: 'owner' });
    await h.push(ada, 'busy/files');
    expect((await h.call(ada, 'DELETE', '/api/v1/orgs/acme')).statusCode).toBe(403);
    expect((await h.call(ada, 'DELETE', '/api/v1/orgs/busy')).json()).toMatchObject({
      code: 'HUB_ERR_CONFLICT',
    });
    expect((await h.call(h.admin, 'DELETE', '/api/v1/orgs/local')).json()).toMatchObject({
      code: 'HUB_ERR_VALIDATION',
    });
    expect((await h.call(h.admin, 'DELETE', '/api/v1/orgs/acme')).statusCode).toBe(204);
    expect((await h.call(h.admin, 'GET', '/api/v1/orgs/acme')).statusCode).toBe(404);
    expect((await h.ok(ada, 'GET', '/api/v1/me')).memberships).toEqual([{ org: 'busy', role: 'owner' }]);
  });
});

describe('hub API tokens', () => {
  it('a revoked token is refused (401)', async () => {
    const h = await open();
    await h.org('acme');
    const mia = await h.user('mia', { acme: 'member' });
    const spare = await h.ok(mia, 'POST', '/api/v1/tokens/api', { name: 'laptop' });
    expect((await h.call(spare.secret, 'GET', '/api/v1/me')).statusCode).toBe(200);
    expect((await h.call(mia, 'DELETE', `/api/v1/tokens/api/${spare.id}`)).statusCode).toBe(204);
    const refused = await h.call(spare.secret, 'GET', '/api/v1/me');
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ code: 'HUB_ERR_UNAUTHENTICATED' });
    expect((await h.push(spare.secret, 'acme/files')).statusCode).toBe(401);
    const listed = await h.ok(mia, 'GET', '/api/v1/tokens/api');
    expect(listed.tokens.find((t: { id: string }) => t.id === spare.id).revokedAt).toEqual(
      expect.any(String),
    );
  });

  it('tokens are stored hashed: the secret never appears in the database', async () => {
    const h = await open();
    const mia = await h.user('mia', {});
    const row = await h.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', hashToken(mia))
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(mia);
    await h.db.destroy().catch(() => undefined);
    for (const file of ['db.sqlite', 'db.sqlite-wal']) {
      const path = join(h.home, file);
      if (existsSync(path)) expect(readFileSync(path).includes(mia), file).toBe(false);
    }
    expect(readFileSync(join(h.home, 'db.sqlite')).includes(hashToken(mia))).toBe(true);
    await h.app.close();
    hub = null;
  });

  it('a token narrower than its user is held to its scopes and organizations', async () => {
    const h = await open();
    await h.org('acme');
    await h.org('beta');
    const readOnly = await h.user('mia', { acme: 'member', beta: 'member' }, { scope: ['hub:read'] });
    expect((await h.push(readOnly, 'acme/files')).json()).toMatchObject({ code: 'HUB_ERR_FORBIDDEN' });
    expect((await h.call(readOnly, 'GET', '/api/v1/jobs')).statusCode).toBe(200);
    const acmeOnly = (
      await h.ok(h.admin, 'POST', '/api/v1/tokens/api', { name: 'ci', user: 'mia', resource: ['acme/*'] })
    ).secret;
    expect((await h.push(acmeOnly, 'acme/files')).statusCode).toBe(202);
    expect((await h.push(acmeOnly, 'beta/files')).statusCode).toBe(403);
    expect((await h.ok(acmeOnly, 'GET', '/api/v1/orgs')).orgs.map((o: { name: string }) => o.name)).toEqual([
      'acme',
    ]);
    // Per-package resources would silently widen to the organization: refused.
    const perPackage = await h.call(h.admin, 'POST', '/api/v1/tokens/api', {
      name: 'x',
      user: 'mia',
      resource: ['acme/files'],
    });
    expect(perPackage.json()).toMatchObject({ code: 'HUB_ERR_VALIDATION' });
  });

  it('a user cannot mint a token broader than their own or for someone else (privilege escalation through tokens)', async () => {
    const h = await open();
    await h.org('acme');
    const readOnly = await h.user('rita', { acme: 'member' }, { scope: ['hub:read'] });
    expect(
      (await h.call(readOnly, 'POST', '/api/v1/tokens/api', { name: 'x', scope: ['hub:push'] })).statusCode,
    ).toBe(403);
    const mia = await h.user('mia', { acme: 'member' });
    expect(
      (await h.call(mia, 'POST', '/api/v1/tokens/api', { name: 'x', scope: ['hub:*'] })).json(),
    ).toMatchObject({
      code: 'HUB_ERR_FORBIDDEN',
    });
    expect((await h.call(mia, 'POST', '/api/v1/tokens/api', { name: 'x', user: 'rita' })).statusCode).toBe(
      403,
    );
    expect(
      (await h.call(mia, 'POST', '/api/v1/tokens', { scope: ['registry:admin'], resource: ['*'] }))
        .statusCode,
    ).toBe(403);
    // A user token never makes its holder a hub admin, whatever it asks for.
    expect(await h.ok(mia, 'GET', '/api/v1/me')).toMatchObject({ hubAdmin: false });
    // An org admin may issue a token to a member, limited to the organization.
    const ada = await h.user('ada', { acme: 'admin' });
    expect((await h.call(ada, 'POST', '/api/v1/tokens/api', { name: 'x', user: 'mia' })).statusCode).toBe(
      403,
    );
    const issued = await h.call(ada, 'POST', '/api/v1/tokens/api', {
      name: 'ci',
      user: 'mia',
      resource: ['acme/*'],
    });
    expect(issued.statusCode).toBe(201);
    expect(issued.json()).toMatchObject({ user: 'mia', resources: ['acme/*'] });
  });

  it('an expired token is refused (401)', async () => {
    const h = await open();
    await h.ok(h.admin, 'POST', '/api/v1/users', { name: 'mia' });
    const short = await h.ok(h.admin, 'POST', '/api/v1/tokens/api', {
      name: 'short',
      user: 'mia',
      ttl: '1s',
    });
    expect(short.expiresAt).toEqual(expect.any(String));
    expect((await h.call(short.secret, 'GET', '/api/v1/me')).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await h.call(short.secret, 'GET', '/api/v1/me')).json()).toMatchObject({
      code: 'HUB_ERR_UNAUTHENTICATED',
    });
  });

  it("a disabled user's tokens stop working", async () => {
    const h = await open();
    const mia = await h.user('mia', {});
    await h.ok(h.admin, 'PATCH', '/api/v1/users/mia', { disabled: true });
    expect((await h.call(mia, 'GET', '/api/v1/me')).statusCode).toBe(401);
    await h.ok(h.admin, 'PATCH', '/api/v1/users/mia', { disabled: false });
    expect((await h.call(mia, 'GET', '/api/v1/me')).statusCode).toBe(200);
  });
});

describe('quotas', () => {
  it('a free-plan org past its scan quota gets 429 HUB_ERR_QUOTA_EXCEEDED and nothing is stored', async () => {
    const h = await open();
    await h.org('acme', 'free');
    const mia = await h.user('mia', { acme: 'member' });
    const first = await h.push(mia, 'acme/files', '1.0.0');
    expect(first.statusCode).toBe(202);
    const detail = await h.ok(mia, 'GET', '/api/v1/orgs/acme');
    expect(detail.usage.scan).toEqual({ used: 1, limit: 100 });
    expect(detail.usage.bytes_stored).toEqual({
      used: first.json().source.bytes,
      limit: PLANS.free.bytes_stored,
    });

    await h.meter.recordUsage('acme', 'scan', 99, 'test: the rest of the month');
    const jobsBefore = await h.jobs.list();
    const keysBefore = await h.sourceKeys();
    const usageBefore = await h.db.selectFrom('usage_events').selectAll().execute();

    const refused = await h.push(mia, 'acme/files', '1.1.0');
    expect(refused.statusCode).toBe(429);
    const body = refused.json();
    expect(body).toMatchObject({ code: 'HUB_ERR_QUOTA_EXCEEDED', statusCode: 429 });
    expect(body.message).toMatch(/acme used 100 of 100 scans per month on the free plan/);
    expect(body.message).toMatch(/resets at \d{4}-\d{2}-01T00:00:00.000Z/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    expect(await h.jobs.list()).toEqual(jobsBefore);
    expect(await h.sourceKeys()).toEqual(keysBefore);
    expect(await h.db.selectFrom('usage_events').selectAll().execute()).toEqual(usageBefore);
    // Other organizations are not affected.
    expect((await h.push(h.admin, 'local/files')).statusCode).toBe(202);
  });

  it('a plan without runs gets 402 HUB_ERR_PAYMENT_REQUIRED', async () => {
    const h = await open({
      plans: { ...PLANS, 'registry-only': { scan: 10, bytes_stored: 1024 ** 3, run: 0 } },
    });
    await h.org('acme');
    const mia = await h.user('mia', { acme: 'member' });
    expect((await h.ok(mia, 'POST', '/api/v1/orgs/acme/runs', { ref: 'run-1' })).run).toEqual({
      used: 1,
      limit: 1000,
    });
    await h.ok(h.admin, 'PATCH', '/api/v1/orgs/acme', { plan: 'registry-only' });
    const refused = await h.call(mia, 'POST', '/api/v1/orgs/acme/runs', {});
    expect(refused.statusCode).toBe(402);
    expect(refused.json()).toMatchObject({ code: 'HUB_ERR_PAYMENT_REQUIRED', statusCode: 402 });
    expect(refused.json().message).toMatch(/registry-only plan of acme does not include runs/);
    expect((await h.call(h.admin, 'PATCH', '/api/v1/orgs/acme', { plan: 'gold' })).json()).toMatchObject({
      code: 'HUB_ERR_VALIDATION',
    });
  });
});
