import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Selectable, Updateable } from 'kysely';
import { type HubDb, isUniqueViolation } from '../db/database.js';
import type { JobsTable } from '../db/schema.js';
import { HubError } from '../errors.js';

/** DESIGN.md §4. FAILED and REJECTED end a job; PUBLISHED is success. */
export const JOB_STATES = [
  'QUEUED',
  'DISPATCHED',
  'ANALYZING',
  'ANALYZED',
  'SCORED',
  'CERTIFIED',
  'PUBLISHED',
  'FAILED',
  'REJECTED',
] as const;
export type JobState = (typeof JOB_STATES)[number];
export const TERMINAL_STATES: readonly JobState[] = ['PUBLISHED', 'FAILED', 'REJECTED'];

/** The only moves the state machine allows; anything else is refused, not written. */
const ALLOWED: Record<JobState, readonly JobState[]> = {
  QUEUED: ['DISPATCHED', 'FAILED', 'REJECTED'],
  DISPATCHED: ['ANALYZING', 'ANALYZED', 'FAILED', 'REJECTED'],
  ANALYZING: ['ANALYZED', 'FAILED', 'REJECTED'],
  ANALYZED: ['SCORED', 'FAILED'],
  SCORED: ['CERTIFIED', 'FAILED'],
  CERTIFIED: ['PUBLISHED', 'FAILED'],
  PUBLISHED: [],
  FAILED: [],
  REJECTED: [],
};

export type Job = Selectable<JobsTable> & { state: JobState };

export interface JobTransition {
  jobId: string;
  org: string;
  name: string;
  version: string;
  from: JobState | null;
  to: JobState;
  at: string;
  actor: string;
  reason: string | null;
}

export interface NewJob {
  org: string;
  name: string;
  version: string;
  sourceKind: 'upload' | 'git' | 'directory' | 'webhook';
  sourceKey: string;
  sourceDigest: string;
  sourceBytes: number;
  git?: { url: string; commit: string };
  options: Record<string, unknown>;
  createdBy: string;
}

/**
 * Jobs and their history. Every state change is a conditional UPDATE (`WHERE state = from`) plus
 * a history row in one transaction, so two workers racing on one job cannot both move it, and a
 * redelivered message that finds the job already moved changes nothing.
 */
export class JobStore {
  /**
   * `transition`: moves made through this store (this process). `replicated`: moves other hub
   * replicas made in the shared database, seen by `followReplicas` (for event streams only).
   */
  readonly events = new EventEmitter<{ transition: [JobTransition]; replicated: [JobTransition] }>();
  /** `jobId:state` of transitions already announced (a job reaches each state at most once). */
  private readonly announced = new Map<string, number>();
  private following = false;

  constructor(private readonly db: HubDb) {
    this.events.setMaxListeners(1000);
  }

  async create(input: NewJob): Promise<Job> {
    const now = new Date().toISOString();
    const id = randomUUID();
    const row = {
      id,
      org: input.org,
      name: input.name,
      version: input.version,
      state: 'QUEUED' as JobState,
      source_kind: input.sourceKind,
      source_key: input.sourceKey,
      source_digest: input.sourceDigest,
      source_bytes: input.sourceBytes,
      git_url: input.git?.url ?? null,
      git_commit: input.git?.commit ?? null,
      options: JSON.stringify(input.options),
      result_key: null,
      result_digest: null,
      score: null,
      level: null,
      certification: null,
      manifest_digest: null,
      error_code: null,
      error_message: null,
      created_by: input.createdBy,
      created_at: now,
      updated_at: now,
    };
    await this.db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('jobs').values(row).execute();
        await trx
          .insertInto('job_history')
          .values({
            job_id: id,
            seq: 1,
            from_state: null,
            to_state: 'QUEUED',
            at: now,
            actor: input.createdBy,
            reason: 'submitted',
          })
          .execute();
      })
      .catch((err: unknown) => {
        // Another live job holds this version (a second replica got it at the same instant).
        if (isUniqueViolation(err))
          throw new HubError(
            'HUB_ERR_VERSION_EXISTS',
            `${input.org}/${input.name}@${input.version} already has a job in progress or done`,
          );
        throw err;
      });
    this.emit({
      jobId: id,
      org: row.org,
      name: row.name,
      version: row.version,
      from: null,
      to: 'QUEUED',
      at: now,
      actor: input.createdBy,
      reason: 'submitted',
    });
    return row;
  }

  async get(id: string): Promise<Job | undefined> {
    return (await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst()) as
      | Job
      | undefined;
  }

  /** `orgs` restricts the list to those organizations (a caller's readable ones); `[]` matches nothing. */
  async list(
    filter: { state?: JobState; org?: string; orgs?: readonly string[]; name?: string; limit?: number } = {},
  ): Promise<Job[]> {
    if (filter.orgs?.length === 0) return [];
    let q = this.db.selectFrom('jobs').selectAll();
    if (filter.orgs) q = q.where('org', 'in', [...filter.orgs]);
    if (filter.state) q = q.where('state', '=', filter.state);
    if (filter.org) q = q.where('org', '=', filter.org);
    if (filter.name) q = q.where('name', '=', filter.name);
    return (await q
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(filter.limit ?? 100)
      .execute()) as Job[];
  }

  async history(id: string) {
    return this.db.selectFrom('job_history').selectAll().where('job_id', '=', id).orderBy('seq').execute();
  }

  /**
   * Moves a job from one of `from` to `to`, writing `patch` with it. Returns the updated job, or
   * null when the job was not in one of `from` (someone else moved it: the caller does nothing).
   */
  async transition(
    id: string,
    from: readonly JobState[],
    to: JobState,
    actor: string,
    reason: string | null,
    patch: Omit<Updateable<JobsTable>, 'state' | 'id'> = {},
  ): Promise<Job | null> {
    const legal = from.filter((f) => ALLOWED[f].includes(to));
    if (legal.length === 0) throw new Error(`illegal job transition ${from.join('|')} → ${to}`);
    const at = new Date().toISOString();
    const result = await this.db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('jobs').select('state').where('id', '=', id).executeTakeFirst();
      if (!current || !legal.includes(current.state as JobState)) return null;
      const updated = await trx
        .updateTable('jobs')
        .set({ ...patch, state: to, updated_at: at })
        .where('id', '=', id)
        .where('state', '=', current.state)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return null;
      const last = await trx
        .selectFrom('job_history')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('job_id', '=', id)
        .executeTakeFirst();
      await trx
        .insertInto('job_history')
        .values({
          job_id: id,
          seq: Number(last?.seq ?? 0) + 1,
          from_state: current.state,
          to_state: to,
          at,
          actor,
          reason,
        })
        .execute();
      return {
        from: current.state as JobState,
        job: (await trx.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow()) as Job,
      };
    });
    if (!result) return null;
    const j = result.job;
    this.emit({
      jobId: id,
      org: j.org,
      name: j.name,
      version: j.version,
      from: result.from,
      to,
      at,
      actor,
      reason,
    });
    return j;
  }

  /**
   * Takes (or renews) the exclusive right to advance `id` for `ttlMs`. True when `owner` holds it;
   * false while someone else's unexpired lease stands. One row per job, written with conditional
   * statements only, so two replicas racing for it cannot both win.
   */
  async claim(id: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    await this.db
      .insertInto('job_leases')
      .values({ job_id: id, owner, expires_at: now + ttlMs })
      .onConflict((oc) => oc.column('job_id').doNothing())
      .execute();
    const r = await this.db
      .updateTable('job_leases')
      .set({ owner, expires_at: now + ttlMs })
      .where('job_id', '=', id)
      .where((eb) => eb.or([eb('owner', '=', owner), eb('expires_at', '<', now)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async release(id: string, owner: string): Promise<void> {
    await this.db.deleteFrom('job_leases').where('job_id', '=', id).where('owner', '=', owner).execute();
  }

  async countByState(orgs?: readonly string[]): Promise<Record<string, number>> {
    if (orgs?.length === 0) return {};
    let q = this.db.selectFrom('jobs').select(['state', (eb) => eb.fn.countAll<number>().as('n')]);
    if (orgs) q = q.where('org', 'in', [...orgs]);
    const rows = await q.groupBy('state').execute();
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  /**
   * Polls the shared history for transitions other replicas wrote and emits them as `replicated`,
   * so an event stream on one replica shows the whole hub. Returns a stop function.
   */
  followReplicas(intervalMs = 500, windowMs = 10_000): () => void {
    let cursor = new Date(Date.now() - 1000).toISOString();
    let stopped = false;
    this.following = true;
    let timer: NodeJS.Timeout | null = null;
    const poll = async () => {
      const rows = await this.db
        .selectFrom('job_history as h')
        .innerJoin('jobs as j', 'j.id', 'h.job_id')
        .select([
          'h.job_id',
          'h.from_state',
          'h.to_state',
          'h.at',
          'h.actor',
          'h.reason',
          'j.org',
          'j.name',
          'j.version',
        ])
        .where('h.at', '>=', cursor)
        .orderBy('h.at')
        .orderBy('h.job_id')
        .orderBy('h.seq')
        .limit(5000)
        .execute();
      for (const r of rows) {
        const key = `${r.job_id}:${r.to_state}`;
        if (this.announced.has(key)) continue;
        this.announced.set(key, Date.parse(r.at));
        this.events.emit('replicated', {
          jobId: r.job_id,
          org: r.org,
          name: r.name,
          version: r.version,
          from: r.from_state as JobState | null,
          to: r.to_state as JobState,
          at: r.at,
          actor: r.actor,
          reason: r.reason,
        });
      }
      // Rows commit a little after their `at` (and replicas' clocks differ): look back a window.
      const latest = rows.length > 0 ? Date.parse(rows[rows.length - 1]!.at) : Date.now();
      const from = Math.min(latest, Date.now()) - windowMs;
      cursor = new Date(from).toISOString();
      for (const [key, at] of this.announced) if (at < from - windowMs) this.announced.delete(key);
    };
    const loop = () => {
      if (stopped) return;
      poll()
        .catch(() => undefined)
        .finally(() => {
          if (!stopped) timer = setTimeout(loop, intervalMs);
        });
    };
    loop();
    return () => {
      stopped = true;
      this.following = false;
      this.announced.clear();
      if (timer) clearTimeout(timer);
    };
  }

  private emit(t: JobTransition): void {
    if (this.following) this.announced.set(`${t.jobId}:${t.to}`, Date.parse(t.at));
    this.events.emit('transition', t);
  }
}
