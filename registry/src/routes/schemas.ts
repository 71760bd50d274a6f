import { type Static, Type } from '@sinclair/typebox';
import type { FastifySchema } from 'fastify';
import { DescriptorSchema, ManifestSchema } from '../manifest.js';

/** TypeBox schemas of the /v1 protocol: they validate requests and document every route. */

export const ErrorBodySchema = Type.Object({
  code: Type.String({ description: 'Stable REG_ERR_* code' }),
  message: Type.String(),
  statusCode: Type.Integer(),
});

const errorResponses = {
  400: ErrorBodySchema,
  401: ErrorBodySchema,
  403: ErrorBodySchema,
  404: ErrorBodySchema,
  409: ErrorBodySchema,
  410: ErrorBodySchema,
  413: ErrorBodySchema,
  415: ErrorBodySchema,
  429: ErrorBodySchema,
  500: ErrorBodySchema,
};

export function withErrors<T extends object>(responses: T) {
  return { ...errorResponses, ...responses };
}

/** Documentation of a byte-stream answer (the payload is a stream, never serialised). */
export function binaryResponse(description: string) {
  return {
    200: Type.String({ format: 'binary', description }),
    304: Type.Null({ description: 'Not modified: If-None-Match named this ETag' }),
  };
}

export const VersionStatusSchema = Type.Union([
  Type.Literal('active'),
  Type.Literal('deprecated'),
  Type.Literal('yanked'),
  Type.Literal('revoked'),
]);

const PathPart = Type.String({ minLength: 1, maxLength: 128 });

export const PackageParamsSchema = Type.Object({ org: PathPart, name: PathPart });
export type PackageParams = Static<typeof PackageParamsSchema>;

export const VersionParamsSchema = Type.Object({
  org: PathPart,
  name: PathPart,
  version: Type.String({
    minLength: 1,
    maxLength: 256,
    description:
      'Exact version, URL-encoded semver range, `latest`, or `sha256:<hex>` (manifest or bundle digest)',
  }),
});
export type VersionParams = Static<typeof VersionParamsSchema>;

export const BlobParamsSchema = Type.Object({
  // Checked by the handler, so a malformed digest answers REG_ERR_INVALID_DIGEST.
  digest: Type.String({ maxLength: 71, description: 'sha256:<64 lowercase hex>' }),
});
export type BlobParams = Static<typeof BlobParamsSchema>;

export const ResolvedVersionSchema = Type.Object({
  name: Type.String(),
  version: Type.String(),
  status: VersionStatusSchema,
  statusReason: Type.Union([Type.String(), Type.Null()]),
  digest: Type.String({ description: 'Manifest digest: sha256 of its RFC 8785 canonical JSON' }),
  manifest: ManifestSchema,
  publishedAt: Type.String({ format: 'date-time' }),
});
export type ResolvedVersion = Static<typeof ResolvedVersionSchema>;

export const VersionSummarySchema = Type.Object({
  version: Type.String(),
  digest: Type.String(),
  bundle: DescriptorSchema,
  level: Type.Union([Type.Integer(), Type.Null()]),
  status: VersionStatusSchema,
  statusReason: Type.Union([Type.String(), Type.Null()]),
  publishedAt: Type.String(),
  publishedBy: Type.String(),
});
export type VersionSummary = Static<typeof VersionSummarySchema>;

export const PackageDetailSchema = Type.Object({
  name: Type.String(),
  latest: Type.Union([Type.String(), Type.Null()]),
  versions: Type.Array(VersionSummarySchema),
});
export type PackageDetail = Static<typeof PackageDetailSchema>;

export const PackageSummarySchema = Type.Object({
  name: Type.String(),
  latest: Type.Union([Type.String(), Type.Null()]),
  level: Type.Union([Type.Integer(), Type.Null()]),
  status: Type.Union([VersionStatusSchema, Type.Null()]),
});
export type PackageSummary = Static<typeof PackageSummarySchema>;

export const PackageListSchema = Type.Object({
  packages: Type.Array(PackageSummarySchema),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type PackageList = Static<typeof PackageListSchema>;

export const PackageListQuerySchema = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Substring of org/name' })),
  minLevel: Type.Optional(Type.Integer({ minimum: 0, maximum: 3 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
});
export type PackageListQuery = Static<typeof PackageListQuerySchema>;

export const StatusBodySchema = Type.Object(
  {
    status: VersionStatusSchema,
    // Free text shown to users and in logs: no control characters besides tab and newline.
    reason: Type.Optional(
      Type.String({ maxLength: 1000, pattern: '^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f]*$' }),
    ),
  },
  { additionalProperties: false },
);
export type StatusBody = Static<typeof StatusBodySchema>;

export const StatusParamsSchema = Type.Object({
  org: PathPart,
  name: PathPart,
  version: Type.String({ minLength: 1, maxLength: 128, description: 'Exact version' }),
});
export type StatusParams = Static<typeof StatusParamsSchema>;

/** OpenAPI documentation fields read by @fastify/swagger (which the host, not the registry, installs). */
export interface RouteDocumentation {
  tags: readonly string[];
  summary: string;
  description?: string;
  consumes?: readonly string[];
  produces?: readonly string[];
}

/** A route schema with its documentation, typed so fastify accepts it without @fastify/swagger's types. */
export function routeSchema(schema: FastifySchema & RouteDocumentation): FastifySchema {
  return schema;
}
