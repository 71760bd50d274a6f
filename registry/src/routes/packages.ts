import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RegistryPrincipal } from '../auth.js';
import type { RegistryContext } from '../context.js';
import type { VersionRecord, VersionState } from '../db/registry-index.js';
import { RegistryError } from '../errors.js';
import { assertNameParts, assertStrictVersion, type PackageName } from '../names.js';
import { canRead, type ReadAccess } from '../request-access.js';
import { compareVersionsDescending, latestVersion } from '../resolve.js';
import { toVersionSummary } from './presenters.js';
import {
  PackageDetailSchema,
  type PackageList,
  type PackageListQuery,
  PackageListQuerySchema,
  PackageListSchema,
  type PackageParams,
  PackageParamsSchema,
  type PackageSummary,
  routeSchema,
  type StatusBody,
  StatusBodySchema,
  type StatusParams,
  StatusParamsSchema,
  VersionSummarySchema,
  withErrors,
} from './schemas.js';

const DEFAULT_PAGE_SIZE = 50;
/** A listing page scans at most this many batches (minLevel/read filters may skip many rows). */
const MAX_BATCHES_PER_PAGE = 20;

export function encodeCursor(pkg: PackageName): string {
  return Buffer.from(JSON.stringify([pkg.org, pkg.name])).toString('base64url');
}

export function decodeCursor(cursor: string): PackageName {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === 'string')) {
      return assertNameParts(value[0] as string, value[1] as string);
    }
  } catch {
    // fall through
  }
  throw new RegistryError('REG_ERR_INVALID_CURSOR');
}

function summarize(pkg: PackageName, records: VersionState[]): PackageSummary {
  const latest = latestVersion(records);
  const newest = [...records].sort(compareVersionsDescending)[0];
  return {
    name: `${pkg.org}/${pkg.name}`,
    latest: latest?.version ?? null,
    level: latest?.level ?? null,
    status: latest?.status ?? newest?.status ?? null,
  };
}

function groupByPackage(records: VersionState[]): Map<string, VersionState[]> {
  const groups = new Map<string, VersionState[]>();
  for (const record of records) {
    const key = `${record.org}/${record.name}`;
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  return groups;
}

async function listPackages(
  ctx: RegistryContext,
  access: ReadAccess,
  query: PackageListQuery,
): Promise<PackageList> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const packages: PackageSummary[] = [];
  let after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  for (let batch = 0; batch < MAX_BATCHES_PER_PAGE; batch++) {
    const page = await ctx.index.listPackagesPage({ after, query: query.q?.toLowerCase(), limit });
    const visible = page.filter((pkg) => canRead(access, pkg));
    const versions = groupByPackage(await ctx.index.listVersionStatesOf(visible));
    for (const pkg of page) {
      after = pkg;
      if (!canRead(access, pkg)) continue;
      const summary = summarize(pkg, versions.get(`${pkg.org}/${pkg.name}`) ?? []);
      if (query.minLevel !== undefined && (summary.level === null || summary.level < query.minLevel))
        continue;
      packages.push(summary);
      if (packages.length === limit) return { packages, nextCursor: encodeCursor(pkg) };
    }
    if (page.length < limit) return { packages, nextCursor: null };
  }
  return { packages, nextCursor: after ? encodeCursor(after) : null };
}

function assertStatusChange(record: VersionRecord, body: StatusBody): string | null {
  const reason = body.reason?.trim() || null;
  if ((body.status === 'yanked' || body.status === 'revoked') && reason === null) {
    throw new RegistryError(
      'REG_ERR_REASON_REQUIRED',
      `A reason is required to mark a version ${body.status}`,
    );
  }
  if (record.status === 'revoked') throw new RegistryError('REG_ERR_STATUS_TERMINAL');
  return reason;
}

export function registerPackageRoutes(app: FastifyInstance, ctx: RegistryContext): void {
  const admins = new WeakMap<FastifyRequest, RegistryPrincipal>();
  app.get<{ Querystring: PackageListQuery }>(
    '/v1/packages',
    {
      schema: routeSchema({
        tags: ['registry'],
        summary: 'List packages with their latest version, level and status',
        querystring: PackageListQuerySchema,
        response: withErrors({ 200: PackageListSchema }),
      }),
    },
    async (request) => listPackages(ctx, await ctx.access.readAccess(request), request.query),
  );

  app.get<{ Params: PackageParams }>(
    '/v1/packages/:org/:name',
    {
      schema: routeSchema({
        tags: ['registry'],
        summary: 'All versions of a package with digests, levels and status',
        params: PackageParamsSchema,
        response: withErrors({ 200: PackageDetailSchema }),
      }),
    },
    async (request) => {
      const pkg = assertNameParts(request.params.org, request.params.name);
      await ctx.access.requireRead(request, pkg);
      const records = await ctx.index.listVersions(pkg);
      if (records.length === 0) throw new RegistryError('REG_ERR_PACKAGE_NOT_FOUND');
      return {
        name: `${pkg.org}/${pkg.name}`,
        latest: latestVersion(records)?.version ?? null,
        versions: records.sort(compareVersionsDescending).map(toVersionSummary),
      };
    },
  );

  app.patch<{ Params: StatusParams; Body: StatusBody }>(
    '/v1/packages/:org/:name/:version/status',
    {
      bodyLimit: 16 * 1024,
      schema: routeSchema({
        tags: ['registry'],
        summary: 'Set the status of a version (active, deprecated, yanked, revoked); bytes are never deleted',
        description:
          'Needs `registry:admin` for the name. A reason is required for yanked and revoked; revoked is terminal.',
        params: StatusParamsSchema,
        body: StatusBodySchema,
        response: withErrors({ 200: VersionSummarySchema }),
      }),
      onRequest: async (request) => {
        const { org, name } = request.params;
        admins.set(request, await ctx.access.requireAction(request, 'admin', assertNameParts(org, name)));
      },
    },
    async (request) => {
      const pkg = assertNameParts(request.params.org, request.params.name);
      const version = assertStrictVersion(request.params.version);
      const record = await ctx.index.findVersion(pkg, version);
      if (!record) throw new RegistryError('REG_ERR_VERSION_NOT_FOUND');
      const reason = assertStatusChange(record, request.body);
      await ctx.index.updateStatus(pkg, version, {
        status: request.body.status,
        reason,
        at: ctx.now().toISOString(),
      });
      const updated = await ctx.index.findVersion(pkg, version);
      if (!updated || updated.status !== request.body.status)
        throw new RegistryError('REG_ERR_STATUS_TERMINAL');
      request.log.info(
        {
          audit: 'registry.status',
          name: `${pkg.org}/${pkg.name}`,
          version,
          from: record.status,
          to: updated.status,
          reason,
          sub: admins.get(request)?.sub,
        },
        'version status changed',
      );
      const summary = toVersionSummary(updated);
      if (ctx.onStatusChange) {
        try {
          await ctx.onStatusChange({
            name: `${pkg.org}/${pkg.name}`,
            version,
            from: record.status,
            to: updated.status,
            reason,
            digest: summary.digest,
            bundleDigest: summary.bundle.digest,
            at: ctx.now().toISOString(),
          });
        } catch (err) {
          request.log.error({ err }, 'status change hook failed');
        }
      }
      return summary;
    },
  );
}
