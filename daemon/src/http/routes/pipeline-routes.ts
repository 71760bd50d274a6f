import { createHmac, timingSafeEqual } from 'node:crypto';
import type {} from '@fastify/multipart';
import type { ObjectStore } from '@mcphub/registry';
import type { Finding, ScanReport } from '@mcphub/scanner';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Authorizer } from '../../auth/authorizer.js';
import { HubError } from '../../errors.js';
import type { Submissions, SubmitCommon } from '../../ingest/submissions.js';
import {
  JOB_STATES,
  type Job,
  type JobState,
  type JobStore,
  type JobTransition,
} from '../../jobs/job-store.js';
import { readObjectBytes } from '../../object-bytes.js';
import { RESULTS_BUCKET } from '../../pipeline/messages.js';
import type { Outbox, OutboxRow } from '../../sync/outbox.js';

export interface PipelineRouteDeps {
  jobs: JobStore;
  submissions: Submissions;
  store: ObjectStore;
  authorizer: Authorizer;
  registryUrl: string;
  webhookSecret?: string;
  /** Running-server events (`run`: started, stats, log, exited) to stream beside job transitions. */
  runEvents?: import('node:events').EventEmitter;
  /** Work waiting for an unreachable broker: such jobs are shown as waiting, not failed. */
  outbox?: Outbox;
}

const ErrorBody = Type.Object({ code: Type.String(), message: Type.String(), statusCode: Type.Integer() });
const JobView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    version: Type.String(),
    state: Type.String(),
    source: Type.Object({
      kind: Type.String(),
      digest: Type.String(),
      bytes: Type.Number(),
      git: Type.Optional(Type.Any()),
    }),
    score: Type.Union([Type.Null(), Type.Any()]),
    level: Type.Union([Type.Null(), Type.Integer()]),
    certification: Type.Union([Type.Null(), Type.Any()]),
    manifestDigest: Type.Union([Type.Null(), Type.String()]),
    reference: Type.Union([Type.Null(), Type.String()]),
    error: Type.Union([Type.Null(), Type.Object({ code: Type.String(), message: Type.String() })]),
    createdBy: Type.String(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { additionalProperties: true },
);

/** A QUEUED job whose dispatch waits in the outbox (the broker or remote is unreachable). */
function presentWaiting(row: OutboxRow | undefined) {
  if (!row) return null;
  return {
    reason: 'remote unreachable',
    since: row.created_at,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
  };
}

export function presentJob(j: Job, registryUrl: string, waiting?: OutboxRow) {
  return {
    id: j.id,
    name: `${j.org}/${j.name}`,
    version: j.version,
    state: j.state,
    source: {
      kind: j.source_kind,
      digest: j.source_digest,
      bytes: Number(j.source_bytes),
      ...(j.git_url ? { git: { url: j.git_url, commit: j.git_commit } } : {}),
    },
    score: j.score ? JSON.parse(j.score) : null,
    level: j.level,
    certification: j.certification ? JSON.parse(j.certification) : null,
    manifestDigest: j.manifest_digest,
    reference: j.state === 'PUBLISHED' ? `${j.org}/${j.name}@${j.version}` : null,
    registryUrl: j.state === 'PUBLISHED' ? `${registryUrl}/v1/resolve/${j.org}/${j.name}/${j.version}` : null,
    error: j.error_code ? { code: j.error_code, message: j.error_message ?? '' } : null,
    waiting: j.state === 'QUEUED' ? presentWaiting(waiting) : null,
    createdBy: j.created_by,
    createdAt: j.created_at,
    updatedAt: j.updated_at,
  };
}

async function readJson<T>(store: ObjectStore, key: string): Promise<T> {
  return JSON.parse((await readObjectBytes(store, RESULTS_BUCKET, key)).toString('utf8')) as T;
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

/** Ingest, jobs, findings, score, snapshot and attestation routes, plus the SSE event stream. */
export async function pipelineRoutes(app: FastifyInstance, deps: PipelineRouteDeps): Promise<void> {
  const { jobs, submissions, store, authorizer } = deps;
  const waitingOf = async (list: readonly Job[]): Promise<Map<string, OutboxRow>> =>
    deps.outbox
      ? deps.outbox.waitingByRef(list.filter((j) => j.state === 'QUEUED').map((j) => j.id))
      : new Map();
  const streams = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const end of streams) end();
  });

  // Keep the raw bytes of JSON bodies: the webhook signature is over exactly those bytes.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    (req as unknown as { rawBody: Buffer }).rawBody = body;
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(body.toString('utf8')));
    } catch {
      done(new HubError('HUB_ERR_VALIDATION', 'The body is not valid JSON'), undefined);
    }
  });

  async function jobFor(id: string, req: Parameters<Authorizer['authorize']>[0]): Promise<Job> {
    const job = await jobs.get(id);
    if (!job) throw new HubError('HUB_ERR_NOT_FOUND', `No job ${id}`);
    await authorizer.authorize(req, 'read', job.org);
    return job;
  }

  app.post(
    '/api/v1/servers',
    {
      schema: {
        tags: ['servers'],
        summary:
          'Submit an MCP server: multipart (fields name, version, options; file source=tar.gz) or JSON {name, version, git: {url, ref}}',
        security: [{ bearer: [] }],
        response: {
          200: JobView,
          202: JobView,
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          409: ErrorBody,
          413: ErrorBody,
          422: ErrorBody,
          429: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      let result: Awaited<ReturnType<Submissions['submitArchive']>>;
      if (req.isMultipart()) {
        const file = await req.file();
        if (!file) throw new HubError('HUB_ERR_VALIDATION', 'No file part named "source"');
        const field = (n: string) => {
          const f = file.fields[n] as { value?: unknown } | undefined;
          return typeof f?.value === 'string' ? f.value : undefined;
        };
        const name = field('name');
        const version = field('version');
        if (!name || !version)
          throw new HubError('HUB_ERR_VALIDATION', 'Fields "name" and "version" must come before the file');
        const principal = await authorizer.authorize(req, 'push', name.split('/')[0]);
        let options: SubmitCommon['options'] = {};
        try {
          options = JSON.parse(field('options') ?? '{}');
        } catch {
          throw new HubError('HUB_ERR_VALIDATION', 'Field "options" is not JSON');
        }
        result = await submissions.submitArchive(file.file, {
          name,
          version,
          options,
          createdBy: principal.name,
        });
        if (file.file.truncated) throw new HubError('HUB_ERR_SOURCE_TOO_LARGE');
      } else {
        const body = req.body as
          | {
              name?: string;
              version?: string;
              git?: { url?: string; ref?: string };
              options?: SubmitCommon['options'];
            }
          | undefined;
        if (!body?.name || !body.version || !body.git?.url) {
          throw new HubError('HUB_ERR_VALIDATION', 'JSON submissions need name, version and git: {url, ref}');
        }
        const principal = await authorizer.authorize(req, 'push', body.name.split('/')[0]);
        result = await submissions.submitGit(
          { url: body.git.url, ref: body.git.ref ?? 'HEAD' },
          { name: body.name, version: body.version, options: body.options ?? {}, createdBy: principal.name },
        );
      }
      return reply
        .status(result.created ? 202 : 200)
        .send(presentJob(result.job, deps.registryUrl, (await waitingOf([result.job])).get(result.job.id)));
    },
  );

  app.post(
    '/api/v1/webhooks/git',
    {
      schema: {
        tags: ['servers'],
        summary:
          'GitHub-style push webhook (X-Hub-Signature-256); ?name=org/name. Tags vX.Y.Z become versions, branch pushes 0.0.0-git.<sha>',
        querystring: Type.Object({ name: Type.Optional(Type.String()) }),
      },
    },
    async (req, reply) => {
      if (!deps.webhookSecret)
        throw new HubError('HUB_ERR_FORBIDDEN', 'Webhooks are disabled: set hub.webhookSecret');
      const raw =
        (req as unknown as { rawBody?: Buffer }).rawBody ?? Buffer.from(JSON.stringify(req.body ?? {}));
      const given = String(req.headers['x-hub-signature-256'] ?? '');
      const expected = `sha256=${createHmac('sha256', deps.webhookSecret).update(raw).digest('hex')}`;
      if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
        throw new HubError('HUB_ERR_UNAUTHENTICATED', 'Bad or missing X-Hub-Signature-256');
      }
      const p = req.body as {
        ref?: string;
        after?: string;
        repository?: { clone_url?: string; name?: string; owner?: { login?: string; name?: string } };
      };
      const url = p.repository?.clone_url;
      if (!url || !p.after || !p.ref)
        throw new HubError('HUB_ERR_VALIDATION', 'Not a push payload (ref, after, repository.clone_url)');
      const q = req.query as { name?: string };
      const name = (
        q.name ?? `${p.repository?.owner?.login ?? p.repository?.owner?.name}/${p.repository?.name}`
      ).toLowerCase();
      const tag = /^refs\/tags\/v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/.exec(p.ref);
      const version = tag ? tag[1]! : `0.0.0-git.${p.after.slice(0, 12)}`;
      const result = await submissions.submitGit(
        { url, ref: p.after },
        { name, version, createdBy: 'webhook', sourceKind: 'webhook' },
      );
      return reply
        .status(result.created ? 202 : 200)
        .send(presentJob(result.job, deps.registryUrl, (await waitingOf([result.job])).get(result.job.id)));
    },
  );

  app.get(
    '/api/v1/servers',
    {
      schema: {
        tags: ['servers'],
        summary: 'Servers with their latest job per version',
        security: [{ bearer: [] }],
      },
    },
    async (req) => {
      const readable = await authorizer.readableOrgs(await authorizer.authorize(req, 'read'));
      const all = await jobs.list({ limit: 5000, ...(readable === '*' ? {} : { orgs: readable }) });
      const byName = new Map<string, ReturnType<typeof presentJob>[]>();
      const waiting = await waitingOf(all);
      for (const j of all) {
        const key = `${j.org}/${j.name}`;
        const list = byName.get(key) ?? [];
        if (!list.some((x) => x.version === j.version))
          list.push(presentJob(j, deps.registryUrl, waiting.get(j.id)));
        byName.set(key, list);
      }
      return {
        servers: [...byName.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, versions]) => ({ name, versions })),
      };
    },
  );

  app.get(
    '/api/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Jobs, newest first',
        security: [{ bearer: [] }],
        querystring: Type.Object({
          state: Type.Optional(Type.Union(JOB_STATES.map((s) => Type.Literal(s)))),
          name: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        }),
      },
    },
    async (req) => {
      const readable = await authorizer.readableOrgs(await authorizer.authorize(req, 'read'));
      const orgs = readable === '*' ? undefined : readable;
      const q = req.query as { state?: JobState; name?: string; limit?: number };
      const [org, name] = q.name?.split('/') ?? [];
      const list = await jobs.list({
        ...(q.state ? { state: q.state } : {}),
        ...(org ? { org } : {}),
        ...(orgs ? { orgs } : {}),
        ...(name ? { name } : {}),
        limit: q.limit ?? 100,
      });
      const waiting = await waitingOf(list);
      return {
        jobs: list.map((j) => presentJob(j, deps.registryUrl, waiting.get(j.id))),
        counts: await jobs.countByState(orgs),
      };
    },
  );

  app.get(
    '/api/v1/jobs/:id',
    { schema: { tags: ['jobs'], summary: 'One job with its history', security: [{ bearer: [] }] } },
    async (req) => {
      const job = await jobFor((req.params as { id: string }).id, req);
      return {
        ...presentJob(job, deps.registryUrl, (await waitingOf([job])).get(job.id)),
        history: await jobs.history(job.id),
      };
    },
  );

  app.get(
    '/api/v1/jobs/:id/findings',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Findings of a job, filtered by class and minimum severity',
        security: [{ bearer: [] }],
        querystring: Type.Object({
          class: Type.Optional(Type.String({ pattern: '^[A-N](,[A-N])*$' })),
          severity: Type.Optional(Type.String()),
        }),
      },
    },
    async (req) => {
      const job = await jobFor((req.params as { id: string }).id, req);
      if (!job.result_key) throw new HubError('HUB_ERR_NOT_FOUND', 'The job has no scan report yet');
      const report = await readJson<ScanReport>(store, job.result_key);
      const q = req.query as { class?: string; severity?: string };
      const classes = q.class?.split(',');
      const minRank = q.severity ? SEVERITY_ORDER.indexOf(q.severity) : SEVERITY_ORDER.length - 1;
      if (q.severity && minRank < 0)
        throw new HubError('HUB_ERR_VALIDATION', `Unknown severity ${q.severity}`);
      const findings = report.findings.filter(
        (f: Finding) =>
          (!classes || classes.includes(f.class)) && SEVERITY_ORDER.indexOf(f.severity) <= minRank,
      );
      return {
        jobId: job.id,
        total: report.findings.length,
        findings,
        summary: report.summary,
        surface: report.surface,
      };
    },
  );

  const artifact = (path: string, pick: (job: Job) => string | null, contentType: string) =>
    app.get(
      path,
      {
        schema: { tags: ['jobs'], summary: `Download: ${path.split('/').pop()}`, security: [{ bearer: [] }] },
      },
      async (req, reply) => {
        const job = await jobFor((req.params as { id: string }).id, req);
        const key = pick(job);
        if (!key) throw new HubError('HUB_ERR_NOT_FOUND', 'Not produced yet for this job');
        reply.header('content-type', contentType);
        return reply.send(await store.get(RESULTS_BUCKET, key));
      },
    );
  const cert = (j: Job) =>
    j.certification
      ? (JSON.parse(j.certification) as { snapshot: { key: string }; attestation: { key: string } })
      : null;
  artifact('/api/v1/jobs/:id/report', (j) => j.result_key, 'application/json');
  artifact('/api/v1/jobs/:id/snapshot', (j) => cert(j)?.snapshot.key ?? null, 'application/json');
  artifact(
    '/api/v1/jobs/:id/attestation',
    (j) => cert(j)?.attestation.key ?? null,
    'application/vnd.dsse.envelope.v1+json',
  );

  app.get(
    '/api/v1/events',
    {
      schema: {
        tags: ['jobs'],
        summary:
          'Server-Sent Events: job transitions (`job`) and running servers (`run`: started, stats, log, exited)',
        security: [{ bearer: [] }],
      },
    },
    async (req, reply) => {
      const readable = await authorizer.readableOrgs(await authorizer.authorize(req, 'read'));
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': connected\n\n');
      const send = (t: JobTransition) =>
        (readable === '*' || readable.includes(t.org)) &&
        res.write(`event: job\ndata: ${JSON.stringify(t)}\n\n`);
      jobs.events.on('transition', send);
      const sendRun = (e: { org: string }) =>
        (readable === '*' || readable.includes(e.org)) &&
        res.write(`event: run\ndata: ${JSON.stringify(e)}\n\n`);
      deps.runEvents?.on('run', sendRun);
      jobs.events.on('replicated', send);
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      const close = () => {
        clearInterval(ping);
        jobs.events.off('transition', send);
        deps.runEvents?.off('run', sendRun);
        jobs.events.off('replicated', send);
        streams.delete(end);
      };
      const end = () => {
        close();
        res.end();
      };
      streams.add(end);
      req.raw.on('close', close);
    },
  );
}
