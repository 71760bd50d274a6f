import websocket from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authorizer } from '../../auth/authorizer.js';
import { RUN_SCOPE } from '../../auth/rbac-authorizer.js';
import { HubError, isHubError } from '../../errors.js';
import type { QuotaGate } from '../../orgs/usage.js';
import type { RunManager, RunPolicyRequest } from '../../runs/run-manager.js';
import { hasScope, type Principal } from '../../tokens/token-service.js';
import { terminalRoute } from './run-terminal.js';

export interface RunRouteDeps {
  runs: RunManager;
  authorizer: Authorizer;
  /** Plan quotas: a started run is one `run` of the organization (429/402 past the plan, before anything starts). */
  quota?: QuotaGate;
}

const ErrorBody = Type.Object({ code: Type.String(), message: Type.String(), statusCode: Type.Integer() });
const Decision = Type.Object({
  rule: Type.String(),
  ok: Type.Boolean(),
  saw: Type.String(),
  need: Type.String(),
  hint: Type.Optional(Type.String()),
});
const DenialBody = Type.Object({
  code: Type.Literal('HUB_ERR_RUN_DENIED'),
  message: Type.String(),
  statusCode: Type.Literal(403),
  decision: Type.Object({
    allowed: Type.Boolean(),
    mode: Type.String(),
    decisions: Type.Array(Decision),
    denials: Type.Array(Decision),
  }),
});
const RunView = Type.Object(
  {
    id: Type.String(),
    ref: Type.String(),
    name: Type.String(),
    version: Type.String(),
    digest: Type.String(),
    level: Type.Union([Type.Integer(), Type.Null()]),
    state: Type.Union([Type.Literal('running'), Type.Literal('stopping'), Type.Literal('exited')]),
    startedBy: Type.String(),
    startedAt: Type.String(),
    endedAt: Type.Union([Type.String(), Type.Null()]),
    policy: Type.Any({ description: 'The effective policy: minLevel, network, limits, mode' }),
    decision: Type.Any({ description: 'allowed, mode, every rule checked, the denials' }),
    isolation: Type.Any({
      description: 'What the sandbox achieved (namespaces, seccomp, cgroups, rlimits…)',
    }),
    stats: Type.Any({ description: 'Last sample: cpuPercent, memoryBytes, pids' }),
    history: Type.Array(Type.Object({ cpuPercent: Type.Number(), memoryBytes: Type.Number() })),
    tools: Type.Object({ count: Type.Integer(), guard: Type.String() }),
    exit: Type.Any({ description: 'null while running; code, signal, reason, durationMs after' }),
  },
  { additionalProperties: true },
);
const Limits = Type.Object(
  {
    memoryMb: Type.Optional(Type.Integer({ minimum: 16, maximum: 1_048_576 })),
    cpuShare: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 256 })),
    pids: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    openFiles: Type.Optional(Type.Integer({ minimum: 16, maximum: 1_048_576 })),
    wallTimeSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000 })),
  },
  { additionalProperties: false },
);
const StartBody = Type.Object(
  {
    ref: Type.String({ minLength: 3, maxLength: 300, description: 'org/name[@version|@range|@sha256:…]' }),
    policy: Type.Optional(
      Type.Object(
        {
          minLevel: Type.Optional(Type.Integer({ minimum: 0, maximum: 3 })),
          network: Type.Optional(
            Type.Object(
              {
                mode: Type.Union([Type.Literal('none'), Type.Literal('allowlist')]),
                allow: Type.Optional(
                  Type.Array(Type.String({ minLength: 3, maxLength: 260 }), { maxItems: 50 }),
                ),
              },
              { additionalProperties: false },
            ),
          ),
          limits: Type.Optional(Limits),
        },
        {
          additionalProperties: false,
          description:
            "Layered over the daemon's policy file (MCPHUB_HOME/policy.yaml|json); minLevel can only be raised. Mounts, env and host networking come from the file only.",
        },
      ),
    ),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

const ORG_RE = /^([a-z0-9][a-z0-9._-]*)\/[a-z0-9][a-z0-9._-]*(@.*)?$/;

/**
 * Running servers: start a published package under policy in the sandbox, watch it, stop it, list and
 * call its tools, open a terminal inside its sandbox. Reads need read access to the package's
 * organization; everything that starts or drives a server also needs the `hub:run` scope.
 */
export async function runRoutes(app: FastifyInstance, deps: RunRouteDeps): Promise<void> {
  const { runs, authorizer } = deps;
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  // An upgrade refused by a hook that runs before the websocket plugin's own (the Host/Origin guard)
  // is answered over HTTP but its socket is not the plugin's to end: end it, or it holds shutdown.
  app.addHook('onResponse', async (req) => {
    if (req.headers.upgrade?.toLowerCase() === 'websocket') req.raw.socket?.destroy();
  });

  async function mayRun(req: FastifyRequest, org: string): Promise<Principal> {
    const principal = await authorizer.authorize(req, 'read', org);
    if (!hasScope(principal, RUN_SCOPE) && !hasScope(principal, 'hub:admin'))
      throw new HubError('HUB_ERR_FORBIDDEN', `Starting and driving servers needs the ${RUN_SCOPE} scope`);
    return principal;
  }
  const runFor = async (req: FastifyRequest, drive: boolean) => {
    const run = runs.get((req.params as { id: string }).id);
    if (drive) await mayRun(req, run.org);
    else await authorizer.authorize(req, 'read', run.org);
    return run;
  };

  const security = [{ bearer: [] }];
  app.post(
    '/api/v1/runs',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Start a published package under policy in the sandbox (needs hub:run). 201 with the policy decision and the isolation achieved; 403 HUB_ERR_RUN_DENIED lists the denials',
        security,
        body: StartBody,
        response: {
          201: RunView,
          400: ErrorBody,
          401: ErrorBody,
          403: Type.Union([DenialBody, ErrorBody]),
          404: ErrorBody,
          409: ErrorBody,
          402: ErrorBody,
          422: ErrorBody,
          429: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const body = req.body as { ref: string; policy?: RunPolicyRequest };
      const org = ORG_RE.exec(body.ref)?.[1];
      if (!org) throw new HubError('HUB_ERR_VALIDATION', `Not a package reference: ${body.ref}`);
      const principal = await mayRun(req, org);
      const held = await deps.quota?.reserve(org, { run: 1 });
      try {
        const run = await runs.start(body.ref, body.policy ?? {}, principal.name);
        await held?.attach(`${run.name}@${run.version}`);
        return reply.status(201).send(run);
      } catch (err) {
        await held?.release();
        if (isHubError(err) && err.code === 'HUB_ERR_RUN_DENIED') {
          return reply.status(403).send({
            code: err.code,
            message: err.message,
            statusCode: 403,
            decision: (err.details as { decision: unknown }).decision,
          });
        }
        throw err;
      }
    },
  );

  app.get(
    '/api/v1/runs',
    {
      schema: {
        tags: ['runs'],
        summary: 'Running servers (and the last exited ones), newest first',
        security,
        response: { 200: Type.Object({ runs: Type.Array(RunView) }), 401: ErrorBody },
      },
    },
    async (req) => {
      const readable = await authorizer.readableOrgs(await authorizer.authorize(req, 'read'));
      return { runs: runs.list().filter((r) => readable === '*' || readable.includes(r.org)) };
    },
  );

  app.get(
    '/api/v1/runs/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'One run: decision, isolation, live stats, exit',
        security,
        params: IdParams,
        response: { 200: RunView, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => runFor(req, false),
  );

  app.get(
    '/api/v1/runs/:id/logs',
    {
      schema: {
        tags: ['runs'],
        summary: "The server's stderr (the last 64 KiB)",
        security,
        params: IdParams,
        response: { 200: Type.Object({ id: Type.String(), text: Type.String() }), 404: ErrorBody },
      },
    },
    async (req) => {
      const run = await runFor(req, false);
      return { id: run.id, text: runs.logs(run.id) };
    },
  );

  app.delete(
    '/api/v1/runs/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'Stop a run: SIGTERM, SIGKILL after 2 s, sandbox and cgroup removed (needs hub:run)',
        security,
        params: IdParams,
        response: { 200: RunView, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const run = await runFor(req, true);
      return runs.stop(run.id);
    },
  );

  app.get(
    '/api/v1/runs/:id/tools',
    {
      schema: {
        tags: ['runs'],
        summary: "The running server's tools (MCP tools/list through the rug-pull guard; needs hub:run)",
        security,
        params: IdParams,
        response: {
          200: Type.Object({ tools: Type.Array(Type.Any()) }),
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          502: ErrorBody,
        },
      },
    },
    async (req) => {
      const run = await runFor(req, true);
      return { tools: await runs.tools(run.id) };
    },
  );

  app.post(
    '/api/v1/runs/:id/tools/call',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Call one tool of the running server (MCP tools/call through the rug-pull guard; needs hub:run). The result is the MCP CallToolResult',
        security,
        params: IdParams,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            arguments: Type.Optional(Type.Record(Type.String(), Type.Any())),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            { content: Type.Array(Type.Any()), isError: Type.Optional(Type.Boolean()) },
            {
              additionalProperties: true,
            },
          ),
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          502: ErrorBody,
        },
      },
    },
    async (req) => {
      const run = await runFor(req, true);
      const body = req.body as { name: string; arguments?: Record<string, unknown> };
      return runs.callTool(run.id, body.name, body.arguments ?? {});
    },
  );

  terminalRoute(app, { runs, runFor: (req) => runFor(req, true) });
}
