import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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
import { hostAllowed, originAllowed } from './request-guards.js';
import { SESSION_COOKIE } from './ui-plugin.js';

const open: { app: FastifyInstance; db: HubDb }[] = [];
afterEach(async () => {
  for (const { app, db } of open.splice(0)) {
    await app.close();
    await db.destroy();
  }
});

async function hub(opts: { uiDir?: string; publicUrl?: string } = {}) {
  const home = mkdtempSync(join(tmpdir(), 'mcphub-ui-'));
  const config = defaultConfig(home);
  if (opts.publicUrl) config.hub.publicUrl = opts.publicUrl;
  const db = openSqliteDatabase(home);
  await migrateTo(db, 'hub_migrations', hubMigrations);
  await ensureAdminToken(db, home);
  await bootstrapOrganizations(db);
  const authorizer = rbacAuthorizer(db);
  const uiDir = opts.uiDir ?? join(home, 'no-ui');
  const prev = process.env.MCPHUB_UI_DIR;
  process.env.MCPHUB_UI_DIR = uiDir;
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
  return { app, port, host: `127.0.0.1:${port}`, admin: loadOrCreateAdminToken(home).secret };
}

const sessionOf = (setCookie: string | string[] | undefined) =>
  /mcphub_session=([^;]+)/.exec(String(setCookie))?.[1];

describe('hub UI access', () => {
  it('refuses a request whose Host is attacker.example (DNS rebinding)', async () => {
    const { app, port, admin } = await hub();
    const res = await app.inject({
      url: '/api/v1/me',
      headers: { host: `attacker.example:${port}`, authorization: `Bearer ${admin}` },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toMatch(/DNS rebinding/);
    // Even unauthenticated pages and the login itself are refused under a foreign name.
    const login = await app.inject({ url: '/login?token=x', headers: { host: `attacker.example:${port}` } });
    expect(login.statusCode).toBe(403);
  });

  it('refuses a loopback Host on another port, and accepts the own names', async () => {
    const { app, port } = await hub();
    expect((await app.inject({ url: '/healthz', headers: { host: '127.0.0.1:1' } })).statusCode).toBe(403);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      expect((await app.inject({ url: '/healthz', headers: { host } })).statusCode).toBe(200);
    }
  });

  it("accepts hub.publicUrl's host", async () => {
    const { app } = await hub({ publicUrl: 'https://hub.example.com' });
    expect((await app.inject({ url: '/healthz', headers: { host: 'hub.example.com' } })).statusCode).toBe(
      200,
    );
    expect((await app.inject({ url: '/healthz', headers: { host: 'evil.example.com' } })).statusCode).toBe(
      403,
    );
  });

  it('refuses a state-changing request from a foreign Origin (CSRF)', async () => {
    const { app, host, admin } = await hub();
    const attempt = (origin?: string, extra: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/orgs',
        headers: { host, authorization: `Bearer ${admin}`, ...(origin ? { origin } : {}), ...extra },
        payload: { name: 'csrf-org' },
      });
    const foreign = await attempt('https://attacker.example');
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().message).toMatch(/CSRF/);
    expect((await attempt('null')).statusCode).toBe(403);
    expect((await attempt(undefined, { 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    // A GET from a foreign page changes nothing and is not refused by the Origin check.
    const read = await app.inject({
      url: '/api/v1/orgs',
      headers: { host, authorization: `Bearer ${admin}`, origin: 'https://attacker.example' },
    });
    expect(read.statusCode).toBe(200);
    // Same origin and no Origin (the CLI) pass.
    expect((await attempt(`http://${host}`)).statusCode).toBeLessThan(300);
  });

  it('a login token works once', async () => {
    const { app, host } = await hub();
    const token = app.issueLoginToken();
    const first = await app.inject({ url: `/login?token=${token}`, headers: { host } });
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    const second = await app.inject({ url: `/login?token=${token}`, headers: { host } });
    expect(second.statusCode).toBe(401);
    expect(second.headers['set-cookie']).toBeUndefined();
    expect((await app.inject({ url: '/login?token=guessed', headers: { host } })).statusCode).toBe(401);
  });

  it('the session cookie authenticates API calls as the admin; logout ends it', async () => {
    const { app, host } = await hub();
    expect((await app.inject({ url: '/api/v1/me', headers: { host } })).statusCode).toBe(401);
    const login = await app.inject({ url: `/login?token=${app.issueLoginToken()}`, headers: { host } });
    const sid = sessionOf(login.headers['set-cookie']);
    expect(sid).toBeTruthy();
    const cookie = `${SESSION_COOKIE}=${sid}`;
    const me = await app.inject({ url: '/api/v1/me', headers: { host, cookie } });
    expect(me.statusCode).toBe(200);
    expect(
      (await app.inject({ url: '/api/v1/me', headers: { host, cookie: `${SESSION_COOKIE}=forged` } }))
        .statusCode,
    ).toBe(401);
    const out = await app.inject({
      method: 'POST',
      url: '/logout',
      headers: { host, cookie, origin: `http://${host}` },
    });
    expect(out.statusCode).toBe(204);
    expect((await app.inject({ url: '/api/v1/me', headers: { host, cookie } })).statusCode).toBe(401);
  });

  it('a login link is minted for the calling token only (none without one)', async () => {
    const { app, host, admin } = await hub();
    expect(
      (await app.inject({ method: 'POST', url: '/api/v1/ui/login-tokens', headers: { host } })).statusCode,
    ).toBe(401);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/ui/login-tokens',
      headers: { host, authorization: `Bearer ${admin}` },
    });
    expect(res.statusCode).toBe(201);
    const { path } = res.json() as { path: string };
    expect((await app.inject({ url: path, headers: { host } })).statusCode).toBe(303);
  });

  it('shows the effective configuration, secrets masked, to a hub admin only', async () => {
    const { app, host, admin } = await hub();
    expect((await app.inject({ url: '/api/v1/ui/config', headers: { host } })).statusCode).toBe(401);
    const res = await app.inject({
      url: '/api/v1/ui/config',
      headers: { host, authorization: `Bearer ${admin}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ hub: { host: '127.0.0.1' } });
  });

  it('serves the UI with a strict CSP, and a clear 503 when it is not built', async () => {
    const missing = await hub();
    const res = await missing.app.inject({ url: '/', headers: { host: missing.host } });
    expect(res.statusCode).toBe(503);
    expect(res.body).toMatch(/npm run build/);
    const dir = mkdtempSync(join(tmpdir(), 'mcphub-ui-dist-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><div id="root"></div><script type="module" src="/assets/app.js"></script>',
    );
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
    const built = await hub({ uiDir: dir });
    const index = await built.app.inject({ url: '/', headers: { host: built.host } });
    expect(index.statusCode).toBe(200);
    const csp = String(index.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(
      (await built.app.inject({ url: '/assets/app.js', headers: { host: built.host } })).statusCode,
    ).toBe(200);
  });
});

describe('request guards', () => {
  const policy = { port: 8080, extra: [] };
  it('hostAllowed', () => {
    expect(hostAllowed('127.0.0.1:8080', policy)).toBe(true);
    expect(hostAllowed('LOCALHOST:8080', policy)).toBe(true);
    expect(hostAllowed('localhost', policy)).toBe(false);
    expect(hostAllowed('127.0.0.1.attacker.example:8080', policy)).toBe(false);
    expect(hostAllowed(undefined, policy)).toBe(false);
    expect(hostAllowed('a b', policy)).toBe(false);
  });
  it('originAllowed', () => {
    expect(originAllowed('GET', { origin: 'https://x.example' }, policy)).toBe(true);
    expect(originAllowed('DELETE', { origin: 'http://localhost:8080' }, policy)).toBe(true);
    expect(originAllowed('DELETE', { origin: 'http://localhost:8081' }, policy)).toBe(false);
    expect(originAllowed('PUT', { origin: 'file://' }, policy)).toBe(false);
  });
});
