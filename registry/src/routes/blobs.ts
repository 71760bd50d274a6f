import type { FastifyInstance } from 'fastify';
import { isAllowed } from '../auth.js';
import type { RegistryContext } from '../context.js';
import { assertDigest } from '../digest.js';
import { RegistryError } from '../errors.js';
import { type BlobParams, BlobParamsSchema, binaryResponse, routeSchema, withErrors } from './schemas.js';
import { sendBlob } from './versions.js';

export function registerBlobRoute(app: FastifyInstance, ctx: RegistryContext): void {
  app.get<{ Params: BlobParams }>(
    '/v1/blobs/:digest',
    {
      schema: routeSchema({
        tags: ['registry'],
        summary: 'Download any indexed blob (manifest, bundle, snapshot, attestation) by digest',
        params: BlobParamsSchema,
        produces: ['application/octet-stream', 'application/json'],
        response: withErrors(binaryResponse('The blob bytes')),
      }),
    },
    async (request, reply) => {
      const digest = assertDigest(request.params.digest);
      const access = await ctx.access.readAccess(request);
      // Only indexed blobs are served: temporary uploads are never reachable.
      const blob = await ctx.index.findBlob(digest);
      if (!blob) throw new RegistryError('REG_ERR_BLOB_NOT_FOUND');
      if (access.kind === 'token') {
        const owners = await ctx.index.packagesReferencingBlob(digest);
        if (!owners.some((pkg) => isAllowed(access.principal, 'read', pkg))) {
          throw new RegistryError('REG_ERR_FORBIDDEN', 'The token does not grant registry:read on this blob');
        }
      }
      return sendBlob(ctx, request, reply, {
        ...blob,
        cacheControl: 'public, max-age=31536000, immutable',
      });
    },
  );
}
