import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Multipart } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RegistryPrincipal } from '../auth.js';
import type { RegistryContext } from '../context.js';
import { isRegistryError, RegistryError } from '../errors.js';
import { PublishSession } from '../publish/publish-session.js';
import { toResolvedVersion } from './presenters.js';
import { ResolvedVersionSchema, routeSchema, withErrors } from './schemas.js';

const MULTIPART_ERRORS: Record<string, RegistryError['code']> = {
  FST_MP_PREMATURE_CLOSE: 'REG_ERR_UPLOAD_ABORTED',
  FST_PARTS_LIMIT: 'REG_ERR_UNEXPECTED_PART',
  FST_FILES_LIMIT: 'REG_ERR_UNEXPECTED_PART',
  FST_FIELDS_LIMIT: 'REG_ERR_UNEXPECTED_PART',
  FST_REQ_FILE_TOO_LARGE: 'REG_ERR_BLOB_TOO_LARGE',
  FST_PROTO_VIOLATION: 'REG_ERR_INVALID_MULTIPART',
  FST_INVALID_JSON_FIELD_ERROR: 'REG_ERR_INVALID_MANIFEST',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'REG_ERR_UNSUPPORTED_MEDIA_TYPE',
};

/** Aborts when the client goes away before the body is complete (a truncated upload). */
function abortOnPrematureClose(raw: IncomingMessage): AbortController {
  const controller = new AbortController();
  raw.once('close', () => {
    if (!raw.complete) controller.abort(new RegistryError('REG_ERR_UPLOAD_ABORTED'));
  });
  return controller;
}

function toUploadError(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted && !(isRegistryError(error) && error.code !== 'REG_ERR_ABORTED')) {
    return new RegistryError('REG_ERR_UPLOAD_ABORTED', undefined, { cause: error });
  }
  if (isRegistryError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && MULTIPART_ERRORS[code]) {
    return new RegistryError(MULTIPART_ERRORS[code], undefined, { cause: error });
  }
  // Busboy reports malformed bodies as plain errors without a code ("Unexpected end of form",
  // "Malformed part header"); errors with a code (ENOSPC, database errors…) are the registry's own.
  if (error instanceof Error && !('statusCode' in error) && !('code' in error)) {
    return new RegistryError('REG_ERR_INVALID_MULTIPART', `Malformed multipart upload: ${error.message}`, {
      cause: error,
    });
  }
  return error;
}

async function readManifestFile(file: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of file) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new RegistryError('REG_ERR_MANIFEST_TOO_LARGE');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

type MultipartParts = AsyncIterableIterator<Multipart>;

/** How long the rest of a refused upload is read and discarded before the connection is cut. */
const REFUSED_UPLOAD_LINGER_MS = 5_000;

/**
 * After an early refusal the client may still be sending the body, which nobody reads any more
 * (the multipart parser has let go of it), so the connection would hang until the server's request
 * timeout. Once the answer is out, read and discard the rest for a moment (an honest client then
 * keeps its connection), and hang up on a client that keeps sending.
 */
function drainThenHangUp(request: FastifyRequest, reply: FastifyReply): void {
  const raw = request.raw;
  if (raw.complete) return;
  reply.raw.once('finish', () => {
    const timer = setTimeout(() => raw.destroy(), REFUSED_UPLOAD_LINGER_MS);
    timer.unref();
    raw.once('end', () => clearTimeout(timer));
    raw.once('close', () => clearTimeout(timer));
    raw.resume();
  });
}

/** Feeds every part to the session; any error here is about the upload itself. */
async function receiveParts(
  parts: MultipartParts,
  session: PublishSession,
  maxManifestBytes: number,
): Promise<void> {
  for await (const part of parts) {
    if (part.type === 'field') {
      if (part.fieldname !== 'manifest') {
        throw new RegistryError('REG_ERR_UNEXPECTED_PART', `Unexpected field ${part.fieldname}`);
      }
      if (part.valueTruncated) throw new RegistryError('REG_ERR_MANIFEST_TOO_LARGE');
      const value = typeof part.value === 'string' ? part.value : JSON.stringify(part.value);
      await session.acceptManifest(Buffer.from(value, 'utf8'));
    } else if (part.fieldname === 'manifest') {
      await session.acceptManifest(await readManifestFile(part.file, maxManifestBytes));
    } else {
      await session.acceptBlob(part.fieldname, part.file);
    }
  }
}

export function registerPublishRoute(app: FastifyInstance, ctx: RegistryContext): void {
  const principals = new WeakMap<FastifyRequest, RegistryPrincipal>();
  const { limits } = ctx;
  const largestBlob = Math.max(limits.maxBundleBytes, limits.maxSnapshotBytes, limits.maxAttestationBytes);
  const multipartLimits = {
    parts: 4,
    fields: 1,
    files: 4,
    fieldSize: limits.maxManifestBytes,
    fileSize: largestBlob + 1,
    fieldNameSize: 32,
    headerPairs: 32,
  };

  app.post(
    '/v1/publish',
    {
      schema: routeSchema({
        tags: ['registry'],
        summary: 'Publish a version: multipart manifest, bundle and optional snapshot and attestation',
        description:
          'Parts in order: `manifest` (JSON, field or file), then `bundle` (tar.gz) and any declared `snapshot` ' +
          'and `attestation`. Needs `registry:publish` for the name. 201 new, 200 identical re-publish, ' +
          '409 same version with another digest.',
        consumes: ['multipart/form-data'],
        response: withErrors({ 200: ResolvedVersionSchema, 201: ResolvedVersionSchema }),
      }),
      // Authenticate before a single body byte is read.
      onRequest: async (request, reply) => {
        principals.set(request, await ctx.access.requireScope(request, 'publish'));
        // Admission after authentication: anonymous clients cannot use up the slots.
        const release = ctx.publishSlots.acquire();
        reply.raw.once('close', release);
      },
    },
    async (request, reply) => {
      const principal = principals.get(request);
      if (!principal) throw new RegistryError('REG_ERR_TOKEN_MISSING');
      if (!request.isMultipart()) throw new RegistryError('REG_ERR_UNSUPPORTED_MEDIA_TYPE');
      const controller = abortOnPrematureClose(request.raw);
      const session = new PublishSession(ctx, principal, controller.signal);
      try {
        try {
          await receiveParts(request.parts({ limits: multipartLimits }), session, limits.maxManifestBytes);
        } catch (error) {
          drainThenHangUp(request, reply);
          throw toUploadError(error, controller.signal);
        }
        // Past this point errors are the registry's own (store, database): never blamed on the client.
        const result = await session.commit();
        const { org, name, version, manifestDigest } = result.record;
        request.log.info(
          {
            audit: 'registry.publish',
            name: `${org}/${name}`,
            version,
            digest: manifestDigest,
            sub: principal.sub,
          },
          result.created ? 'published' : 'identical re-publish',
        );
        reply.code(result.created ? 201 : 200);
        return toResolvedVersion(result.record);
      } finally {
        // Success leaves nothing to discard, except on an identical re-publish (200) whose bytes
        // were staged but are already stored.
        await session.discard();
      }
    },
  );
}
