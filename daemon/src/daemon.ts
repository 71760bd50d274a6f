import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateRegistry } from '@mcphub/registry';
import type { FastifyInstance } from 'fastify';
import { createJobQueue, createObjectStore } from './adapters.js';
import { rbacAuthorizer } from './auth/rbac-authorizer.js';
import { loadJwks, revokedCheck } from './cli/pull-commands.js';
import type { Config } from './config/schema.js';
import { type HubDb, migrateTo, openDatabase } from './db/database.js';
import { hubMigrations } from './db/migrations/index.js';
import { buildHubApp } from './http/hub-app.js';
import { buildRegistryServer } from './http/registry-app.js';
import { Submissions } from './ingest/submissions.js';
import { JobStore } from './jobs/job-store.js';
import { jwksOf, loadOrCreateSigningKey } from './keys/signing-key.js';
import type { Logger } from './logger.js';
import { countedRuntimeCheck, Metrics } from './metrics/metrics.js';
import { bootstrapOrganizations, OrgDirectory } from './orgs/org-directory.js';
import { UsageMeter } from './orgs/usage.js';
import { HubWorker } from './pipeline/hub-worker.js';
import {
  ANALYZE_COMPLETE_QUEUE,
  ANALYZE_QUEUE,
  RESULTS_BUCKET,
  SOURCES_BUCKET,
} from './pipeline/messages.js';
import { sandboxRuntimeChecker } from './pipeline/runtime-checker.js';
import { advisoriesDbPath, DEFAULT_SCAN_BUDGET, ScanPool } from './pipeline/scan-pool.js';
import { startScanWorker } from './pipeline/scan-worker.js';
import type { Consumer } from './queue/job-queue.js';
import { RunManager } from './runs/run-manager.js';
import { Outbox } from './sync/outbox.js';
import { setupRevocations, setupUpstreamForwarding, startWhenReachable } from './sync/remote-sync.js';
import { ensureAdminToken } from './tokens/token-service.js';

export interface RunningDaemon {
  hubUrl: string | null;
  /** One-time link that logs a browser into the web UI (null without the hub role). */
  loginUrl: string | null;
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
  const db: HubDb = await openDatabase(config);
  const apps: FastifyInstance[] = [];
  const stoppers: (() => Promise<void>)[] = [];
  try {
    await migrateTo(db, 'hub_migrations', hubMigrations);
    await migrateRegistry(db);
    const signingKey = await loadOrCreateSigningKey(config.home);
    const admin = await ensureAdminToken(db, config.home);
    await bootstrapOrganizations(db);
    const authorizer = rbacAuthorizer(db);
    const meter = new UsageMeter(db);
    const store = createObjectStore(config, logger);
    await Promise.all([store.ensureBucket(SOURCES_BUCKET), store.ensureBucket(RESULTS_BUCKET)]);
    const queue = createJobQueue(config, db);
    const jobs = new JobStore(db);
    stoppers.push(() => queue.close());
    const outbox = new Outbox(db, {
      minDelayMs: config.sync.retryMinMs,
      maxDelayMs: config.sync.retryMaxMs,
      attemptTimeoutMs: config.sync.dispatchTimeoutMs,
      logger: logger.child({ role: 'outbox' }),
    });
    stoppers.unshift(() => outbox.stop());
    const metrics = new Metrics({
      role: 'daemon',
      queue: { queue, names: [ANALYZE_QUEUE, ANALYZE_COMPLETE_QUEUE] },
      jobs,
      outbox,
      auditFile: join(config.home, 'logs', 'audit.jsonl'),
    });
    const sync = { config, logger };
    if (config.databaseUrl) {
      // Other replicas move jobs too: event streams here show their transitions as well.
      const unfollow = jobs.followReplicas();
      stoppers.push(async () => unfollow());
    }

    let registryUrl = config.registry.url ?? `http://${config.registry.host}:${config.registry.port}`;
    const revocations = setupRevocations({
      config,
      signingKey,
      outbox,
      logger,
      registryUrl: () => registryUrl,
    });
    stoppers.push(revocations.close);

    if (config.roles.includes('registry')) {
      const registryApp = await buildRegistryServer({
        config,
        db,
        store,
        jwks: jwksOf(signingKey),
        logger,
        metrics,
        onStatusChange: revocations.onStatusChange,
      });
      apps.push(registryApp);
      await registryApp.listen({ host: config.registry.host, port: config.registry.port });
      registryUrl = config.registry.url ?? urlOf(registryApp);
    }
    if (config.roles.includes('scanner')) {
      const pool = new ScanPool(config.scanner.threads || undefined, {
        ...DEFAULT_SCAN_BUDGET,
        timeoutMs: config.scanner.timeoutMs,
        maxMemoryMb: config.scanner.maxMemoryMb,
        advisoriesDb: advisoriesDbPath(config.home),
      });
      let consumer: Consumer | null = null;
      stoppers.unshift(async () => {
        await consumer?.cancel();
        await pool.close();
      });
      stoppers.unshift(
        await startWhenReachable(
          'scan worker',
          async () => {
            consumer = await startScanWorker({
              queue,
              store,
              pool,
              logger: logger.child({ role: 'scanner' }),
              metrics,
            });
          },
          async () => undefined,
          sync,
        ),
      );
    }
    let hubWorker: HubWorker | null = null;
    if (config.roles.includes('worker')) {
      hubWorker = new HubWorker({
        jobs,
        queue,
        store,
        signingKey,
        registryUrl,
        logger: logger.child({ role: 'worker' }),
        runtimeCheck: countedRuntimeCheck(
          sandboxRuntimeChecker(logger.child({ role: 'runtime-check' })),
          metrics,
        ),
      });
      const w = hubWorker;
      stoppers.unshift(() => w.stop());
      outbox.on('dispatch', async (row) => {
        const job = await jobs.get(row.ref);
        if (job?.state === 'QUEUED') await w.dispatch(job);
      });
      stoppers.unshift(
        await startWhenReachable(
          'hub worker',
          () => w.start(),
          () => w.stop(),
          sync,
        ),
      );
    }
    let hubUrl: string | null = null;
    let loginUrl: string | null = null;
    if (config.roles.includes('hub')) {
      const worker = hubWorker;
      const submissions = new Submissions({
        jobs,
        store,
        // Without a local hub worker the job waits QUEUED until one starts and recovers it. With
        // one, the dispatch goes through the outbox: a broker that is down leaves it waiting there.
        dispatch: async (job) => {
          if (!worker) return;
          await outbox.enqueue('dispatch', job.id);
          await outbox.kick('dispatch');
        },
        limits: { maxSourceBytes: config.hub.maxSourceBytes },
        quota: meter,
      });
      // Running servers: stopped at shutdown (after the HTTP servers close, before the database).
      const runs = new RunManager({
        config,
        logger: logger.child({ role: 'runs' }),
        jwks: config.client.jwks ? () => loadJwks(config) : jwksOf(signingKey),
        registries: config.client.registries.length > 0 ? config.client.registries : [registryUrl],
        revoked: revokedCheck(config),
      });
      stoppers.unshift(() => runs.close());
      const hubApp = await buildHubApp({
        config,
        db,
        signingKey,
        logger,
        registryUrl,
        pipeline: { jobs, submissions, store, authorizer, outbox },
        metrics,
        orgs: { directory: new OrgDirectory(db), authorizer, meter },
        runs: { runs, authorizer, quota: meter },
      });
      apps.push(hubApp);
      await hubApp.listen({ host: config.hub.host, port: config.hub.port });
      hubUrl = urlOf(hubApp);
      loginUrl = `${hubUrl}/login?token=${hubApp.issueLoginToken()}`;
    }
    if (hubWorker)
      setupUpstreamForwarding({ config, jobs, signingKey, outbox, logger, registryUrl: () => registryUrl });
    outbox.start();
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
        for (const stop of stoppers)
          await stop().catch((err: unknown) => logger.warn({ err }, 'stop failed'));
        await db.destroy();
        rmSync(runtimeFile, { force: true });
        logger.info('stopped');
      })();
      return closing;
    };
    return { hubUrl, loginUrl, registryUrl, adminTokenFile: admin.file, home: config.home, close };
  } catch (err) {
    await Promise.allSettled(apps.map((a) => a.close()));
    for (const stop of stoppers) await stop().catch(() => undefined);
    await db.destroy();
    throw err;
  }
}
