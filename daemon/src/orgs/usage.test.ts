import { afterEach, describe, expect, it } from 'vitest';
import { type HubDb, migrateTo, openMemoryDatabase } from '../db/database.js';
import { hubMigrations } from '../db/migrations/index.js';
import { OrgDirectory } from './org-directory.js';
import { PLANS } from './plans.js';
import { UsageMeter } from './usage.js';

let db: HubDb;
afterEach(async () => {
  await db.destroy();
});

async function setup(now: { value: Date }) {
  db = openMemoryDatabase();
  await migrateTo(db, 'hub_migrations', hubMigrations);
  const plans = { ...PLANS, tiny: { scan: 2, bytes_stored: 1000, run: 0 } };
  const meter = new UsageMeter(db, { plans, now: () => now.value });
  await new OrgDirectory(db).createOrg({ name: 'acme', plan: 'tiny', ownerId: null });
  return meter;
}

describe('usage metering and plan quotas', () => {
  it('counts scans per calendar month (UTC) and says when the quota resets', async () => {
    const now = { value: new Date('2026-11-30T23:59:00Z') };
    const meter = await setup(now);
    await meter.assertQuota('acme', 'scan', 1);
    await meter.recordUsage('acme', 'scan', 2, 'job-1');
    const err = await meter.assertQuota('acme', 'scan', 1).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'HUB_ERR_QUOTA_EXCEEDED',
      statusCode: 429,
      details: { used: 2, limit: 2, retryAfterSeconds: 60 },
    });
    expect((err as Error).message).toBe(
      'Quota exceeded: acme used 2 of 2 scans per month on the tiny plan (this needs 1 more); it resets at 2026-12-01T00:00:00.000Z',
    );
    now.value = new Date('2026-12-01T00:00:00Z');
    await expect(meter.assertQuota('acme', 'scan', 1)).resolves.toBeUndefined();
    expect((await meter.summary('acme')).usage.scan).toEqual({ used: 0, limit: 2 });
  });

  it('counts bytes stored as a running total that does not reset', async () => {
    const now = { value: new Date('2026-01-15T00:00:00Z') };
    const meter = await setup(now);
    await meter.recordUsage('acme', 'bytes_stored', 900, 'job-1');
    now.value = new Date('2027-06-01T00:00:00Z');
    await expect(meter.assertQuota('acme', 'bytes_stored', 100)).resolves.toBeUndefined();
    await expect(meter.assertQuota('acme', 'bytes_stored', 101)).rejects.toThrow(
      /acme used 900 of 1000 bytes stored on the tiny plan \(this needs 101 more\); it does not reset/,
    );
  });

  it('refuses with 402 what the plan does not include at all', async () => {
    const meter = await setup({ value: new Date() });
    await expect(meter.assertQuota('acme', 'run', 1)).rejects.toMatchObject({
      code: 'HUB_ERR_PAYMENT_REQUIRED',
      statusCode: 402,
      message: 'The tiny plan of acme does not include runs; ask a hub admin to change the plan',
    });
  });

  it('meters every organization separately, and an unregistered one on the operator plan (unlimited)', async () => {
    const meter = await setup({ value: new Date() });
    await meter.recordUsage('acme', 'scan', 2, null);
    await expect(meter.assertQuota('beta', 'scan', 1_000_000)).resolves.toBeUndefined();
    expect(await meter.planOf('beta')).toMatchObject({ plan: 'unlimited' });
    const strict = new UsageMeter(db, { unregisteredPlan: 'free' });
    await expect(strict.assertQuota('beta', 'scan', 101)).rejects.toMatchObject({
      code: 'HUB_ERR_QUOTA_EXCEEDED',
    });
  });
});
