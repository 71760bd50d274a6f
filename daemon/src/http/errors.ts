import type { FastifyError, FastifyInstance } from 'fastify';
import { HUB_ERRORS, HubError } from '../errors.js';

/**
 * One error shape for every hub route: `{code, message, statusCode}`. Coded errors pass through,
 * schema validation failures become HUB_ERR_VALIDATION, and anything unexpected is logged and
 * masked as HUB_ERR_INTERNAL so internals never leak to a client.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HubError, req, reply) => {
    if (err instanceof HubError) {
      const retryAfter = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      return reply
        .status(err.statusCode)
        .send({ code: err.code, message: err.message, statusCode: err.statusCode });
    }
    if ((err as FastifyError).validation) {
      return reply.status(400).send({ code: 'HUB_ERR_VALIDATION', message: err.message, statusCode: 400 });
    }
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      // Fastify's own client errors (bad JSON, body too large, unsupported media type).
      return reply
        .status(status)
        .send({ code: 'HUB_ERR_VALIDATION', message: err.message, statusCode: status });
    }
    req.log.error({ err }, 'unhandled error');
    const { statusCode, message } = HUB_ERRORS.HUB_ERR_INTERNAL;
    return reply.status(statusCode).send({ code: 'HUB_ERR_INTERNAL', message, statusCode });
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .status(404)
      .send({ code: 'HUB_ERR_NOT_FOUND', message: `No route ${req.method} ${req.url}`, statusCode: 404 });
  });
}
