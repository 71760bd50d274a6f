import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError, type RegistryErrorBody, type RegistryErrorCode } from './errors.js';

const FASTIFY_ERRORS: Record<string, RegistryErrorCode> = {
  FST_ERR_VALIDATION: 'REG_ERR_VALIDATION',
  FST_ERR_CTP_BODY_TOO_LARGE: 'REG_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'REG_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'REG_ERR_VALIDATION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'REG_ERR_VALIDATION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'REG_ERR_VALIDATION',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'REG_ERR_UNSUPPORTED_MEDIA_TYPE',
};

/** Maps any error to the `{code, message, statusCode}` body; unknown errors become REG_ERR_INTERNAL. */
export function toErrorBody(error: unknown): RegistryErrorBody {
  if (error instanceof RegistryError) {
    // An aborted store operation inside a request means the client went away mid-upload.
    if (error.code === 'REG_ERR_ABORTED') return new RegistryError('REG_ERR_UPLOAD_ABORTED').toBody();
    return error.toBody();
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    return new RegistryError('REG_ERR_VALIDATION', fastifyError.message).toBody();
  }
  const mapped = typeof fastifyError.code === 'string' ? FASTIFY_ERRORS[fastifyError.code] : undefined;
  if (mapped) return new RegistryError(mapped, fastifyError.message).toBody();
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new RegistryError('REG_ERR_VALIDATION', fastifyError.message).toBody();
  }
  return new RegistryError('REG_ERR_INTERNAL').toBody();
}

export function registryErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const body = toErrorBody(error);
  if (body.statusCode >= 500) {
    request.log.error({ err: error }, 'registry request failed');
  } else {
    request.log.info({ code: body.code }, body.message);
  }
  // Content-addressing headers may have been set before the failure; they do not describe this body.
  for (const header of ['etag', 'digest', 'cache-control', 'content-type', 'content-length']) {
    reply.removeHeader(header);
  }
  void reply.code(body.statusCode).send(body);
}

export function registryNotFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const body = new RegistryError(
    'REG_ERR_ROUTE_NOT_FOUND',
    `No route ${request.method} ${request.url}`,
  ).toBody();
  void reply.code(404).send(body);
}
