import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { rbacAuthorizer } from '../../auth/rbac-authorizer.js';
import { loadConfig } from '../../config/load.js';
import { type HubDb, migrateTo, openSqliteDatabase } from '../../db/database.js';
import { hubMigrations } from '../../db/migrations/index.js';
import { loadOrCreateAdminToken, loadOrCreateSigningKey } from '../../keys/signing-key.js';
import { createLogger } from '../../logger.js';
import { bootstrapOrganizations, OrgDirectory } from '../../orgs/org-directory.js';
import { UsageMeter } from '../../orgs/usage.js';
import { ensureAdminToken } from '../../tokens/token-service.js';
import { buildHubApp } from '../hub-app.js';

const open: { app: FastifyInstance; db: HubDb }[] = [];
afterEach(async () => {
  for (const { app, db } of open.splice(0)) {
    await app.close();
    await db.destroy();
  }
});

async function hub(initialFile?: Record<string, unknown>) {
  const home = mkdtempSync(join(tmpdir(), 'mcphub-settings-'));
  if (initialFile) writeFileSync(join(home, 'config.json'), JSON.stringify(initialFile, null, 1));
  const config = loadConfig({ env: {}, flags: { home } });
  const db = openSqliteDatabase(home);
  await migrateTo(db, 'hub_migrations', hubMigrations);
  await ensureAdminToken(db, home);
  await bootstrapOrganizations(db);
  const authorizer = rbacAuthorizer(db);
  const app = await buildHubApp({
    config,
    db,
    signingKey: await loadOrCreateSigningKey(home),
    logger: createLogger('silent'),
    registryUrl: 'http://127.0.0.1:9',
    orgs: { directory: new OrgDirectory(db), authorizer, meter: new UsageMeter(db) },
  });
  open.push({ app, db });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const host = `127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const admin = loadOrCreateAdminToken(home).secret;
  const call = (method: string, url: string, payload?: unknown) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: { host, authorization: `Bearer ${admin}` },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const file = () => readFileSync(join(home, 'config.json'), 'utf8');
  return { app, home, config, call, file };
}

describe('runtime settings', () => {
  it('saves the remote hub to config.json, masks the secrets in every answer, and says a restart is needed', async () => {
    const { call, file, home } = await hub({ scanner: { threads: 1 } });
    const res = await call('PUT', '/api/v1/ui/settings/remote', {
      amqpUrl: 'amqp://hubuser:broker-pass-123@127.0.0.1:5672',
      s3Endpoint: 'http://127.0.0.1:9000',
      s3AccessKey: 'AKIAEXAMPLE',
      s3SecretKey: 's3-secret-value-456',
      s3BucketPrefix: 'team-',
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('broker-pass-123');
    expect(res.body).not.toContain('s3-secret-value-456');
    const body = res.json();
    expect(body.remote).toMatchObject({
      amqpUrl: 'amqp://hubuser:***@127.0.0.1:5672',
      s3SecretKeySet: true,
      s3AccessKey: 'AKIAEXAMPLE',
    });
    expect(body.restartRequired).toBe(true);
    expect(body.message).toMatch(/restart/i);
    const saved = JSON.parse(file());
    expect(saved).toMatchObject({
      scanner: { threads: 1 }, // other keys are kept
      amqpUrl: 'amqp://hubuser:broker-pass-123@127.0.0.1:5672',
      s3SecretKey: 's3-secret-value-456',
    });
    // The saved file is what the next start loads.
    expect(loadConfig({ env: {}, flags: { home } }).s3BucketPrefix).toBe('team-');
    // Sending the masked URL back (an unchanged form) keeps the stored password; an absent secret is kept.
    const again = await call('PUT', '/api/v1/ui/settings/remote', {
      amqpUrl: 'amqp://hubuser:***@127.0.0.1:5673',
      s3Region: 'eu-west-1',
    });
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(file())).toMatchObject({
      amqpUrl: 'amqp://hubuser:broker-pass-123@127.0.0.1:5673',
      s3SecretKey: 's3-secret-value-456',
      s3Region: 'eu-west-1',
    });
    const view = await call('GET', '/api/v1/ui/settings');
    expect(view.body).not.toContain('broker-pass-123');
    expect(view.body).not.toContain('s3-secret-value-456');
    // Removing the remote hub: back to the embedded queue and local files.
    await call('PUT', '/api/v1/ui/settings/remote', {
      amqpUrl: null,
      s3Endpoint: null,
      s3AccessKey: null,
      s3SecretKey: null,
      s3Region: null,
      s3BucketPrefix: null,
    });
    expect(JSON.parse(file())).toEqual({ scanner: { threads: 1 } });
    expect((await call('GET', '/api/v1/ui/settings')).json().restartRequired).toBe(false);
  });

  it('refuses bad remote settings with a coded error and leaves config.json byte for byte as it was', async () => {
    const { call, file } = await hub({ scanner: { threads: 2 }, s3Region: 'us-east-1' });
    const before = file();
    for (const bad of [
      { amqpUrl: 'http://not-a-broker' },
      { s3Endpoint: 'http://127.0.0.1:9000' }, // no keys
      { s3BucketPrefix: 'Upper_Case' },
      { amqpUrl: 'amqp://u:***@h' }, // a masked password with none stored
      { unknownKey: 'x' },
      { amqpUrl: 42 },
    ]) {
      const res = await call('PUT', '/api/v1/ui/settings/remote', bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().code).toBe('HUB_ERR_VALIDATION');
      expect(file()).toBe(before);
    }
  });

  it('saves registries (applied live) and refuses a non-URL without touching the file', async () => {
    const { call, file, config } = await hub();
    const ok = await call('PUT', '/api/v1/ui/settings/registries', {
      registries: ['https://registry.example.com', 'http://127.0.0.1:8081'],
      requireAttestation: false,
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().registries).toMatchObject({
      registries: ['https://registry.example.com', 'http://127.0.0.1:8081'],
      requireAttestation: false,
    });
    expect(config.client.registries).toEqual(['https://registry.example.com', 'http://127.0.0.1:8081']);
    const before = file();
    const bad = await call('PUT', '/api/v1/ui/settings/registries', { registries: ['ftp://x', 'nope'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('HUB_ERR_VALIDATION');
    expect(file()).toBe(before);
    expect(config.client.registries).toHaveLength(2);
  });

  it('saves the default policy to policy.json after validating it with the sandbox schema', async () => {
    const { call, home } = await hub();
    const policyFile = join(home, 'policy.json');
    const ok = await call('PUT', '/api/v1/ui/settings/policy', {
      policy: {
        minLevel: 2,
        network: { mode: 'allowlist', allow: ['api.example.com:443'] },
        limits: { memoryMb: 256 },
      },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().policy.effective).toMatchObject({ minLevel: 2, limits: { memoryMb: 256 } });
    const before = readFileSync(policyFile, 'utf8');
    for (const bad of [
      { minLevel: 7 },
      { network: { mode: 'none', allow: ['x.example:443'] } },
      { network: { mode: 'allowlist', allow: ['no-port'] } },
      { surprise: true },
    ]) {
      const res = await call('PUT', '/api/v1/ui/settings/policy', { policy: bad });
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().code).toBe('HUB_ERR_VALIDATION');
      expect(readFileSync(policyFile, 'utf8')).toBe(before);
    }
    expect((await call('PUT', '/api/v1/ui/settings/policy', { policy: null })).statusCode).toBe(200);
    expect(existsSync(policyFile)).toBe(false);
  });

  it('reports the adapters in use and tests a broker that does not answer', async () => {
    const { call } = await hub();
    const status = await call('GET', '/api/v1/ui/sync-status');
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({
      mode: 'local',
      queue: { adapter: 'sqlite', ok: true },
      store: { adapter: 'filesystem', ok: true },
      registry: { ok: false },
    });
    const test = await call('POST', '/api/v1/ui/settings/remote/test', {
      amqpUrl: 'amqp://guest:guest@127.0.0.1:1',
    });
    expect(test.statusCode).toBe(200);
    expect(test.json().amqp).toMatchObject({ adapter: 'amqp', ok: false });
    expect(test.body).not.toContain('guest:guest');
  });
});

describe.runIf(process.env.MCPHUB_SKIP_BROKER !== '1')(
  'remote connection test against the real broker',
  () => {
    it('connects to RabbitMQ on 127.0.0.1:5672', async () => {
      const { call } = await hub();
      const test = await call('POST', '/api/v1/ui/settings/remote/test', {
        amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      });
      expect(test.json().amqp).toMatchObject({ ok: true, message: 'connected' });
    });
  },
);

describe('remote connection test against a real S3 (s3rver)', () => {
  it('lists the sources bucket with the given credentials, and reports a missing bucket', async () => {
    const { default: S3rver } = await import('s3rver');
    const directory = mkdtempSync(join(tmpdir(), 'mcphub-settings-s3-'));
    const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
    const addr = (await server.run()) as { port: number };
    try {
      const { call } = await hub();
      const endpoint = `http://127.0.0.1:${addr.port}`;
      const creds = { s3Endpoint: endpoint, s3AccessKey: 'S3RVER', s3SecretKey: 'S3RVER' };
      const missing = await call('POST', '/api/v1/ui/settings/remote/test', {
        ...creds,
        s3BucketPrefix: 'none-',
      });
      expect(missing.json().s3).toMatchObject({ adapter: 's3', ok: false });
      expect(missing.json().s3.message).toMatch(/bucket/i);
      const { S3ObjectStore } = await import('@mcphub/registry');
      await new S3ObjectStore({
        endPoint: '127.0.0.1',
        port: addr.port,
        useSSL: false,
        accessKey: 'S3RVER',
        secretKey: 'S3RVER',
        bucketPrefix: 'team-',
      }).ensureBucket('sources');
      const ok = await call('POST', '/api/v1/ui/settings/remote/test', { ...creds, s3BucketPrefix: 'team-' });
      expect(ok.json().s3).toMatchObject({ adapter: 's3', ok: true, target: endpoint });
      expect(ok.body).not.toContain('S3RVER');
    } finally {
      await server.close();
    }
  });
});
