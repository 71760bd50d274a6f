import type { FastifyRequest } from 'fastify';
import type { HubDb } from '../db/database.js';
import { HubError } from '../errors.js';
import { OrgDirectory } from '../orgs/org-directory.js';
import { type OrgPermission, ROLES, roleAllows } from '../orgs/roles.js';
import { authenticate, hasScope, type Principal } from '../tokens/token-service.js';
import { type Authorizer, type HubAction, orgsOfResources, resourcesCover } from './authorizer.js';

/** A caller resolved to its user (null for a token that predates users) and hub-admin standing. */
export interface HubPrincipal extends Principal {
  user: { id: string; name: string } | null;
  /** The hub admin may do everything: the admin token, or a `hub:*`/`hub:admin` token of a hub-admin user. */
  hubAdmin: boolean;
}

export interface RbacAuthorizer extends Authorizer {
  authorize(req: FastifyRequest, action: HubAction, org?: string): Promise<HubPrincipal>;
  /** Who is calling (HUB_ERR_UNAUTHENTICATED when nobody valid), without checking any permission. */
  principal(req: FastifyRequest): Promise<HubPrincipal>;
  requireHubAdmin(req: FastifyRequest): Promise<HubPrincipal>;
}

/** Scopes a hub API token may carry. `hub:admin` and `hub:*` only for hub-admin users. */
export const API_TOKEN_SCOPES = [
  'hub:read',
  'hub:push',
  'hub:manage',
  'hub:run',
  'hub:admin',
  'hub:*',
] as const;
export const HUB_ADMIN_SCOPES: readonly string[] = ['hub:admin', 'hub:*'];

/** What each scope lets a token do, within what its user's role allows. */
const SCOPE_GRANTS: Record<string, readonly OrgPermission[]> = {
  'hub:read': ['read'],
  'hub:push': ['read', 'push'],
  'hub:manage': ['read', 'manage', 'own'],
  // Starting servers (the Run screen) is checked by the run routes on top of read: see RUN_SCOPE.
  'hub:run': ['read'],
};

/** The scope that lets a token start, stop and drive servers in the sandbox (`hub:admin` implies it). */
export const RUN_SCOPE = 'hub:run';

const PERMISSION_OF: Record<HubAction, OrgPermission> = {
  read: 'read',
  push: 'push',
  admin: 'manage',
  owner: 'own',
};
const SCOPE_NEEDED: Record<OrgPermission, string> = {
  read: 'hub:read',
  push: 'hub:push',
  manage: 'hub:manage',
  own: 'hub:manage',
};

/** Whether the token's scopes (not its user's role) allow `permission`. */
export function tokenAllows(p: Principal, permission: OrgPermission): boolean {
  if (hasScope(p, 'hub:admin')) return true; // hub:admin, hub:*, *
  return p.scopes.some((s) => SCOPE_GRANTS[s]?.includes(permission));
}

/** Whether a token of `p` may hand out `scope` (a new token is never broader than the one creating it). */
export function scopeWithin(p: Principal, scope: string): boolean {
  if (hasScope(p, 'hub:admin')) return true;
  if (scope === RUN_SCOPE && !hasScope(p, RUN_SCOPE)) return false; // read-only tokens cannot mint it
  const grants = SCOPE_GRANTS[scope];
  return grants?.every((perm) => tokenAllows(p, perm)) ?? false;
}

const weakestRoleFor = (permission: OrgPermission) => ROLES.find((r) => roleAllows(r, permission))!;

/**
 * Role-based access: a caller may act in an organization when its user's role there allows the
 * action AND its token's scopes and resources do too (a token can be narrower than its user).
 * viewer reads; member also pushes; admin also manages members and tokens; owner also grants the
 * owner role and deletes. The hub admin may do everything. A token without a user (only the admin
 * token before bootstrap) is held to its scopes and resources alone, as `tokenAuthorizer` does.
 */
export function rbacAuthorizer(db: HubDb): RbacAuthorizer {
  const directory = new OrgDirectory(db);

  async function principal(req: FastifyRequest): Promise<HubPrincipal> {
    const p = await authenticate(db, req.headers.authorization);
    if (!p) throw new HubError('HUB_ERR_UNAUTHENTICATED');
    if (!p.userId) {
      return { ...p, user: null, hubAdmin: hasScope(p, 'hub:admin') && p.resources.includes('*') };
    }
    const user = await directory.userById(p.userId);
    if (!user || user.disabled_at) throw new HubError('HUB_ERR_UNAUTHENTICATED');
    return {
      ...p,
      name: user.name,
      user: { id: user.id, name: user.name },
      hubAdmin: user.hub_admin === 1 && hasScope(p, 'hub:admin') && p.resources.includes('*'),
    };
  }

  async function authorize(req: FastifyRequest, action: HubAction, org?: string): Promise<HubPrincipal> {
    const p = await principal(req);
    if (p.hubAdmin) return p;
    const permission = PERMISSION_OF[action];
    if (!tokenAllows(p, permission)) {
      throw new HubError(
        'HUB_ERR_FORBIDDEN',
        `This token does not allow ${action}; it needs the ${SCOPE_NEEDED[permission]} scope`,
      );
    }
    if (org === undefined) {
      // Listings filter to readableOrgs; anything else without an organization is hub administration.
      if (action === 'read' || action === 'push') return p;
      throw new HubError('HUB_ERR_FORBIDDEN', 'This action needs a hub administrator');
    }
    if (!resourcesCover(p.resources, org)) {
      throw new HubError('HUB_ERR_FORBIDDEN', `The token does not cover the organization ${org}`);
    }
    if (!p.user) return p;
    const role = await directory.roleOf(p.user.id, org);
    if (!role) throw new HubError('HUB_ERR_FORBIDDEN', `${p.user.name} is not a member of ${org}`);
    if (!roleAllows(role, permission)) {
      throw new HubError(
        'HUB_ERR_FORBIDDEN',
        `${p.user.name} is a ${role} of ${org}; ${action} needs the ${weakestRoleFor(permission)} role or higher`,
      );
    }
    return p;
  }

  return {
    principal,
    authorize,
    async requireHubAdmin(req) {
      const p = await principal(req);
      if (!p.hubAdmin) throw new HubError('HUB_ERR_FORBIDDEN', 'This action needs a hub administrator');
      return p;
    },
    async readableOrgs(given) {
      const byToken = orgsOfResources(given.resources);
      const tokenMayAdmin = hasScope(given, 'hub:admin') && byToken === '*';
      const hubAdmin =
        'hubAdmin' in given
          ? (given as HubPrincipal).hubAdmin
          : tokenMayAdmin && (!given.userId || (await directory.userById(given.userId))?.hub_admin === 1);
      if (hubAdmin) return '*';
      if (!given.userId) return byToken;
      const mine = (await directory.membershipsOf(given.userId)).map((m) => m.org);
      return byToken === '*' ? mine : mine.filter((o) => byToken.includes(o));
    },
  };
}
