import type { Generated } from 'kysely';

/** Hub-owned tables. The registry owns and migrates its own tables in the same database. */
export interface ApiTokensTable {
  id: string;
  name: string;
  /** SHA-256 hex of the secret; the secret itself is never stored. */
  token_hash: string;
  scope: string;
  resource: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  /** The user the token acts for; null only for tokens that predate users (bootstrap binds the admin token). */
  user_id: string | null;
}

export interface UsersTable {
  id: string;
  name: string;
  display_name: string | null;
  /** 1 when the user administers the whole hub (the `admin` user). */
  hub_admin: number;
  created_at: string;
  disabled_at: string | null;
}

export interface OrganizationsTable {
  name: string;
  /** A plan name from `orgs/plans.ts`. */
  plan: string;
  created_at: string;
}

export interface MembershipsTable {
  user_id: string;
  org: string;
  role: string;
  created_at: string;
}

export interface UsageEventsTable {
  id: Generated<number>;
  org: string;
  kind: string;
  amount: number;
  at: string;
  ref: string | null;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface JobsTable {
  id: string;
  org: string;
  name: string;
  version: string;
  state: string;
  source_kind: string;
  source_key: string;
  source_digest: string;
  source_bytes: number;
  git_url: string | null;
  git_commit: string | null;
  /** JSON: submission options (runtime override, scan mode). */
  options: string;
  result_key: string | null;
  result_digest: string | null;
  /** JSON ScoreBreakdown. */
  score: string | null;
  level: number | null;
  /** JSON: level decision, controls, artifact keys and digests. */
  certification: string | null;
  manifest_digest: string | null;
  error_code: string | null;
  error_message: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface JobHistoryTable {
  job_id: string;
  seq: number;
  from_state: string | null;
  to_state: string;
  at: string;
  actor: string;
  reason: string | null;
}

export interface OutboxTable {
  id: string;
  seq: number;
  /** What kind of work: `dispatch` (ANALYZE to the broker), `upstream` (publish), `revocation`. */
  topic: string;
  /** The job id, package reference or digest the work is about. */
  ref: string;
  /** JSON. */
  payload: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
}

export interface JobLeasesTable {
  job_id: string;
  /** A token unique to one holder (one `advance` call), not just to one process. */
  owner: string;
  /** Epoch ms; past it, anyone may take the lease over. */
  expires_at: number;
}

export interface HubDatabase {
  outbox: OutboxTable;
  job_leases: JobLeasesTable;
  jobs: JobsTable;
  job_history: JobHistoryTable;
  api_tokens: ApiTokensTable;
  settings: SettingsTable;
  users: UsersTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  usage_events: UsageEventsTable;
}
