import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactConfig } from '../adapters.js';
import type { HubError } from '../errors.js';
import { configKeys, envNameOf, flagNameOf, loadConfig } from './load.js';

const tempHome = (config?: unknown) => {
  const home = mkdtempSync(join(tmpdir(), 'mcphub-config-'));
  if (config !== undefined) writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  return home;
};

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return { code: (err as HubError).code, message: (err as Error).message };
  }
  throw new Error('expected an error');
};

describe('loadConfig layering', () => {
  it('uses the documented defaults under ~/.mcphub', () => {
    const cfg = loadConfig({ env: {}, homeDir: '/home/alice' });
    expect(cfg.home).toBe('/home/alice/.mcphub');
    expect(cfg.hub).toEqual({ host: '127.0.0.1', port: 8080, maxSourceBytes: 64 * 1024 * 1024 });
    expect(cfg.registry.port).toBe(8081);
    expect(cfg.registry.reads).toBe('loopback');
    expect(cfg.roles).toEqual(['hub', 'registry', 'worker', 'scanner']);
  });

  it('applies config.json < env < flags, leaf by leaf', () => {
    const home = tempHome({
      hub: { port: 9000, host: '127.0.0.2' },
      registry: { port: 9001 },
      log: { level: 'warn' },
    });
    const cfg = loadConfig({
      env: { MCPHUB_HOME: home, MCPHUB_HUB_PORT: '9100', MCPHUB_REGISTRY_MAX_BUNDLE_BYTES: '2048' },
      flags: { 'hub-port': '9200', roles: 'hub,registry' },
    });
    expect(cfg.hub.port).toBe(9200); // flag beats env beats file
    expect(cfg.hub.host).toBe('127.0.0.2'); // file value kept where nothing overrides it
    expect(cfg.registry.port).toBe(9001);
    expect(cfg.registry.maxBundleBytes).toBe(2048);
    expect(cfg.log.level).toBe('warn');
    expect(cfg.roles).toEqual(['hub', 'registry']);
  });

  it('--home beats MCPHUB_HOME and decides which config.json is read', () => {
    const a = tempHome({ hub: { port: 1111 } });
    const b = tempHome({ hub: { port: 2222 } });
    expect(loadConfig({ env: { MCPHUB_HOME: a }, flags: { home: b } }).hub.port).toBe(2222);
  });

  it('refuses an out-of-range port and names the key', () => {
    const err = codeOf(() => loadConfig({ env: { MCPHUB_HOME: tempHome(), MCPHUB_HUB_PORT: '70000' } }));
    expect(err.code).toBe('HUB_ERR_CONFIG_INVALID');
    expect(err.message).toContain('/hub/port');
  });

  it('refuses a non-numeric port instead of silently using a default', () => {
    const err = codeOf(() =>
      loadConfig({ env: { MCPHUB_HOME: tempHome() }, flags: { 'registry-port': 'eighty' } }),
    );
    expect(err.code).toBe('HUB_ERR_CONFIG_INVALID');
    expect(err.message).toContain('/registry/port');
  });

  it('refuses unknown keys in config.json (a typo must not be ignored)', () => {
    const err = codeOf(() => loadConfig({ env: { MCPHUB_HOME: tempHome({ hub: { prot: 1 } }) } }));
    expect(err.code).toBe('HUB_ERR_CONFIG_INVALID');
    expect(err.message).toContain('prot');
  });

  it('refuses a config.json that is not a JSON object', () => {
    const home = tempHome();
    writeFileSync(join(home, 'config.json'), '[1,2');
    expect(codeOf(() => loadConfig({ env: { MCPHUB_HOME: home } })).code).toBe('HUB_ERR_CONFIG_INVALID');
  });

  it('refuses unknown roles and unknown flags', () => {
    const home = tempHome();
    expect(codeOf(() => loadConfig({ env: { MCPHUB_HOME: home, MCPHUB_ROLES: 'hub,miner' } })).code).toBe(
      'HUB_ERR_CONFIG_INVALID',
    );
    expect(
      codeOf(() => loadConfig({ env: { MCPHUB_HOME: home }, flags: { 'hub-prot': '1' } })).message,
    ).toContain('--hub-prot');
  });

  it('derives env and flag names from the schema', () => {
    expect(envNameOf(['registry', 'maxBundleBytes'])).toBe('MCPHUB_REGISTRY_MAX_BUNDLE_BYTES');
    expect(flagNameOf(['registry', 'maxBundleBytes'])).toBe('registry-max-bundle-bytes');
    const keys = configKeys().map((k) => k.env);
    expect(keys).toContain('MCPHUB_HUB_PORT');
    expect(keys).toContain('MCPHUB_LOG_LEVEL');
  });

  it('reads databaseUrl from config.json, MCPHUB_DATABASE_URL and --database-url, and never prints its password', () => {
    const home = tempHome({ databaseUrl: 'postgres://file:filepw@db/file' });
    expect(loadConfig({ flags: { home }, env: {} }).databaseUrl).toBe('postgres://file:filepw@db/file');
    const env = { MCPHUB_DATABASE_URL: 'postgres://hub:envpw@db:5432/hub?schema=a' };
    expect(loadConfig({ flags: { home }, env }).databaseUrl).toBe(
      'postgres://hub:envpw@db:5432/hub?schema=a',
    );
    const config = loadConfig({ flags: { home, 'database-url': 'postgresql://hub:flagpw@db/x' }, env });
    expect(config.databaseUrl).toBe('postgresql://hub:flagpw@db/x');
    const printed = JSON.stringify(redactConfig(config));
    expect(printed).toContain('postgresql://hub:***@db/x');
    expect(printed).not.toContain('flagpw');
    expect(codeOf(() => loadConfig({ flags: { home, 'database-url': 'mysql://x' }, env: {} })).code).toBe(
      'HUB_ERR_CONFIG_INVALID',
    );
  });

  it('the queue prefix is a config leaf (MCPHUB_QUEUE_PREFIX, --queue-prefix)', () => {
    const home = tempHome();
    expect(loadConfig({ flags: { home }, env: { MCPHUB_QUEUE_PREFIX: 'run-1.' } }).queue.prefix).toBe(
      'run-1.',
    );
    expect(codeOf(() => loadConfig({ flags: { home, 'queue-prefix': 'bad prefix' }, env: {} })).code).toBe(
      'HUB_ERR_CONFIG_INVALID',
    );
  });
});

describe('sync settings', () => {
  it('are set from env and flags, validated, and the upstream token is masked when printed', async () => {
    const { redactConfig } = await import('../adapters.js');
    const cfg = loadConfig({
      env: {
        MCPHUB_SYNC_UPSTREAM_URL: 'https://hub.example/registry',
        MCPHUB_SYNC_UPSTREAM_TOKEN: 'eyJ.secret',
      },
      flags: { 'sync-retry-max-ms': '2000' },
      homeDir: tempHome(),
    });
    expect(cfg.sync).toMatchObject({ retryMaxMs: 2000, retryMinMs: 500 });
    expect(JSON.stringify(redactConfig(cfg))).not.toContain('eyJ.secret');
    expect(redactConfig(cfg).sync.upstreamToken).toBe('***');
    expect(
      codeOf(() => loadConfig({ env: { MCPHUB_SYNC_RETRY_MIN_MS: '1' }, homeDir: tempHome() })).code,
    ).toBe('HUB_ERR_CONFIG_INVALID');
  });
});
