import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  type ObjectStore,
  REGISTRY_MAX_PARAM_LENGTH,
  registryPlugin,
  type StatusChange,
} from '@mcphub/registry';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createLocalJWKSet } from 'jose';
import type { Config } from '../config/schema.js';
import type { HubDb } from '../db/database.js';
import type { Jwks } from '../keys/signing-key.js';
import type { Logger } from '../logger.js';
import { TOKEN_ISSUER } from '../tokens/token-service.js';
import { VERSION } from '../version.js';

export interface RegistryAppDeps {
  config: Config;
  db: HubDb;
  store: ObjectStore;
  jwks: Jwks;
  logger: Logger;
  /** Counts requests by method, route and status for /metrics. */
  metrics?: { countRegistryRequest(method: string, route: string, status: number): void };
  /** After a version's status changed (revocations are announced to connected daemons). */
  onStatusChange?: (change: StatusChange) => Promise<void>;
}

/** The registry role: the @mcphub/registry plugin on its own port, with its OpenAPI at /docs. */
export async function buildRegistryServer(deps: RegistryAppDeps): Promise<FastifyInstance> {
  const { registry } = deps.config;
  const app = Fastify({
    loggerInstance: deps.logger.child({ role: 'registry' }) as FastifyBaseLogger,
    forceCloseConnections: 'idle',
    bodyLimit: registry.maxManifestBytes,
    // Names are up to 128 characters and ranges longer still: above find-my-way's default of 100.
    routerOptions: { maxParamLength: REGISTRY_MAX_PARAM_LENGTH },
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'MCP Hub Registry', version: VERSION, description: 'Content-addressed registry (/v1)' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  const metrics = deps.metrics;
  if (metrics)
    app.addHook('onResponse', async (req, reply) => {
      // The route template, never the raw URL: names and digests would explode the label set.
      metrics.countRegistryRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode);
    });
  await app.register(registryPlugin, {
    db: deps.db,
    store: deps.store,
    auth: {
      getKey: createLocalJWKSet(deps.jwks),
      issuer: TOKEN_ISSUER,
      reads: registry.reads,
      maxTokenTtlSeconds: registry.tokenMaxTtlSeconds,
    },
    limits: { maxManifestBytes: registry.maxManifestBytes, maxBundleBytes: registry.maxBundleBytes },
    ...(deps.onStatusChange ? { onStatusChange: deps.onStatusChange } : {}),
  });
  return app;
}
