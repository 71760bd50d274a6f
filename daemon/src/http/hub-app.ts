import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';
import type { HubDb } from '../db/database.js';
import { HubError } from '../errors.js';
import { jwksOf, type SigningKey } from '../keys/signing-key.js';
import type { Logger } from '../logger.js';
import {
  authenticate,
  hasScope,
  issueRegistryToken,
  type Principal,
  parseTtl,
} from '../tokens/token-service.js';
import { VERSION } from '../version.js';
import { installErrorHandling } from './errors.js';
import { type OrgRouteDeps, orgRoutes } from './routes/org-routes.js';
import { type PipelineRouteDeps, pipelineRoutes } from './routes/pipeline-routes.js';
import { type RunRouteDeps, runRoutes } from './routes/run-routes.js';
import { hubUiPlugin } from './ui/ui-plugin.js';

export interface HubAppDeps {
  config: Config;
  db: HubDb;
  signingKey: SigningKey;
  logger: Logger;
  /** The registry this hub publishes to, as clients should reach it. */
  registryUrl: string;
  startedAt?: number;
  /** The pipeline routes (ingest, jobs, events); absent when this process runs no hub worker. */
  pipeline?: Omit<PipelineRouteDeps, 'registryUrl' | 'webhookSecret'>;
  /** Organizations, users, members, hub API tokens and usage. */
  orgs?: OrgRouteDeps;
  /** Running servers (the Run screen); absent when this process runs none. */
  runs?: RunRouteDeps;
  /** Prometheus metrics at GET /metrics (hub admin token required: they span every organization). */
  metrics?: { render(): Promise<{ contentType: string; body: string }> };
}

const ErrorBody = Type.Object({ code: Type.String(), message: Type.String(), statusCode: Type.Integer() });

/** Builds the hub web app (REST API, JWKS, health, OpenAPI) without listening; tests use `inject()`. */
export async function buildHubApp(deps: HubAppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ role: 'hub' }) as FastifyBaseLogger,
    forceCloseConnections: 'idle',
    bodyLimit: 1024 * 1024,
  });
  const startedAt = deps.startedAt ?? Date.now();
  installErrorHandling(app);
  await app.register(hubUiPlugin, deps); // Host/Origin guards, CSP, login cookie, the web UI at /
  await app.register(swagger, {
    openapi: {
      info: { title: 'MCP Hub API', version: VERSION, description: 'Control plane of MCP Hub' },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  async function requireScope(req: FastifyRequest, scope: string): Promise<Principal> {
    const principal = await authenticate(deps.db, req.headers.authorization);
    if (!principal) throw new HubError('HUB_ERR_UNAUTHENTICATED');
    if (!hasScope(principal, scope))
      throw new HubError('HUB_ERR_FORBIDDEN', `This action needs the ${scope} scope`);
    return principal;
  }

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness and readiness of the daemon',
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            version: Type.String(),
            roles: Type.Array(Type.String()),
            uptimeSeconds: Type.Number(),
            checks: Type.Object({ database: Type.String() }),
          }),
          503: ErrorBody,
        },
      },
    },
    async () => {
      await deps.db.selectFrom('settings').select('key').limit(1).execute();
      return {
        status: 'ok' as const,
        version: VERSION,
        roles: deps.config.roles,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        checks: { database: 'ok' },
      };
    },
  );

  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['system'],
        summary: "The hub's public signing keys (verify registry tokens and attestations)",
        response: { 200: Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) }) },
      },
    },
    async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return jwksOf(deps.signingKey);
    },
  );

  app.get(
    '/api/v1/info',
    {
      schema: {
        tags: ['system'],
        summary: 'Where this hub and its registry are',
        response: {
          200: Type.Object({ version: Type.String(), registryUrl: Type.String(), jwksUrl: Type.String() }),
        },
      },
    },
    async (req) => ({
      version: VERSION,
      registryUrl: deps.registryUrl,
      jwksUrl: `${req.protocol}://${req.host}/.well-known/jwks.json`,
    }),
  );

  app.post(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Mint a short-lived registry token (admin only)',
        security: [{ bearer: [] }],
        body: Type.Object(
          {
            scope: Type.Array(Type.String(), { minItems: 1, maxItems: 3 }),
            resource: Type.Array(Type.String({ maxLength: 130 }), { minItems: 1, maxItems: 50 }),
            ttl: Type.String({ default: '1h', maxLength: 16 }),
            sub: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ token: Type.String(), expiresAt: Type.String() }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const principal = await requireScope(req, 'hub:admin');
      const body = req.body as { scope: string[]; resource: string[]; ttl: string; sub?: string };
      const issued = await issueRegistryToken(
        deps.signingKey,
        {
          sub: body.sub ?? principal.name,
          scope: body.scope,
          resource: body.resource,
          ttlSeconds: parseTtl(body.ttl),
        },
        deps.config.registry.tokenMaxTtlSeconds,
      );
      return reply.status(201).send(issued);
    },
  );

  const metrics = deps.metrics;
  if (metrics)
    app.get(
      '/metrics',
      {
        schema: {
          tags: ['system'],
          summary: 'Prometheus metrics: queue depth, jobs by state, scans, registry requests, sandbox runs',
          security: [{ bearer: [] }],
        },
      },
      async (req, reply) => {
        await requireScope(req, 'hub:admin');
        const { contentType, body } = await metrics.render();
        return reply.type(contentType).send(body);
      },
    );

  if (deps.orgs) await app.register(orgRoutes, deps.orgs);
  if (deps.pipeline) {
    await app.register(multipart, {
      limits: { fileSize: deps.config.hub.maxSourceBytes, files: 1, fields: 10 },
    });
    await app.register(pipelineRoutes, {
      ...deps.pipeline,
      ...(deps.runs ? { runEvents: deps.runs.runs.events } : {}),
      registryUrl: deps.registryUrl,
      ...(deps.config.hub.webhookSecret ? { webhookSecret: deps.config.hub.webhookSecret } : {}),
    });
  }
  if (deps.runs) await app.register(runRoutes, deps.runs);
  return app;
}
