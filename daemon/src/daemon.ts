import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsObjectStore, migrateRegistry } from '@mcphub/registry';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.js';
import { type HubDb, migrateTo, openSqliteDatabase } from './db/database.js';
import { hubMigrations } from './db/migrations/index.js';
import { buildHubApp } from './http/hub-app.js';
import { buildRegistryServer } from './http/registry-app.js';
import { jwksOf, loadOrCreateSigningKey } from './keys/signing-key.js';
import type { Logger } from './logger.js';
import { ensureAdminToken } from './tokens/token-service.js';

export interface RunningDaemon {
  hubUrl: string | null;
  registryUrl: string;
  adminTokenFile: string;
  home: string;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes the database. */
  close(): Promise<void>;
}

const urlOf = (app: FastifyInstance) => {
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('server is not listening on TCP');
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}`;
};

/** The composition root of `mcphub daemon`: builds every dependency once and passes it down. */
export async function startDaemon(config: Config, logger: Logger): Promise<RunningDaemon> {
  const db: HubDb = openSqliteDatabase(config.home);
  const apps: FastifyInstance[] = [];
  try {
    await migrateTo(db, 'hub_migrations', hubMigrations);
    await migrateRegistry(db);
    const signingKey = await loadOrCreateSigningKey(config.home);
    const admin = await ensureAdminToken(db, config.home);
    const store = new FsObjectStore({ root: join(config.home, 'objects') });

    let registryUrl = config.registry.url ?? `http://${config.registry.host}:${config.registry.port}`;
    if (config.roles.includes('registry')) {
      const registryApp = await buildRegistryServer({ config, db, store, jwks: jwksOf(signingKey), logger });
      apps.push(registryApp);
      await registryApp.listen({ host: config.registry.host, port: config.registry.port });
      registryUrl = config.registry.url ?? urlOf(registryApp);
    }
    let hubUrl: string | null = null;
    if (config.roles.includes('hub')) {
      const hubApp = await buildHubApp({ config, db, signingKey, logger, registryUrl });
      apps.push(hubApp);
      await hubApp.listen({ host: config.hub.host, port: config.hub.port });
      hubUrl = urlOf(hubApp);
    }
    const runtimeFile = join(config.home, 'daemon.json');
    writeFileSync(runtimeFile, `${JSON.stringify({ pid: process.pid, hubUrl, registryUrl }, null, 2)}\n`, {
      mode: 0o600,
    });

    let closing: Promise<void> | null = null;
    const close = () => {
      closing ??= (async () => {
        logger.info('shutting down: no new connections, finishing in-flight requests');
        const timer = setTimeout(() => {
          logger.warn(
            { graceMs: config.shutdownGraceMs },
            'grace period over; closing remaining connections',
          );
          for (const app of apps) app.server.closeAllConnections();
        }, config.shutdownGraceMs);
        timer.unref();
        await Promise.allSettled(apps.map((a) => a.close()));
        clearTimeout(timer);
        await db.destroy();
        rmSync(runtimeFile, { force: true });
        logger.info('stopped');
      })();
      return closing;
    };
    return { hubUrl, registryUrl, adminTokenFile: admin.file, home: config.home, close };
  } catch (err) {
    await Promise.allSettled(apps.map((a) => a.close()));
    await db.destroy();
    throw err;
  }
}
