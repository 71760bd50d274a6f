import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HubDb, hubMigrations, openPostgresDatabase } from '@mcphub/daemon';
import { S3ObjectStore, sha256Digest } from '@mcphub/registry';
import { sql } from 'kysely';
import S3rver from 's3rver';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStore } from '../daemon/src/jobs/job-store.js';
import {
  ANALYZE_COMPLETE_QUEUE,
  ANALYZE_QUEUE,
  type AnalyzeCompleteMessage,
  type AnalyzeMessage,
  RESULTS_BUCKET,
  resultKeyOf,
} from '../daemon/src/pipeline/messages.js';
import { AmqpJobQueue } from '../daemon/src/queue/amqp-job-queue.js';
import { type DaemonProcess, runCli, startDaemonProcess, tempHome } from './helpers/daemon-process.js';

const PG = process.env.MCPHUB_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const AMQP = process.env.MCPHUB_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** 20 in the regular suite; MCPHUB_REPLICA_JOBS=100 runs the figure. */
const JOBS = Number(process.env.MCPHUB_REPLICA_JOBS ?? 20);
const PACKAGE = 'replicas/tiny';
const ONE_PASS = ['QUEUED', 'DISPATCHED', 'ANALYZING', 'ANALYZED', 'SCORED', 'CERTIFIED', 'PUBLISHED'];

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: not reached in ${ms} ms; last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface PublishSeen {
  status: number;
  name: string;
  version: string;
  target: number;
}

/**
 * A pass-through proxy in front of both replicas' registries (round robin) that records every
 * POST /v1/publish and its status: 201 = a new version, 200 = an identical re-publish.
 */
function registryProxy(targets: number[]) {
  const seen: PublishSeen[] = [];
  let next = 0;
  const server = createServer((req, res) => {
    const target = next++ % targets.length;
    const up = request(
      { host: '127.0.0.1', port: targets[target], path: req.url, method: req.method, headers: req.headers },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        const chunks: Buffer[] = [];
        ur.on('data', (c: Buffer) => {
          chunks.push(c);
          res.write(c);
        });
        ur.on('end', () => {
          res.end();
          if (req.method === 'POST' && req.url?.startsWith('/v1/publish')) {
            let body: { name?: string; version?: string } = {};
            try {
              body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              // an error body without JSON still counts, by status
            }
            seen.push({
              status: ur.statusCode ?? 0,
              name: body.name ?? '?',
              version: body.version ?? '?',
              target,
            });
          }
        });
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return {
    seen,
    listen: (port: number) => new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r())),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('two hub replicas sharing PostgreSQL, RabbitMQ and S3', () => {
  const run = randomUUID().replaceAll('-', '').slice(0, 10);
  const schema = `mcphub_replicas_${run}`;
  const queuePrefix = `replicas-${run}.`;
  const bucketPrefix = `r${run}-`;
  let s3: S3rver;
  let store: S3ObjectStore;
  let proxy: ReturnType<typeof registryProxy>;
  let db: HubDb;
  let a: DaemonProcess;
  let b: DaemonProcess;
  let token: string;
  let tiny: string;
  const producers: AmqpJobQueue[] = [];

  beforeAll(async () => {
    // Fails naming PostgreSQL when it is not there (HUB_ERR_DATABASE_UNAVAILABLE).
    db = await openPostgresDatabase(PG, { schema });
    const s3Port = await freePort();
    s3 = new S3rver({
      address: '127.0.0.1',
      port: s3Port,
      directory: mkdtempSync(join(tmpdir(), 'mcphub-s3-')),
      silent: true,
    });
    await s3.run();
    store = new S3ObjectStore({
      endPoint: '127.0.0.1',
      port: s3Port,
      useSSL: false,
      accessKey: 'S3RVER',
      secretKey: 'S3RVER',
      region: 'us-east-1',
      bucketPrefix,
    });
    const [pA, pB, pProxy] = [await freePort(), await freePort(), await freePort()];
    proxy = registryProxy([pA, pB]);
    await proxy.listen(pProxy);
    const env: NodeJS.ProcessEnv = {
      MCPHUB_DATABASE_URL: `${PG}?schema=${schema}`,
      MCPHUB_AMQP_URL: AMQP,
      MCPHUB_QUEUE_PREFIX: queuePrefix,
      MCPHUB_S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
      MCPHUB_S3_ACCESS_KEY: 'S3RVER',
      MCPHUB_S3_SECRET_KEY: 'S3RVER',
      MCPHUB_S3_REGION: 'us-east-1',
      MCPHUB_S3_BUCKET_PREFIX: bucketPrefix,
      MCPHUB_REGISTRY_URL: `http://127.0.0.1:${pProxy}`,
      MCPHUB_SCANNER_THREADS: '1',
    };
    const homeA = tempHome('mcphub-replica-a-');
    const homeB = tempHome('mcphub-replica-b-');
    a = await startDaemonProcess({ home: homeA, args: ['--registry-port', String(pA)], env });
    // Replicas share the hub's keys (signing key, admin token), as they share its database.
    cpSync(join(homeA, 'keys'), join(homeB, 'keys'), { recursive: true });
    b = await startDaemonProcess({ home: homeB, args: ['--registry-port', String(pB)], env });
    token = readFileSync(join(homeA, 'keys', 'admin-token'), 'utf8').trim();

    tiny = mkdtempSync(join(tmpdir(), 'mcphub-tiny-'));
    // s3rver answers a PUT before its file is open and, on DELETE, removes directories that look
    // empty: with many publishes at once, one staged upload's delete can remove `tmp/` under
    // another's pending write (ENOENT inside s3rver). A permanent object keeps `tmp/` in place.
    await store.ensureBucket('artifacts');
    await store.put('artifacts', 'tmp/.s3rver-keep', Buffer.from('keeps tmp/ for s3rver'));
  });
  afterAll(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()]);
    for (const [name, d] of [
      ['A', a],
      ['B', b],
    ] as const) {
      const err = d?.stderr().trim();
      if (err) process.stderr.write(`[replicas] replica ${name} stderr:\n${err.slice(-4000)}\n`);
    }
    // This run's queues (and their retry and dead queues) go with it.
    if (producers.length === 0) producers.push(new AmqpJobQueue({ url: AMQP, prefix: queuePrefix }));
    for (const q of producers) {
      await q.purge(ANALYZE_QUEUE).catch(() => undefined);
      await q.purge(ANALYZE_COMPLETE_QUEUE).catch(() => undefined);
      await q.close().catch(() => undefined);
    }
    if (db) {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
      await db.destroy();
    }
    await proxy?.close();
    await s3?.close();
  });

  /**
   * A tiny server, so a scan takes a moment and 100 jobs stay quick; its bytes differ per version
   * (as real releases do), so no two jobs store the same objects.
   */
  async function tarballOf(version: string): Promise<Buffer> {
    const dir = join(tiny, version);
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'tiny', version, main: 'index.js' }));
    writeFileSync(join(dir, 'index.js'), `process.stdout.write('tiny ${version}\\n');\n`);
    const file = join(tiny, `${version}.tar.gz`);
    await createTar({ gzip: true, cwd: dir, file, portable: true }, ['package.json', 'index.js']);
    return readFileSync(file);
  }

  async function submit(hubUrl: string, version: string): Promise<string> {
    const tarball = await tarballOf(version);
    const form = new FormData();
    form.append('name', PACKAGE);
    form.append('version', version);
    form.append('options', JSON.stringify({ mode: 'fast' }));
    form.append('source', new Blob([new Uint8Array(tarball)], { type: 'application/gzip' }), 'source.tar.gz');
    const res = await fetch(`${hubUrl}/api/v1/servers`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await res.json()) as { id: string };
    expect(res.status, JSON.stringify(body)).toBeLessThan(300);
    return body.id;
  }

  const jobsOf = (ids: string[]) => db.selectFrom('jobs').selectAll().where('id', 'in', ids).execute();

  async function expectOnePass(jobId: string): Promise<void> {
    const history = await db
      .selectFrom('job_history')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('seq')
      .execute();
    const states = history.map((h) => h.to_state);
    // ANALYZING is a progress note the scan may overtake; every other state exactly once, in order.
    expect(
      states.filter((s) => s !== 'ANALYZING'),
      jobId,
    ).toEqual(ONE_PASS.filter((s) => s !== 'ANALYZING'));
    expect(new Set(states).size, jobId).toBe(states.length);
    expect(history.map((h) => h.seq)).toEqual(history.map((_, i) => i + 1));
  }

  async function reportsOf(jobId: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const o of store.list(RESULTS_BUCKET, `jobs/${jobId}/`))
      if (/\/report-[0-9a-f]{64}\.json$/.test(o.key)) keys.push(o.key);
    return keys;
  }

  async function queuesSettled(): Promise<void> {
    const probe = producers[0] ?? new AmqpJobQueue({ url: AMQP, prefix: queuePrefix });
    if (!producers.includes(probe)) producers.push(probe);
    let quiet = 0;
    await until(
      'queues drained',
      async () => {
        const [x, y] = await Promise.all([probe.depth(ANALYZE_QUEUE), probe.depth(ANALYZE_COMPLETE_QUEUE)]);
        quiet = x.ready + y.ready === 0 ? quiet + 1 : 0;
        return quiet;
      },
      (n) => n >= 8,
      120_000,
    );
  }

  /** A replica that died fails the test at once, with what it wrote to stderr. */
  function assertAlive(): void {
    for (const [name, d] of [
      ['A', a],
      ['B', b],
    ] as const) {
      if (d.proc.exitCode !== null || d.proc.signalCode !== null) {
        throw new Error(
          `replica ${name} exited (${d.proc.exitCode ?? d.proc.signalCode}):\n${d.stderr().slice(-4000)}`,
        );
      }
    }
  }

  /** Follows `GET /api/v1/events` of one replica; collects `jobId:state` of every transition. */
  async function followEvents(hubUrl: string) {
    const seen = new Set<string>();
    const controller = new AbortController();
    const res = await fetch(`${hubUrl}/api/v1/events`, {
      headers: { authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    void (async () => {
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += Buffer.from(chunk).toString('utf8');
          for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
            const data = /^data: (.*)$/m.exec(buffer.slice(0, i))?.[1];
            buffer = buffer.slice(i + 2);
            if (data) {
              const t = JSON.parse(data) as { jobId: string; to: string };
              seen.add(`${t.jobId}:${t.to}`);
            }
          }
        }
      } catch {
        // aborted
      }
    })();
    return { seen, close: () => controller.abort() };
  }

  it(
    `${JOBS} jobs submitted across both replicas: each is published exactly once, none lost`,
    async () => {
      // An event stream on one replica shows the whole hub, including what the other one did.
      const events = await followEvents(a.hubUrl);
      const t0 = Date.now();
      const ids: string[] = [];
      for (let i = 0; i < JOBS; i += 10) {
        const batch = Array.from({ length: Math.min(10, JOBS - i) }, (_, k) => i + k);
        ids.push(
          ...(await Promise.all(batch.map((n) => submit(n % 2 === 0 ? a.hubUrl : b.hubUrl, `1.0.${n}`)))),
        );
      }
      expect(new Set(ids).size).toBe(JOBS);
      const states = await until(
        'every job finished',
        async () => {
          assertAlive();
          return (await jobsOf(ids)).map((j) => j.state);
        },
        (s) => s.every((x) => ['PUBLISHED', 'FAILED', 'REJECTED'].includes(x)),
        20 * 60_000,
      );
      const elapsedMs = Date.now() - t0;
      await queuesSettled();
      process.stderr.write(
        `[replicas] ${JOBS} jobs through 2 replicas in ${(elapsedMs / 1000).toFixed(1)} s (${((JOBS * 60_000) / elapsedMs).toFixed(1)} jobs/min)\n`,
      );
      const failed = (await jobsOf(ids)).filter((j) => j.state !== 'PUBLISHED');
      expect(failed.map((j) => `${j.version} ${j.state} ${j.error_code} ${j.error_message}`)).toEqual([]);
      expect(states).toHaveLength(JOBS);

      for (const id of ids) await expectOnePass(id);
      // One result object per job, the one the job records, with the digest it records.
      for (const job of await jobsOf(ids)) {
        const reports = await reportsOf(job.id);
        expect(reports, job.id).toEqual([job.result_key]);
      }
      // The registries saw exactly one publish (201) per version and no re-publish at all.
      const mine = proxy.seen.filter((p) => p.name === PACKAGE);
      const byVersion = new Map<string, number[]>();
      for (const p of mine) byVersion.set(p.version, [...(byVersion.get(p.version) ?? []), p.status]);
      expect(byVersion.size).toBe(JOBS);
      for (const [version, codes] of byVersion) expect(codes, version).toEqual([201]);
      expect(proxy.seen.filter((p) => p.status !== 201)).toEqual([]);
      // Both registry replicas took publishes (round robin through the proxy).
      expect(new Set(mine.map((p) => p.target)).size).toBe(2);
      const rows = await db
        .selectFrom('registry_versions' as never)
        .select(sql<number>`count(*)`.as('n'))
        .where('org' as never, '=', 'replicas' as never)
        .where('name' as never, '=', 'tiny' as never)
        .executeTakeFirstOrThrow();
      expect(Number((rows as { n: number }).n)).toBe(JOBS);
      await until(
        "replica A's event stream shows every job published",
        async () => ids.filter((id) => !events.seen.has(`${id}:PUBLISHED`)).length,
        (missing) => missing === 0,
        30_000,
      );
      events.close();
    },
    30 * 60_000,
  );

  /** Stages a DISPATCHED job the way the hub would, without publishing ANALYZE. */
  async function dispatchedJob(version: string) {
    const template = await db
      .selectFrom('jobs')
      .selectAll()
      .where('state', '=', 'PUBLISHED')
      .where('name', '=', 'tiny')
      .executeTakeFirstOrThrow();
    const jobs = new JobStore(db);
    const job = await jobs.create({
      org: 'replicas',
      name: 'tiny',
      version,
      sourceKind: 'upload',
      sourceKey: template.source_key,
      sourceDigest: template.source_digest,
      sourceBytes: Number(template.source_bytes),
      options: { mode: 'fast' },
      createdBy: 'fault-test',
    });
    await jobs.transition(job.id, ['QUEUED'], 'DISPATCHED', 'fault-test', 'staged');
    return { job, template };
  }

  /** Two producers (two connections) put the same message, same id, on the real broker twice. */
  async function publishTwice<T>(queue: string, body: T, messageId: string): Promise<void> {
    while (producers.length < 2) producers.push(new AmqpJobQueue({ url: AMQP, prefix: queuePrefix }));
    await Promise.all(producers.slice(0, 2).map((p) => p.publish(queue, body, { messageId })));
  }

  async function finished(jobId: string) {
    await until(
      'job finished',
      async () =>
        (await db.selectFrom('jobs').select('state').where('id', '=', jobId).executeTakeFirst())?.state,
      (s) => s === 'PUBLISHED' || s === 'FAILED',
      180_000,
    );
    await queuesSettled();
    return db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
  }

  const publishesOf = (version: string) =>
    proxy.seen.filter((p) => p.name === PACKAGE && p.version === version).map((p) => p.status);

  it('the same ANALYZE_COMPLETE delivered twice: one result, one publish, one pass in the history', async () => {
    const { job, template } = await dispatchedJob('9.0.0');
    const report = await store.get(RESULTS_BUCKET, template.result_key!);
    const bytes = Buffer.concat(await report.toArray());
    const resultKey = resultKeyOf(job.id, `report-${sha256Digest(bytes).slice(7)}.json`);
    await store.put(RESULTS_BUCKET, resultKey, bytes);
    const info = await store.get(RESULTS_BUCKET, resultKeyOf(template.id, 'package-info.json'));
    await store.put(
      RESULTS_BUCKET,
      resultKeyOf(job.id, 'package-info.json'),
      Buffer.concat(await info.toArray()),
    );
    const message: AnalyzeCompleteMessage = {
      schemaVersion: 1,
      jobId: job.id,
      status: 'succeeded',
      resultKey,
      resultDigest: sha256Digest(bytes),
      packageInfoKey: resultKeyOf(job.id, 'package-info.json'),
    };
    await publishTwice(ANALYZE_COMPLETE_QUEUE, message, `complete:${job.id}`);
    const done = await finished(job.id);
    expect(done.state, `${done.error_code} ${done.error_message}`).toBe('PUBLISHED');
    expect(done.result_key).toBe(resultKey);
    await expectOnePass(job.id);
    expect(await reportsOf(job.id)).toEqual([resultKey]);
    expect(publishesOf('9.0.0')).toEqual([201]);
  }, 300_000);

  it('the same ANALYZE delivered twice: one recorded result, one publish, one pass in the history', async () => {
    const { job } = await dispatchedJob('9.0.1');
    const message: AnalyzeMessage = {
      schemaVersion: 1,
      jobId: job.id,
      sourceKey: job.source_key,
      sourceDigest: job.source_digest,
      options: { mode: 'fast' },
    };
    await publishTwice(ANALYZE_QUEUE, message, `analyze:${job.id}`);
    const done = await finished(job.id);
    expect(done.state, `${done.error_code} ${done.error_message}`).toBe('PUBLISHED');
    await expectOnePass(job.id);
    // The recorded result is stored under its own digest, so a second scan cannot change its bytes.
    const bytes = Buffer.concat(await (await store.get(RESULTS_BUCKET, done.result_key!)).toArray());
    expect(sha256Digest(bytes)).toBe(done.result_digest);
    const reports = await reportsOf(job.id);
    expect(reports).toContain(done.result_key);
    process.stderr.write(`[replicas] duplicate ANALYZE left ${reports.length} report object(s)\n`);
    expect(publishesOf('9.0.1')).toEqual([201]);
  }, 300_000);
});

describe('the database password is never printed', () => {
  const url = 'postgres://hub:TOPSECRET-pw@127.0.0.1:1/nowhere';

  it('mcphub config masks it; a daemon that cannot reach PostgreSQL says so with the URL masked', async () => {
    const home = tempHome();
    const config = await runCli(['config', '--home', home], { MCPHUB_DATABASE_URL: url });
    expect(config.code).toBe(0);
    expect(config.stdout).toContain('"databaseUrl": "postgres://hub:***@127.0.0.1:1/nowhere"');
    expect(config.stdout + config.stderr).not.toContain('TOPSECRET');
    const daemon = await runCli([
      'daemon',
      '--home',
      home,
      '--hub-port',
      '0',
      '--registry-port',
      '0',
      '--database-url',
      url,
    ]);
    expect(daemon.code).not.toBe(0);
    expect(daemon.stderr).toContain('HUB_ERR_DATABASE_UNAVAILABLE');
    expect(daemon.stderr).toContain('postgres://hub:***@127.0.0.1:1/nowhere');
    expect(daemon.stdout + daemon.stderr).not.toContain('TOPSECRET');
  });
});

describe('replicas starting at the same moment on an empty PostgreSQL schema', () => {
  it('both start; every hub and registry migration is applied exactly once', async () => {
    const schema = `mcphub_start_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    const db = await openPostgresDatabase(PG, { schema });
    const env = { MCPHUB_DATABASE_URL: `${PG}?schema=${schema}` };
    const started: DaemonProcess[] = [];
    try {
      const results = await Promise.allSettled([
        startDaemonProcess({ args: ['--roles', 'hub,registry'], env }),
        startDaemonProcess({ args: ['--roles', 'hub,registry'], env }),
      ]);
      for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'started'))).toEqual([
        'started',
        'started',
      ]);
      const hub = await sql<{ name: string }>`select name from hub_migrations order by name`.execute(db);
      expect(hub.rows.map((r) => r.name)).toEqual(Object.keys(hubMigrations));
      const reg = await sql<{ name: string }>`select name from registry_migrations`.execute(db);
      expect(reg.rows.map((r) => r.name)).toEqual(['0001_registry_index']);
      for (const d of started) expect((await fetch(`${d.hubUrl}/healthz`)).status).toBe(200);
    } finally {
      await Promise.allSettled(started.map((d) => d.stop()));
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
      await db.destroy();
    }
  });
});
