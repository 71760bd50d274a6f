import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateRegistry } from '@mcphub/registry';
import type { FastifyInstance } from 'fastify';
import { createJobQueue, createObjectStore } from './adapters.js';
import { rbacAuthorizer } from './auth/rbac-authorizer.js';
import type { Config } from './config/schema.js';
import { type HubDb, migrateTo, openSqliteDatabase } from './db/database.js';
import { hubMigrations } from './db/migrations/index.js';
import { buildHubApp } from './http/hub-app.js';
import { buildRegistryServer } from './http/registry-app.js';
import { Submissions } from './ingest/submissions.js';
import { JobStore } from './jobs/job-store.js';
import { jwksOf, loadOrCreateSigningKey } from './keys/signing-key.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics/metrics.js';
import { bootstrapOrganizations, OrgDirectory } from './orgs/org-directory.js';
import { UsageMeter } from './orgs/usage.js';
import { HubWorker, type RuntimeChecker } from './pipeline/hub-worker.js';
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
import { readTrustedKeys } from './sync/mirror.js';
import { Outbox, outboxDelayMs } from './sync/outbox.js';
import { RevocationBus, signRevocation } from './sync/revocation-bus.js';
import { nodeIdOf, type Revocation, RevocationList } from './sync/revocation-list.js';
import { type UpstreamForward, upstreamForwarder } from './sync/upstream.js';
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

/** Counts sandboxed runtime checks by outcome for /metrics. */
function countedRuntimeCheck(check: RuntimeChecker, metrics?: Metrics): RuntimeChecker {
  return async (...args) => {
    try {
      const r = await check(...args);
      metrics?.countSandboxRun('runtime_check', r.passed ? 'passed' : 'failed');
      return r;
    } catch (err) {
      metrics?.countSandboxRun('runtime_check', 'error');
      throw err;
    }
  };
}

/** The composition root of `mcphub daemon`: builds every dependency once and passes it down. */
export async function startDaemon(config: Config, logger: Logger): Promise<RunningDaemon> {
  const db: HubDb = openSqliteDatabase(config.home);
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
    /**
     * Starts a part that needs the broker. A broker that is down does not stop the daemon: the part
     * is started again with backoff in the background, and work waits in the outbox meanwhile.
     */
    const startWhenReachable = async (
      what: string,
      start: () => Promise<void>,
      undo: () => Promise<void>,
    ) => {
      let stopped = false;
      stoppers.unshift(async () => {
        stopped = true;
      });
      const attempt = async (n: number): Promise<boolean> => {
        try {
          await start();
          if (n > 1) logger.info({ what }, 'broker reachable again: started');
          return true;
        } catch (err) {
          await undo().catch(() => undefined);
          logger.warn({ what, attempt: n, err: (err as Error).message }, 'broker unreachable; retrying');
          return false;
        }
      };
      if (await attempt(1)) return;
      void (async () => {
        for (let n = 2; !stopped; n++) {
          const delay = outboxDelayMs(n - 1, config.sync.retryMinMs, config.sync.retryMaxMs);
          await new Promise((r) => setTimeout(r, delay));
          if (stopped || (await attempt(n))) return;
        }
      })();
    };

    // Revocations: recorded in this home's list (pull and run refuse them) and, with a broker,
    // announced to every connected daemon (through the outbox while the broker is down).
    const revocations = new RevocationList(config.home);
    let bus: RevocationBus | null = null;
    if (config.amqpUrl) {
      const b = new RevocationBus({
        url: config.amqpUrl,
        ...(config.sync.queuePrefix ? { prefix: config.sync.queuePrefix } : {}),
        nodeId: nodeIdOf(config.home),
        // Only revocations signed by this hub or a hub trusted in trusted-jwks.json are accepted.
        trusted: () => ({ keys: [...jwksOf(signingKey).keys, ...readTrustedKeys(config.home).keys] }),
        connectTimeoutMs: config.sync.dispatchTimeoutMs,
        reconnect: { minDelayMs: config.sync.retryMinMs, maxDelayMs: config.sync.retryMaxMs },
        logger: logger.child({ role: 'revocations' }),
      });
      bus = b;
      stoppers.push(() => b.close());
      b.subscribe(({ signedBy, ...r }) => {
        if (revocations.add([r]) > 0)
          logger.warn(
            {
              name: r.name,
              version: r.version,
              digest: r.digest,
              origin: r.origin,
              reason: r.reason,
              signedBy,
            },
            'revocation received: pull and run refuse this digest from now on',
          );
      });
      outbox.on('revocation', (row) => b.publish(JSON.parse(row.payload)));
    }

    let registryUrl = config.registry.url ?? `http://${config.registry.host}:${config.registry.port}`;
    if (config.roles.includes('registry')) {
      const registryApp = await buildRegistryServer({
        config,
        db,
        store,
        jwks: jwksOf(signingKey),
        logger,
        metrics,
        onStatusChange: async (change) => {
          if (change.to !== 'revoked') return;
          const r: Revocation = {
            schemaVersion: 1,
            name: change.name,
            version: change.version,
            digest: change.digest,
            bundleDigest: change.bundleDigest,
            reason: change.reason ?? 'revoked',
            revokedAt: change.at,
            origin: registryUrl,
          };
          revocations.add([r]);
          if (bus) {
            await outbox.enqueue('revocation', r.digest, signRevocation(r, signingKey));
            void outbox.kick('revocation');
          }
        },
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
      await startWhenReachable(
        'hub worker',
        () => w.start(),
        () => w.stop(),
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
      const hubApp = await buildHubApp({
        config,
        db,
        signingKey,
        logger,
        registryUrl,
        pipeline: { jobs, submissions, store, authorizer, outbox },
        metrics,
        orgs: { directory: new OrgDirectory(db), authorizer, meter },
      });
      apps.push(hubApp);
      await hubApp.listen({ host: config.hub.host, port: config.hub.port });
      hubUrl = urlOf(hubApp);
      loginUrl = `${hubUrl}/login?token=${hubApp.issueLoginToken()}`;
    }
    const upstreamUrl = config.sync.upstreamUrl;
    if (upstreamUrl && hubWorker) {
      // Every version this hub publishes is forwarded upstream, through the outbox (so it waits
      // while the upstream is down, survives a restart and goes out in order).
      const forward = upstreamForwarder({
        localUrl: () => registryUrl,
        upstreamUrl,
        ...(config.sync.upstreamToken ? { upstreamToken: config.sync.upstreamToken } : {}),
        signingKey,
        logger: logger.child({ role: 'upstream' }),
      });
      outbox.on('upstream', (row) => forward(JSON.parse(row.payload) as UpstreamForward));
      jobs.events.on('transition', (t) => {
        if (t.to !== 'PUBLISHED') return;
        const item: UpstreamForward = { name: `${t.org}/${t.name}`, version: t.version };
        outbox
          .enqueue('upstream', `${item.name}@${item.version}`, item)
          .then(() => outbox.kick('upstream'))
          .catch((err: unknown) => logger.error({ err, ...item }, 'cannot queue the upstream forward'));
      });
    }
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
