import type { HubDb } from '../db/database.js';
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
export interface QuotaGate {
  assert(org: string, kind: UsageKind, amount: number): Promise<void>;
  record(org: string, kind: UsageKind, amount: number, ref: string | null): Promise<void>;
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

  // QuotaGate, for ingest.
  assert(org: string, kind: UsageKind, amount: number): Promise<void> {
    return this.assertQuota(org, kind, amount);
  }

  record(org: string, kind: UsageKind, amount: number, ref: string | null): Promise<void> {
    return this.recordUsage(org, kind, amount, ref);
  }
}
