/** What an organization's usage is measured in (DESIGN: billing as the platform needs it locally). */
export const USAGE_KINDS = ['scan', 'bytes_stored', 'run'] as const;
export type UsageKind = (typeof USAGE_KINDS)[number];

/**
 * A plan's quota per usage kind: scans and runs per calendar month (UTC), bytes stored in total.
 * `null` means unlimited; `0` means the plan does not include the feature (402, not 429).
 */
export type PlanQuotas = Record<UsageKind, number | null>;

const GiB = 1024 ** 3;

/** The plans, as code: no payment processor; a hub admin moves an organization between them. */
export const PLANS = {
  free: { scan: 100, bytes_stored: GiB, run: 1000 },
  team: { scan: 5000, bytes_stored: 50 * GiB, run: 50_000 },
  unlimited: { scan: null, bytes_stored: null, run: null },
} as const satisfies Record<string, PlanQuotas>;

export type PlanTable = Readonly<Record<string, PlanQuotas>>;

/** Plan of an organization a user creates; `local` (bootstrap) is `unlimited`. */
export const DEFAULT_PLAN = 'free';

/** Kinds metered per calendar month; the others are running totals. */
export const MONTHLY_KINDS: readonly UsageKind[] = ['scan', 'run'];

export const QUOTA_LABEL: Record<UsageKind, string> = {
  scan: 'scans per month',
  bytes_stored: 'bytes stored',
  run: 'runs per month',
};
