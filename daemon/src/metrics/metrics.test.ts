import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrateTo, openMemoryDatabase } from '../db/database.js';
import { hubMigrations } from '../db/migrations/index.js';
import { JobStore } from '../jobs/job-store.js';
import { createLogger } from '../logger.js';
import { SqliteJobQueue } from '../queue/sqlite-job-queue.js';
import { Outbox } from '../sync/outbox.js';
import { Metrics } from './metrics.js';

/** The sample of `series` (labels in any order) in a Prometheus text exposition. */
const sampleOf = (text: string, series: string) => {
  const norm = (s: string) => {
    const m = /^([^{\s]+)(?:\{(.*)\})?$/.exec(s)!;
    return `${m[1]}{${(m[2] ?? '').split(',').filter(Boolean).sort().join(',')}}`;
  };
  const want = norm(series);
  for (const line of text.split('\n')) {
    const i = line.lastIndexOf(' ');
    if (!line.startsWith('#') && i > 0 && norm(line.slice(0, i)) === want) return Number(line.slice(i + 1));
  }
  return undefined;
};

describe('Metrics', () => {
  it('reads queue depth, jobs by state and the outbox when scraped, and counts what it is told', async () => {
    const db = openMemoryDatabase();
    await migrateTo(db, 'hub_migrations', hubMigrations);
    const queue = new SqliteJobQueue(db, { pollIntervalMs: 20 });
    const jobs = new JobStore(db);
    const outbox = new Outbox(db, {
      minDelayMs: 10,
      maxDelayMs: 20,
      attemptTimeoutMs: 100,
      logger: createLogger('silent'),
    });
    const m = new Metrics({ role: 'test', queue: { queue, names: ['q.scan'] }, jobs, outbox });

    let text = (await m.render()).body;
    expect(sampleOf(text, 'mcphub_queue_depth{queue="q.scan",state="ready",role="test"}')).toBe(0);
    expect(sampleOf(text, 'mcphub_jobs{state="QUEUED",role="test"}')).toBe(0);

    for (let i = 0; i < 3; i++) await queue.publish('q.scan', { i });
    await jobs.create({
      org: 'acme',
      name: 'x',
      version: '1.0.0',
      sourceKind: 'upload',
      sourceKey: 'k',
      sourceDigest: `sha256:${'0'.repeat(64)}`,
      sourceBytes: 1,
      options: {},
      createdBy: 't',
    });
    await outbox.enqueue('dispatch', 'job-1');
    m.observeScan({ seconds: 2, lines: 1000, outcome: 'succeeded' });
    m.countRegistryRequest('GET', '/v1/resolve/:org/:name/:version', 200);
    m.countSandboxRun('runtime_check', 'passed');

    text = (await m.render()).body;
    expect(sampleOf(text, 'mcphub_queue_depth{queue="q.scan",state="ready",role="test"}')).toBe(3);
    expect(sampleOf(text, 'mcphub_queue_up{role="test"}')).toBe(1);
    expect(sampleOf(text, 'mcphub_jobs{state="QUEUED",role="test"}')).toBe(1);
    expect(sampleOf(text, 'mcphub_outbox_pending{topic="dispatch",role="test"}')).toBe(1);
    expect(sampleOf(text, 'mcphub_scan_duration_seconds_count{outcome="succeeded",role="test"}')).toBe(1);
    expect(sampleOf(text, 'mcphub_scan_lines_total{role="test"}')).toBe(1000);
    expect(sampleOf(text, 'mcphub_scan_lines_per_second_sum{role="test"}')).toBe(500);
    expect(
      sampleOf(
        text,
        'mcphub_registry_requests_total{method="GET",route="/v1/resolve/:org/:name/:version",status="200",role="test"}',
      ),
    ).toBe(1);
    expect(
      sampleOf(text, 'mcphub_sandbox_runs_total{kind="runtime_check",outcome="passed",role="test"}'),
    ).toBe(1);
    await queue.close();
    await db.destroy();
  });

  it('reports the broker as down instead of failing the scrape', async () => {
    const broken = {
      depth: async () => {
        throw new Error('ECONNREFUSED');
      },
    } as never;
    const m = new Metrics({ role: 'test', queue: { queue: broken, names: ['q'] } });
    const text = (await m.render()).body;
    expect(sampleOf(text, 'mcphub_queue_up{role="test"}')).toBe(0);
  });

  it('counts `mcphub run` decisions from the audit log, reading only what was appended since the last scrape', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mcphub-audit-')), 'audit.jsonl');
    writeFileSync(file, '{"decision":"allowed"}\n{"decision":"denied"}\n{"decis');
    const m = new Metrics({ role: 'test', auditFile: file });
    const run = async (outcome: string) =>
      sampleOf(
        (await m.render()).body,
        `mcphub_sandbox_runs_total{kind="run",outcome="${outcome}",role="test"}`,
      );
    expect(await run('allowed')).toBe(1);
    expect(await run('denied')).toBe(1);
    appendFileSync(file, 'ion":"allowed"}\nnot json\n{"decision":"refused"}\n');
    expect(await run('allowed')).toBe(2);
    expect(await run('refused')).toBe(1);
    expect(await run('denied')).toBe(1);
  });
});
