import type { FastifyRequest } from 'fastify';
import type { HubDb } from '../db/database.js';
import { HubError } from '../errors.js';
import { authenticate, hasScope, type Principal } from '../tokens/token-service.js';

/**
 * What a route asks permission for; `org` scopes it to one organization. `admin` in an
 * organization is managing its members and tokens; without one it is administering the hub.
 * `owner` is what only an organization's owner may do (the owner role itself, deleting it).
 */
export type HubAction = 'read' | 'push' | 'admin' | 'owner';

export interface Authorizer {
  /** Returns who is calling, or throws HUB_ERR_UNAUTHENTICATED / HUB_ERR_FORBIDDEN. */
  authorize(req: FastifyRequest, action: HubAction, org?: string): Promise<Principal>;
  /** Organizations whose jobs and servers the principal may read (`'*'`: all); listings filter to them. */
  readableOrgs(principal: Principal): Promise<readonly string[] | '*'>;
}

const SCOPE_FOR: Record<HubAction, string> = {
  read: 'hub:read',
  push: 'hub:push',
  admin: 'hub:admin',
  owner: 'hub:admin',
};

/**
 * `*` and `org/*` cover `org`. An `org/name` resource (a registry token's) does not: hub actions are
 * checked per organization, so honouring it here would widen it to the whole organization.
 */
export function resourcesCover(resources: readonly string[], org: string): boolean {
  return resources.some((r) => r === '*' || r === `${org}/*`);
}

/** Organizations named by `org/*` resources, or `'*'`. */
export function orgsOfResources(resources: readonly string[]): readonly string[] | '*' {
  if (resources.includes('*')) return '*';
  return [...new Set(resources.filter((r) => r.endsWith('/*')).map((r) => r.slice(0, -2)))];
}

/** Token scopes only: `hub:*` may do anything; resources restrict the organizations. */
export function tokenAuthorizer(db: HubDb): Authorizer {
  return {
    async authorize(req, action, org) {
      const principal = await authenticate(db, req.headers.authorization);
      if (!principal) throw new HubError('HUB_ERR_UNAUTHENTICATED');
      const scope = SCOPE_FOR[action];
      const implied =
        action === 'read'
          ? hasScope(principal, 'hub:push') || hasScope(principal, scope)
          : hasScope(principal, scope);
      if (!implied) throw new HubError('HUB_ERR_FORBIDDEN', `This action needs the ${scope} scope`);
      if (org && !principal.resources.some((r) => r === '*' || r === `${org}/*`)) {
        throw new HubError('HUB_ERR_FORBIDDEN', `The token does not cover the organization ${org}`);
      }
      return principal;
    },
    async readableOrgs(principal) {
      return orgsOfResources(principal.resources);
    },
  };
}
