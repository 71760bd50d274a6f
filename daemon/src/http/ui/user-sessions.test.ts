import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { rbacAuthorizer } from '../../auth/rbac-authorizer.js';
import { defaultConfig } from '../../config/schema.js';
import { type HubDb, migrateTo, openSqliteDatabase } from '../../db/database.js';
import { hubMigrations } from '../../db/migrations/index.js';
import { loadOrCreateAdminToken, loadOrCreateSigningKey } from '../../keys/signing-key.js';
import { createLogger } from '../../logger.js';
import { bootstrapOrganizations, OrgDirectory } from '../../orgs/org-directory.js';
import { UsageMeter } from '../../orgs/usage.js';
import { ensureAdminToken } from '../../tokens/token-service.js';
import { buildHubApp } from '../hub-app.js';
import { UiSessions } from './sessions.js';
import { SESSION_COOKIE } from './ui-plugin.js';

const open: { app: FastifyInstance; db: HubDb }[] = [];
afterEach(async () => {
  for (const { app, db } of open.splice(0)) {
    await app.close();
    await db.destroy();
  }
});

/** A hub with an organization `acme`, a viewer `vera` (hub:read) and a member `max` (hub:push). */
async function hub() {
  const home = mkdtempSync(join(tmpdir(), 'mcphub-ui-users-'));
  const config = defaultConfig(home);
  const db = openSqliteDatabase(home);
  await migrateTo(db, 'hub_migrations', hubMigrations);
  await ensureAdminToken(db, home);
  await bootstrapOrganizations(db);
  const authorizer = rbacAuthorizer(db);
  const prev = process.env.MCPHUB_UI_DIR;
  process.env.MCPHUB_UI_DIR = join(home, 'no-ui');
  const app = await buildHubApp({
    config,
    db,
    signingKey: await loadOrCreateSigningKey(home),
    logger: createLogger('silent'),
    registryUrl: 'http://127.0.0.1:9',
    orgs: { directory: new OrgDirectory(db), authorizer, meter: new UsageMeter(db) },
  });
  if (prev === undefined) delete process.env.MCPHUB_UI_DIR;
  else process.env.MCPHUB_UI_DIR = prev;
  open.push({ app, db });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const host = `127.0.0.1:${port}`;
  const admin = loadOrCreateAdminToken(home).secret;
  const as = (bearer: string, method: string, url: string, payload?: unknown) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: { host, authorization: `Bearer ${bearer}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  expect((await as(admin, 'POST', '/api/v1/orgs', { name: 'acme' })).statusCode).toBe(201);
  const tokens: Record<string, { id: string; secret: string }> = {};
  for (const [user, role, scope] of [
    ['vera', 'viewer', 'hub:read'],
    ['max', 'member', 'hub:push'],
  ] as const) {
    expect((await as(admin, 'POST', '/api/v1/users', { name: user })).statusCode).toBe(201);
    expect((await as(admin, 'POST', '/api/v1/orgs/acme/members', { user, role })).statusCode).toBe(201);
    const t = await as(admin, 'POST', '/api/v1/tokens/api', { name: `${user}-ui`, user, scope: [scope] });
    expect(t.statusCode).toBe(201);
    tokens[user] = t.json() as { id: string; secret: string };
  }
  /** Logs in with a link asked for with `bearer`; returns the session cookie. */
  const loginAs = async (bearer: string) => {
    const link = await as(bearer, 'POST', '/api/v1/ui/login-tokens');
    expect(link.statusCode).toBe(201);
    const res = await app.inject({ url: (link.json() as { path: string }).path, headers: { host } });
    expect(res.statusCode).toBe(303);
    return `${SESSION_COOKIE}=${/mcphub_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]}`;
  };
  /** A browser request with the cookie and a same-origin Origin. */
  const browser = (cookie: string, method: string, url: string, payload?: unknown) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: { host, cookie, origin: `http://${host}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  return { app, host, admin, tokens, as, loginAs, browser, home };
}

describe('per-user UI sessions', () => {
  it("a login link asked for with a user's token opens a session of that user, not the admin", async () => {
    const { tokens, loginAs, browser } = await hub();
    const cookie = await loginAs(tokens.vera!.secret);
    const who = await browser(cookie, 'GET', '/api/v1/ui/session');
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({
      name: 'vera',
      hubAdmin: false,
      viaSession: true,
      token: { scopes: ['hub:read'] },
      can: { read: ['acme'], push: [], moderate: [], manage: false, admin: false, run: false },
    });
    const max = await browser(await loginAs(tokens.max!.secret), 'GET', '/api/v1/ui/session');
    expect(max.json()).toMatchObject({ name: 'max', can: { push: ['acme'], moderate: [] } });
  });

  it("a read-only user's session cannot deprecate or revoke a version (privilege escalation through the UI)", async () => {
    const { tokens, loginAs, browser } = await hub();
    const cookie = await loginAs(tokens.vera!.secret);
    for (const status of ['deprecated', 'revoked']) {
      const res = await browser(cookie, 'PATCH', '/api/v1/ui/registry/packages/acme/notes/1.0.0/status', {
        status,
        reason: 'x',
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('HUB_ERR_FORBIDDEN');
    }
    // Nor administer the hub: settings, users, another user's token.
    expect((await browser(cookie, 'GET', '/api/v1/ui/settings')).json().code).toBe('HUB_ERR_FORBIDDEN');
    expect(
      (await browser(cookie, 'PUT', '/api/v1/ui/settings/registries', { registries: [] })).json().code,
    ).toBe('HUB_ERR_FORBIDDEN');
    expect((await browser(cookie, 'POST', '/api/v1/users', { name: 'eve' })).json().code).toBe(
      'HUB_ERR_FORBIDDEN',
    );
    expect((await browser(cookie, 'DELETE', `/api/v1/tokens/api/${tokens.max!.id}`)).statusCode).toBe(403);
  });

  it('a session never gains more than its token: a link asked for from the session is for the same user', async () => {
    const { tokens, loginAs, browser, app, host } = await hub();
    const cookie = await loginAs(tokens.vera!.secret);
    const link = await browser(cookie, 'POST', '/api/v1/ui/login-tokens');
    expect(link.statusCode).toBe(201);
    expect(link.json().principal).toBe('vera');
    const res = await app.inject({ url: link.json().path, headers: { host } });
    const second = `${SESSION_COOKIE}=${/mcphub_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]}`;
    expect((await browser(second, 'GET', '/api/v1/ui/session')).json()).toMatchObject({
      name: 'vera',
      hubAdmin: false,
    });
    // A token creation from the session cannot exceed hub:read either.
    const mint = await browser(cookie, 'POST', '/api/v1/tokens/api', { name: 'wider', scope: ['hub:push'] });
    expect(mint.statusCode).toBe(403);
  });

  it('a login link works once', async () => {
    const { tokens, as, app, host } = await hub();
    const { path } = (await as(tokens.max!.secret, 'POST', '/api/v1/ui/login-tokens')).json() as {
      path: string;
    };
    expect((await app.inject({ url: path, headers: { host } })).statusCode).toBe(303);
    const again = await app.inject({ url: path, headers: { host } });
    expect(again.statusCode).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('a login link expires, and so does a session', () => {
    let now = 1_000_000;
    const sessions = new UiSessions(
      () => 'admin-secret',
      () => now,
    );
    const link = sessions.issueLoginToken('user-secret', 60_000);
    now += 60_001;
    expect(sessions.login(link)).toBeNull();
    const fresh = sessions.issueLoginToken('user-secret', 60_000);
    const sid = sessions.login(fresh)!;
    expect(sessions.bearerOf(sid)).toBe('user-secret');
    now += 12 * 60 * 60 * 1000 + 1;
    expect(sessions.bearerOf(sid)).toBeNull();
    // The printed link (no bearer) stands for the admin.
    expect(sessions.bearerOf(sessions.login(sessions.issueLoginToken())!)).toBe('admin-secret');
  });

  it('revoking the token ends its sessions', async () => {
    const { tokens, loginAs, browser, as, admin } = await hub();
    const cookie = await loginAs(tokens.max!.secret);
    expect((await browser(cookie, 'GET', '/api/v1/ui/session')).statusCode).toBe(200);
    expect((await as(admin, 'DELETE', `/api/v1/tokens/api/${tokens.max!.id}`)).statusCode).toBe(204);
    const after = await browser(cookie, 'GET', '/api/v1/ui/session');
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('HUB_ERR_UNAUTHENTICATED');
  });

  it('the login form opens a session for a pasted token and refuses an unknown one', async () => {
    const { tokens, app, host, browser } = await hub();
    const form = await app.inject({ url: '/login', headers: { host } });
    expect(form.statusCode).toBe(200);
    expect(form.body).toMatch(/<label for="api-token">/);
    const post = (apiToken: string, origin = `http://${host}`) =>
      app.inject({
        method: 'POST',
        url: '/login',
        headers: { host, origin, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ apiToken }).toString(),
      });
    const bad = await post('not-a-token');
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['set-cookie']).toBeUndefined();
    // Login CSRF: a foreign page cannot sign the browser in as someone else.
    expect((await post(tokens.vera!.secret, 'https://attacker.example')).statusCode).toBe(403);
    const ok = await post(tokens.vera!.secret);
    expect(ok.statusCode).toBe(303);
    const cookie = `${SESSION_COOKIE}=${/mcphub_session=([^;]+)/.exec(String(ok.headers['set-cookie']))![1]}`;
    expect((await browser(cookie, 'GET', '/api/v1/ui/session')).json().name).toBe('vera');
  });
});

describe('login CSRF', () => {
  it('a login link opened from another site asks before signing in, and the same-origin confirmation spends it', async () => {
    const { tokens, as, app, host } = await hub();
    const { token, path } = (await as(tokens.max!.secret, 'POST', '/api/v1/ui/login-tokens')).json() as {
      token: string;
      path: string;
    };
    const fromAttacker = await app.inject({ url: path, headers: { host, 'sec-fetch-site': 'cross-site' } });
    expect(fromAttacker.statusCode).toBe(200);
    expect(fromAttacker.headers['set-cookie']).toBeUndefined();
    expect(fromAttacker.body).toMatch(/Sign in to MCP Hub\?/);
    // A foreign page cannot post the confirmation itself (Origin check).
    const forged = await app.inject({
      method: 'POST',
      url: '/login',
      headers: {
        host,
        origin: 'https://attacker.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: `loginToken=${token}`,
    });
    expect(forged.statusCode).toBe(403);
    const confirmed = await app.inject({
      method: 'POST',
      url: '/login',
      headers: { host, origin: `http://${host}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `loginToken=${token}`,
    });
    expect(confirmed.statusCode).toBe(303);
    expect(String(confirmed.headers['set-cookie'])).toMatch(/mcphub_session=/);
    // Spent: neither the form nor the link work again.
    const again = await app.inject({
      method: 'POST',
      url: '/login',
      headers: { host, origin: `http://${host}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `loginToken=${token}`,
    });
    expect(again.statusCode).toBe(401);
    expect((await app.inject({ url: path, headers: { host, 'sec-fetch-site': 'none' } })).statusCode).toBe(
      401,
    );
  });
});
