import { sql } from 'kysely';
import { type HubDb, isPostgres } from '../db/database.js';
import { HubError } from '../errors.js';
import {
  DEFAULT_PLAN,
  MONTHLY_KINDS,
  PLANS,
  type PlanQuotas,
  type PlanTable,
  QUOTA_LABEL,
  USAGE_KINDS,
  type UsageKind,
} from './plans.js';

/** What ingest needs from billing: check before doing work, record after it is done. */
/**
 * Plan quotas for the code that spends them (ingest, runs). `reserve` checks every kind and records
 * the usage in one step, so two callers at the edge of a limit cannot both pass; the caller then
 * `attach`es the usage to what it made, or `release`s it when that failed, so a refusal leaves no
 * usage row behind.
 */
export interface QuotaGate {
  reserve(org: string, usage: Partial<Record<UsageKind, number>>): Promise<QuotaHold>;
}

export interface QuotaHold {
  /** Names what the usage was for (a job id, a package reference). */
  attach(ref: string): Promise<void>;
  /** Gives the usage back (the work it was reserved for did not happen). */
  release(): Promise<void>;
}

export interface UsageMeterOptions {
  plans?: PlanTable;
  /**
   * Plan of an organization that has no row: only the hub admin and signed webhooks can reach one
   * (members push to their own, registered organizations), so it is the operator's own work.
   */
  unregisteredPlan?: string;
  now?: () => Date;
}

export interface QuotaLine {
  used: number;
  /** null: unlimited; 0: not included in the plan. */
  limit: number | null;
}

export interface UsageSummary {
  org: string;
  plan: string;
  period: { start: string; resetsAt: string };
  usage: Record<UsageKind, QuotaLine>;
}

const monthStart = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
const nextMonthStart = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));

/**
 * Usage metering per organization (append-only `usage_events`) and plan quotas. Scans and runs
 * count per calendar month (UTC); bytes stored is a running total. No payment processor: plans
 * are code constants and a hub admin changes an organization's plan.
 */
export class UsageMeter implements QuotaGate {
  private readonly plans: PlanTable;
  private readonly unregisteredPlan: string;
  private readonly now: () => Date;

  constructor(
    private readonly db: HubDb,
    options: UsageMeterOptions = {},
  ) {
    this.plans = options.plans ?? PLANS;
    this.unregisteredPlan = options.unregisteredPlan ?? 'unlimited';
    this.now = options.now ?? (() => new Date());
  }

  planNames(): string[] {
    return Object.keys(this.plans);
  }

  hasPlan(name: string): boolean {
    return Object.hasOwn(this.plans, name);
  }

  async planOf(org: string): Promise<{ plan: string; quotas: PlanQuotas }> {
    const row = await this.db
      .selectFrom('organizations')
      .select('plan')
      .where('name', '=', org)
      .executeTakeFirst();
    const plan = row?.plan ?? this.unregisteredPlan;
    const quotas = this.plans[plan] ?? this.plans[DEFAULT_PLAN];
    if (!quotas) throw new Error(`plan ${plan} is not defined`);
    return { plan, quotas };
  }

  /** Amount used of `kind` in the current period (this month, or all time for running totals). */
  async used(org: string, kind: UsageKind): Promise<number> {
    let q = this.db
      .selectFrom('usage_events')
      .select((eb) => eb.fn.sum<number | string | null>('amount').as('total'))
      .where('org', '=', org)
      .where('kind', '=', kind);
    if (MONTHLY_KINDS.includes(kind)) q = q.where('at', '>=', monthStart(this.now()).toISOString());
    const row = await q.executeTakeFirst();
    return Number(row?.total ?? 0);
  }

  async recordUsage(org: string, kind: UsageKind, amount: number, ref: string | null): Promise<void> {
    await this.db
      .insertInto('usage_events')
      .values({ org, kind, amount, at: this.now().toISOString(), ref })
      .execute();
  }

  /**
   * Throws HUB_ERR_PAYMENT_REQUIRED (402) when the plan does not include `kind` at all, and
   * HUB_ERR_QUOTA_EXCEEDED (429) when `amount` more would pass the limit. The message names the
   * quota, the usage against the limit, and when it resets.
   */
  async assertQuota(org: string, kind: UsageKind, amount: number): Promise<void> {
    const { plan, quotas } = await this.planOf(org);
    const limit = quotas[kind];
    if (limit === null) return;
    if (limit === 0) {
      throw new HubError(
        'HUB_ERR_PAYMENT_REQUIRED',
        `The ${plan} plan of ${org} does not include ${QUOTA_LABEL[kind].replace(' per month', '')}; ask a hub admin to change the plan`,
        { org, plan, kind },
      );
    }
    const used = await this.used(org, kind);
    if (used + amount <= limit) return;
    const monthly = MONTHLY_KINDS.includes(kind);
    const now = this.now();
    const resetsAt = nextMonthStart(now);
    const when = monthly
      ? `it resets at ${resetsAt.toISOString()}`
      : 'it does not reset: delete stored sources or ask a hub admin for a larger plan';
    throw new HubError(
      'HUB_ERR_QUOTA_EXCEEDED',
      `Quota exceeded: ${org} used ${used} of ${limit} ${QUOTA_LABEL[kind]} on the ${plan} plan (this needs ${amount} more); ${when}`,
      {
        org,
        plan,
        kind,
        used,
        limit,
        ...(monthly ? { retryAfterSeconds: Math.ceil((resetsAt.getTime() - now.getTime()) / 1000) } : {}),
      },
    );
  }

  async summary(org: string): Promise<UsageSummary> {
    const { plan, quotas } = await this.planOf(org);
    const now = this.now();
    const usage = {} as Record<UsageKind, QuotaLine>;
    for (const kind of USAGE_KINDS) usage[kind] = { used: await this.used(org, kind), limit: quotas[kind] };
    return {
      org,
      plan,
      period: { start: monthStart(now).toISOString(), resetsAt: nextMonthStart(now).toISOString() },
      usage,
    };
  }

  /**
   * QuotaGate. Each kind is one conditional insert (`insert … select … where used + amount <= limit`),
   * which SQLite runs atomically; on PostgreSQL, where concurrent statements each see the old sum,
   * reservations of one organization also take a transaction-scoped advisory lock (hub replicas share
   * the table). A kind that does not fit gives back the kinds already held and throws the usual
   * 402/429 with the usage against the limit.
   */
  async reserve(org: string, usage: Partial<Record<UsageKind, number>>): Promise<QuotaHold> {
    const entries = Object.entries(usage).filter(([, amount]) => (amount ?? 0) > 0) as [UsageKind, number][];
    const ids: number[] = [];
    const release = async () => {
      if (ids.length > 0) await this.db.deleteFrom('usage_events').where('id', 'in', ids).execute();
    };
    try {
      for (const [kind, amount] of entries) ids.push(await this.reserveOne(org, kind, amount));
    } catch (err) {
      await release();
      throw err;
    }
    return {
      attach: async (ref) => {
        if (ids.length > 0)
          await this.db.updateTable('usage_events').set({ ref }).where('id', 'in', ids).execute();
      },
      release,
    };
  }

  private async reserveOne(org: string, kind: UsageKind, amount: number): Promise<number> {
    const { quotas } = await this.planOf(org);
    const limit = quotas[kind];
    if (limit === 0) await this.assertQuota(org, kind, amount); // throws 402
    const now = this.now();
    const since = MONTHLY_KINDS.includes(kind) ? monthStart(now).toISOString() : '';
    const insert = (db: HubDb) =>
      limit === null
        ? sql<{ id: number }>`insert into usage_events (org, kind, amount, at, ref)
            values (${org}, ${kind}, ${amount}, ${now.toISOString()}, null) returning id`.execute(db)
        : sql<{ id: number }>`insert into usage_events (org, kind, amount, at, ref)
            select cast(${org} as varchar(64)), cast(${kind} as varchar(16)), cast(${amount} as bigint),
                   cast(${now.toISOString()} as varchar(40)), null
            where (select coalesce(sum(amount), 0) from usage_events
                   where org = ${org} and kind = ${kind} and at >= ${since}) + cast(${amount} as bigint)
                  <= cast(${limit} as bigint)
            returning id`.execute(db);
    const { rows } = isPostgres(this.db)
      ? await this.db.transaction().execute(async (trx) => {
          await sql`select pg_advisory_xact_lock(hashtext(${`mcphub-quota:${org}`}))`.execute(trx);
          return insert(trx);
        })
      : await insert(this.db);
    if (rows[0]) return Number(rows[0].id);
    await this.assertQuota(org, kind, amount); // throws 429 naming the usage against the limit
    // Room appeared between the two statements (a release): a refusal is still the honest answer.
    throw new HubError(
      'HUB_ERR_QUOTA_EXCEEDED',
      `Quota exceeded: ${org} ${QUOTA_LABEL[kind]} (concurrent use)`,
      {
        org,
        kind,
        limit,
      },
    );
  }
}
