import type { FastifyRequest } from 'fastify';
import type { HubDb } from '../db/database.js';
import { HubError } from '../errors.js';
import { authenticate, hasScope, type Principal } from '../tokens/token-service.js';

/** What a route asks permission for; `org` scopes it to one organization. */
export type HubAction = 'read' | 'push' | 'admin';

export interface Authorizer {
  /** Returns who is calling, or throws HUB_ERR_UNAUTHENTICATED / HUB_ERR_FORBIDDEN. */
  authorize(req: FastifyRequest, action: HubAction, org?: string): Promise<Principal>;
}

const SCOPE_FOR: Record<HubAction, string> = { read: 'hub:read', push: 'hub:push', admin: 'hub:admin' };

/** Token scopes only: `hub:*` may do anything; resources restrict the organizations. */
export function tokenAuthorizer(db: HubDb): Authorizer {
  return {
    async authorize(req, action, org) {
      const principal = await authenticate(db, req.headers.authorization);
      if (!principal) throw new HubError('HUB_ERR_UNAUTHENTICATED');
      const scope = SCOPE_FOR[action];
      const implied = action === 'read' ? hasScope(principal, 'hub:push') || hasScope(principal, scope) : hasScope(principal, scope);
      if (!implied) throw new HubError('HUB_ERR_FORBIDDEN', `This action needs the ${scope} scope`);
      if (org && !principal.resources.some((r) => r === '*' || r === `${org}/*`)) {
        throw new HubError('HUB_ERR_FORBIDDEN', `The token does not cover the organization ${org}`);
      }
      return principal;
    },
  };
}
