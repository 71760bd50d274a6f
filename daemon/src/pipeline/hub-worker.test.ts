import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore, sha256Digest } from '@mcphub/registry';
import { renderJson, scanDirectory } from '@mcphub/scanner';
import { describe, expect, it } from 'vitest';
import { migrateTo, openMemoryDatabase } from '../db/database.js';
import { hubMigrations } from '../db/migrations/index.js';
import { JobStore } from '../jobs/job-store.js';
import { loadOrCreateSigningKey } from '../keys/signing-key.js';
import { createLogger } from '../logger.js';
import type { Delivery, JobQueue } from '../queue/job-queue.js';
import { HubWorker } from './hub-worker.js';
import { type AnalyzeCompleteMessage, RESULTS_BUCKET, resultKeyOf, SOURCES_BUCKET } from './messages.js';

describe('hub worker: a job advanced twice at once (two replicas, or one message delivered twice)', () => {
  it('the second caller is refused with HUB_ERR_JOB_BUSY and the job is certified once', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mcphub-hubworker-'));
    const db = openMemoryDatabase();
    await migrateTo(db, 'hub_migrations', hubMigrations);
    const store = new FsObjectStore({ root: join(home, 'objects') });
    await store.ensureBucket(RESULTS_BUCKET);
    await store.ensureBucket(SOURCES_BUCKET);
    const src = join(home, 'src');
    mkdirSync(src);
    writeFileSync(
      join(src, 'package.json'),
      JSON.stringify({ name: 'tiny', version: '1.0.0', main: 'index.js' }),
    );
    writeFileSync(join(src, 'index.js'), '// nothing\n');
    const report = Buffer.from(renderJson(await scanDirectory(src, { mode: 'fast' })));
    const bundle = Buffer.from('not really a bundle');
    await store.put(SOURCES_BUCKET, 'src.tar.gz', bundle);

    const jobs = new JobStore(db);
    const job = await jobs.create({
      org: 'acme',
      name: 'tiny',
      version: '1.0.0',
      sourceKind: 'upload',
      sourceKey: 'src.tar.gz',
      sourceDigest: sha256Digest(bundle),
      sourceBytes: bundle.length,
      options: {},
      createdBy: 'test',
    });
    const resultKey = resultKeyOf(job.id, 'report.json');
    await store.put(RESULTS_BUCKET, resultKey, report);
    await jobs.transition(job.id, ['QUEUED'], 'DISPATCHED', 'test', null);
    await jobs.transition(job.id, ['DISPATCHED'], 'ANALYZED', 'test', null, {
      result_key: resultKey,
      result_digest: sha256Digest(report),
    });

    // The runtime check (inside certify) waits until we let it go: the job sits in a step.
    let checks = 0;
    let letGo!: () => void;
    const gate = new Promise<void>((r) => {
      letGo = r;
    });
    const deps = {
      jobs,
      queue: {} as JobQueue,
      store,
      signingKey: await loadOrCreateSigningKey(home),
      registryUrl: 'http://127.0.0.1:9', // nothing listens: publishing fails, after certification
      logger: createLogger('silent'),
      runtimeCheck: async () => {
        checks++;
        await gate;
        return { passed: false, reason: 'test' };
      },
    };
    const first = new HubWorker(deps);
    const second = new HubWorker(deps);
    const running = first.advance(job.id).catch((err: unknown) => err);
    for (let i = 0; i < 200 && checks === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(checks).toBe(1);
    expect((await jobs.get(job.id))?.state).toBe('SCORED');

    await expect(second.advance(job.id)).rejects.toMatchObject({ code: 'HUB_ERR_JOB_BUSY' });
    letGo();
    await running; // publishing to a closed port throws: the message would be retried
    expect(checks).toBe(1);
    expect((await jobs.get(job.id))?.state).toBe('CERTIFIED');
    const history = (await jobs.history(job.id)).map((h) => h.to_state);
    expect(history).toEqual(['QUEUED', 'DISPATCHED', 'ANALYZED', 'SCORED', 'CERTIFIED']);
    // The lease was released with the failure: the retry may take it at once.
    expect(await jobs.claim(job.id, 'retry', 10_000)).toBe(true);
    await db.destroy();
  });

  it('a completion that overtakes the record of its dispatch is retried, not dropped', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mcphub-hubworker-'));
    const db = openMemoryDatabase();
    await migrateTo(db, 'hub_migrations', hubMigrations);
    const store = new FsObjectStore({ root: join(home, 'objects') });
    await store.ensureBucket(RESULTS_BUCKET);
    let handler!: (d: Delivery<AnalyzeCompleteMessage>) => Promise<void>;
    const queue = {
      consume: async (_q: string, h: typeof handler) => {
        handler = h;
        return { cancel: async () => undefined };
      },
      publish: async () => 'id',
    } as unknown as JobQueue;
    const jobs = new JobStore(db);
    const worker = new HubWorker({
      jobs,
      queue,
      store,
      signingKey: await loadOrCreateSigningKey(home),
      registryUrl: 'http://127.0.0.1:9',
      logger: createLogger('silent'),
    });
    await worker.start();
    const job = await jobs.create({
      org: 'acme',
      name: 'fast',
      version: '1.0.0',
      sourceKind: 'upload',
      sourceKey: 'k',
      sourceDigest: `sha256:${'0'.repeat(64)}`,
      sourceBytes: 1,
      options: {},
      createdBy: 'test',
    });
    const delivery = {
      id: 'm1',
      queue: 'q',
      attempt: 1,
      ack: async () => undefined,
      nack: async () => undefined,
      body: {
        schemaVersion: 1,
        jobId: job.id,
        status: 'failed',
        error: { code: 'HUB_ERR_SCAN_FAILED', message: 'boom' },
      },
    } as Delivery<AnalyzeCompleteMessage>;
    // Still QUEUED: the hub has published ANALYZE but not yet recorded DISPATCHED.
    await expect(handler(delivery)).rejects.toMatchObject({ code: 'HUB_ERR_JOB_BUSY' });
    expect((await jobs.get(job.id))?.state).toBe('QUEUED');
    await jobs.transition(job.id, ['QUEUED'], 'DISPATCHED', 'hub-worker', 'ANALYZE published');
    await handler(delivery); // the retry
    expect((await jobs.get(job.id))?.state).toBe('FAILED');
    await handler(delivery); // a duplicate after that changes nothing and does not throw
    expect((await jobs.history(job.id)).map((h) => h.to_state)).toEqual(['QUEUED', 'DISPATCHED', 'FAILED']);
    await worker.stop();
    await db.destroy();
  });
});
