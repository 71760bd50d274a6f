import { pipeline } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RegistryContext } from '../context.js';
import type { VersionRecord } from '../db/registry-index.js';
import { casKey, type Digest, digestHeaderValue } from '../digest.js';
import { RegistryError } from '../errors.js';
import { assertNameParts } from '../names.js';
import { parseVersionReference, resolveVersion } from '../resolve.js';
import { VerifyingStream } from '../verifying-stream.js';
import { toResolvedVersion } from './presenters.js';
import {
  binaryResponse,
  ResolvedVersionSchema,
  routeSchema,
  type VersionParams,
  VersionParamsSchema,
  withErrors,
} from './schemas.js';

/** Finds the version `{org}/{name}/{version}` names, after checking the caller may read it. */
export async function resolveFromParams(
  ctx: RegistryContext,
  request: FastifyRequest,
  params: VersionParams,
): Promise<VersionRecord> {
  const pkg = assertNameParts(params.org, params.name);
  await ctx.access.requireRead(request, pkg);
  const reference = parseVersionReference(params.version);
  const states = await ctx.index.listVersionStates(pkg);
  if (states.length === 0) throw new RegistryError('REG_ERR_PACKAGE_NOT_FOUND');
  const chosen = resolveVersion(states, reference);
  const record = await ctx.index.findVersion(pkg, chosen.version);
  if (!record) throw new RegistryError('REG_ERR_VERSION_NOT_FOUND');
  return record;
}

/** True when `If-None-Match` names the entity tag (or is `*`); weak validators compare equal. */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}

/** Streams a stored blob with its content-addressing headers; 304 when the client has it. */
export async function sendBlob(
  ctx: RegistryContext,
  request: FastifyRequest,
  reply: FastifyReply,
  blob: { digest: Digest; size: number; mediaType: string; cacheControl: string },
): Promise<FastifyReply> {
  const etag = `"${blob.digest}"`;
  reply
    .header('ETag', etag)
    .header('Digest', digestHeaderValue(blob.digest))
    .header('Cache-Control', blob.cacheControl);
  if (matchesIfNoneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send();
  const head = await ctx.store.head(ctx.bucket, casKey(blob.digest));
  if (!head || head.size !== blob.size) {
    throw new RegistryError(
      'REG_ERR_INTERNAL',
      `Stored blob ${blob.digest} is missing or has the wrong size`,
    );
  }
  const stored = await ctx.store.get(ctx.bucket, casKey(blob.digest));
  const verified = pipeline(stored, new VerifyingStream(blob), (error) => {
    if (error) request.log.error({ err: error, digest: blob.digest }, 'refused to serve a corrupted blob');
  });
  reply.header('Content-Type', blob.mediaType).header('Content-Length', String(blob.size));
  return reply.send(verified);
}

export function registerVersionRoutes(app: FastifyInstance, ctx: RegistryContext): void {
  app.get<{ Params: VersionParams }>(
    '/v1/resolve/:org/:name/:version',
    {
      schema: routeSchema({
        tags: ['registry'],
        summary: 'Resolve an exact version, a semver range, `latest` or a digest to a manifest',
        params: VersionParamsSchema,
        response: withErrors({ 200: ResolvedVersionSchema }),
      }),
    },
    async (request) => toResolvedVersion(await resolveFromParams(ctx, request, request.params)),
  );

  app.get<{ Params: VersionParams }>(
    '/v1/download/:org/:name/:version',
    {
      schema: routeSchema({
        tags: ['registry'],
        summary: 'Download the bundle (tar.gz) of a resolved version',
        description:
          'Same resolution rules as resolve. Sends `ETag: "sha256:<hex>"` and `Digest: sha-256=<base64>`.',
        params: VersionParamsSchema,
        produces: ['application/gzip', 'application/json'],
        response: withErrors(binaryResponse('The bundle (tar.gz)')),
      }),
    },
    async (request, reply) => {
      const record = await resolveFromParams(ctx, request, request.params);
      return sendBlob(ctx, request, reply, {
        digest: record.bundleDigest,
        size: record.bundleSize,
        mediaType: 'application/gzip',
        // A range or `latest` may resolve differently tomorrow; revalidate (cheap with the ETag).
        cacheControl: 'no-cache',
      });
    },
  );
}
