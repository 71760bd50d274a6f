import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import { createRegistryContext, type RegistryPluginOptions } from './context.js';
import { migrateRegistry } from './db/migrations.js';
import { registryErrorHandler, registryNotFoundHandler } from './error-handler.js';
import { registerBlobRoute } from './routes/blobs.js';
import { registerPackageRoutes } from './routes/packages.js';
import { registerPublishRoute } from './routes/publish.js';
import { registerVersionRoutes } from './routes/versions.js';
import { typeboxValidatorCompiler } from './validator-compiler.js';

/**
 * The registry's `/v1/*` routes as an encapsulated fastify plugin: its error handler and multipart
 * parser stay inside it. The host runs `migrateRegistry(db)` first (buildRegistryApp does).
 */
export const registryPlugin: FastifyPluginAsync<RegistryPluginOptions> = async (app, options) => {
  const ctx = createRegistryContext(options);
  await ctx.store.ensureBucket(ctx.bucket);
  if (!app.hasContentTypeParser('multipart/form-data')) await app.register(multipart);
  app.setErrorHandler(registryErrorHandler);
  app.setValidatorCompiler(typeboxValidatorCompiler);
  registerPublishRoute(app, ctx);
  registerVersionRoutes(app, ctx);
  registerBlobRoute(app, ctx);
  registerPackageRoutes(app, ctx);
};

/** Hosts of `registryPlugin` should create their fastify instance with at least this `maxParamLength`. */
export const REGISTRY_MAX_PARAM_LENGTH = 300;

export interface BuildRegistryAppOptions extends RegistryPluginOptions {
  logger?: FastifyServerOptions['logger'];
  /** Run the registry migrations before registering routes (default true). */
  migrate?: boolean;
}

/** A standalone registry server, not listening: call `listen()` or use `inject()` in tests. */
export async function buildRegistryApp(options: BuildRegistryAppOptions): Promise<FastifyInstance> {
  const { logger, migrate, ...pluginOptions } = options;
  if (migrate !== false) await migrateRegistry(options.db);
  // Names are up to 128 characters and ranges up to 256: above find-my-way's default of 100.
  const app = Fastify({
    logger: logger ?? false,
    routerOptions: { maxParamLength: REGISTRY_MAX_PARAM_LENGTH },
  });
  app.setNotFoundHandler(registryNotFoundHandler);
  app.setErrorHandler(registryErrorHandler);
  await app.register(registryPlugin, pluginOptions);
  return app;
}
