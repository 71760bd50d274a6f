import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { resourcesCover } from '../../auth/authorizer.js';
import {
  API_TOKEN_SCOPES,
  HUB_ADMIN_SCOPES,
  type HubPrincipal,
  type RbacAuthorizer,
  scopeWithin,
  tokenAllows,
} from '../../auth/rbac-authorizer.js';
import { HubError } from '../../errors.js';
import {
  type ApiToken,
  LOCAL_ORG,
  type Organization,
  type OrgDirectory,
  type User,
} from '../../orgs/org-directory.js';
import { DEFAULT_PLAN } from '../../orgs/plans.js';
import { ORG_NAME_PATTERN, ROLES, type Role, USER_NAME_PATTERN } from '../../orgs/roles.js';
import type { UsageMeter } from '../../orgs/usage.js';
import { parseTtl } from '../../tokens/token-service.js';

export interface OrgRouteDeps {
  directory: OrgDirectory;
  authorizer: RbacAuthorizer;
  meter: UsageMeter;
}

/** Hub API tokens are limited per organization: `*` or `org/*`. */
const RESOURCE_PATTERN = '^(\\*|[a-z0-9][a-z0-9._-]{0,63}/\\*)$';
const DEFAULT_TOKEN_SCOPES = ['hub:read', 'hub:push', 'hub:manage'];

const ErrorBody = Type.Object({ code: Type.String(), message: Type.String(), statusCode: Type.Integer() });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, ErrorBody]));

const OrgName = Type.String({ pattern: ORG_NAME_PATTERN, description: 'lower-case: [a-z0-9][a-z0-9._-]*' });
const UserName = Type.String({ pattern: USER_NAME_PATTERN });
const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const OrgParams = Type.Object({ org: OrgName });

const UserView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  displayName: Nullable(Type.String()),
  hubAdmin: Type.Boolean(),
  createdAt: Type.String(),
  disabledAt: Nullable(Type.String()),
});
const OrgView = Type.Object({
  name: Type.String(),
  plan: Type.String(),
  createdAt: Type.String(),
  /** The caller's role; null for a hub admin who is not a member. */
  role: Nullable(Type.String()),
});
const QuotaLineView = Type.Object({ used: Type.Number(), limit: Nullable(Type.Number()) });
const OrgDetail = Type.Composite([
  OrgView,
  Type.Object({
    members: Type.Integer(),
    period: Type.Object({ start: Type.String(), resetsAt: Type.String() }),
    usage: Type.Object({ scan: QuotaLineView, bytes_stored: QuotaLineView, run: QuotaLineView }),
  }),
]);
const MemberView = Type.Object({
  user: Type.String(),
  displayName: Nullable(Type.String()),
  role: Type.String(),
  since: Type.String(),
});
const TokenView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  user: Nullable(Type.String()),
  scopes: Type.Array(Type.String()),
  resources: Type.Array(Type.String()),
  createdAt: Type.String(),
  expiresAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
});
const TokenCreated = Type.Composite([
  TokenView,
  Type.Object({ secret: Type.String({ description: 'Shown once; only its SHA-256 is stored' }) }),
]);

const CreateOrgBody = Type.Object(
  {
    name: OrgName,
    plan: Type.Optional(Type.String({ description: `Hub admin only; others get ${DEFAULT_PLAN}` })),
    owner: Type.Optional(UserName),
  },
  { additionalProperties: false },
);
const PatchOrgBody = Type.Object({ plan: Type.String() }, { additionalProperties: false });
const MemberBody = Type.Object({ user: UserName, role: RoleSchema }, { additionalProperties: false });
const CreateUserBody = Type.Object(
  {
    name: UserName,
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    hubAdmin: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
const PatchUserBody = Type.Object({ disabled: Type.Boolean() }, { additionalProperties: false });
const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    scope: Type.Optional(
      Type.Array(Type.Union(API_TOKEN_SCOPES.map((s) => Type.Literal(s))), {
        minItems: 1,
        maxItems: 5,
        uniqueItems: true,
      }),
    ),
    resource: Type.Optional(
      Type.Array(Type.String({ pattern: RESOURCE_PATTERN }), {
        minItems: 1,
        maxItems: 50,
        uniqueItems: true,
      }),
    ),
    ttl: Type.Optional(Type.String({ maxLength: 16, description: 'e.g. 30d; none: no expiry' })),
    user: Type.Optional(UserName),
  },
  { additionalProperties: false },
);
const RunBody = Type.Object(
  {
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 1 })),
    ref: Type.Optional(Type.String({ maxLength: 300 })),
  },
  { additionalProperties: false },
);

const presentUser = (u: User) => ({
  id: u.id,
  name: u.name,
  displayName: u.display_name,
  hubAdmin: u.hub_admin === 1,
  createdAt: u.created_at,
  disabledAt: u.disabled_at,
});
const presentOrg = (o: Organization, role: Role | null) => ({
  name: o.name,
  plan: o.plan,
  createdAt: o.created_at,
  role,
});
const presentToken = (t: ApiToken, user: string | null) => ({
  id: t.id,
  name: t.name,
  user,
  scopes: t.scope.split(' '),
  resources: t.resource.split(' '),
  createdAt: t.created_at,
  expiresAt: t.expires_at,
  revokedAt: t.revoked_at,
});

/** Organizations, members, users, hub API tokens and usage: `/api/v1/orgs`, `/users`, `/tokens/api`, `/me`. */
export async function orgRoutes(app: FastifyInstance, deps: OrgRouteDeps): Promise<void> {
  const { directory, authorizer, meter } = deps;
  const security = [{ bearer: [] }];

  async function orgOr404(name: string): Promise<Organization> {
    const org = await directory.org(name);
    if (!org) throw new HubError('HUB_ERR_NOT_FOUND', `No organization ${name}`);
    return org;
  }
  async function userOr404(name: string): Promise<User> {
    const user = await directory.userByName(name);
    if (!user) throw new HubError('HUB_ERR_NOT_FOUND', `No user ${name}`);
    return user;
  }
  const roleOf = async (p: HubPrincipal, org: string) => (p.user ? directory.roleOf(p.user.id, org) : null);
  const userNames = async () => new Map((await directory.listUsers()).map((u) => [u.id, u.name]));

  async function orgDetail(p: HubPrincipal, org: Organization) {
    const summary = await meter.summary(org.name);
    return {
      ...presentOrg(org, await roleOf(p, org.name)),
      members: (await directory.members(org.name)).length,
      period: summary.period,
      usage: summary.usage,
    };
  }

  /**
   * Someone other than the hub admin acting on another user's token: only as an admin of every
   * organization the token is limited to, and only for members of those organizations.
   */
  async function assertOrgAdminOver(
    req: FastifyRequest,
    resources: readonly string[],
    userId: string | null,
  ): Promise<void> {
    if (resources.includes('*')) {
      throw new HubError(
        'HUB_ERR_FORBIDDEN',
        "Only a hub admin manages another user's token for every organization; limit it to org/*",
      );
    }
    for (const org of new Set(resources.map((r) => r.split('/')[0]!))) {
      await authorizer.authorize(req, 'admin', org);
      if (!userId || !(await directory.roleOf(userId, org))) {
        throw new HubError('HUB_ERR_FORBIDDEN', `The token's user is not a member of ${org}`);
      }
    }
  }

  app.get(
    '/api/v1/me',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Who the token belongs to: user, hub-admin standing, memberships, the token itself',
        security,
        response: {
          200: Type.Object({
            user: Nullable(UserView),
            hubAdmin: Type.Boolean(),
            memberships: Type.Array(Type.Object({ org: Type.String(), role: Type.String() })),
            token: Type.Object({
              id: Type.String(),
              name: Type.String(),
              scopes: Type.Array(Type.String()),
              resources: Type.Array(Type.String()),
            }),
          }),
          ...errors(401),
        },
      },
    },
    async (req) => {
      const p = await authorizer.principal(req);
      const user = p.user ? await directory.userById(p.user.id) : undefined;
      return {
        user: user ? presentUser(user) : null,
        hubAdmin: p.hubAdmin,
        memberships: p.user ? await directory.membershipsOf(p.user.id) : [],
        token: { id: p.id, name: p.name, scopes: p.scopes, resources: p.resources },
      };
    },
  );

  app.get(
    '/api/v1/orgs',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Organizations the caller can read (all of them for a hub admin)',
        security,
        response: { 200: Type.Object({ orgs: Type.Array(OrgView) }), ...errors(401, 403) },
      },
    },
    async (req) => {
      const p = await authorizer.authorize(req, 'read');
      const orgs = await directory.listOrgs(await authorizer.readableOrgs(p));
      const roles = new Map(
        p.user ? (await directory.membershipsOf(p.user.id)).map((m) => [m.org, m.role]) : [],
      );
      return { orgs: orgs.map((o) => presentOrg(o, roles.get(o.name) ?? null)) };
    },
  );

  app.post(
    '/api/v1/orgs',
    {
      schema: {
        tags: ['orgs'],
        summary: `Create an organization; the caller owns it. Plan ${DEFAULT_PLAN} unless a hub admin chooses another (and may name the owner)`,
        security,
        body: CreateOrgBody,
        response: { 201: OrgDetail, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const body = req.body as Static<typeof CreateOrgBody>;
      const p = await authorizer.principal(req);
      if (!p.hubAdmin) {
        if (!tokenAllows(p, 'manage'))
          throw new HubError('HUB_ERR_FORBIDDEN', 'Creating an organization needs the hub:manage scope');
        if (!p.user)
          throw new HubError('HUB_ERR_FORBIDDEN', 'This token has no user to own the organization');
        if (!resourcesCover(p.resources, body.name))
          throw new HubError('HUB_ERR_FORBIDDEN', `The token does not cover the organization ${body.name}`);
        if (body.plan !== undefined && body.plan !== DEFAULT_PLAN) {
          throw new HubError(
            'HUB_ERR_FORBIDDEN',
            `Only a hub admin chooses a plan other than ${DEFAULT_PLAN}`,
          );
        }
        if (body.owner !== undefined && body.owner !== p.user.name) {
          throw new HubError(
            'HUB_ERR_FORBIDDEN',
            'Only a hub admin creates an organization for someone else',
          );
        }
      }
      if (!p.hubAdmin && (await directory.hasJobs(body.name))) {
        // Jobs submitted under an unregistered name (by the hub admin or a webhook) must not become
        // readable by whoever registers the name first.
        throw new HubError(
          'HUB_ERR_CONFLICT',
          `Servers were already submitted under ${body.name}; ask a hub admin to create it`,
        );
      }
      const plan = body.plan ?? DEFAULT_PLAN;
      if (!meter.hasPlan(plan))
        throw new HubError('HUB_ERR_VALIDATION', `Unknown plan ${plan}; use ${meter.planNames().join(', ')}`);
      const ownerId = body.owner ? (await userOr404(body.owner)).id : (p.user?.id ?? null);
      const org = await directory.createOrg({ name: body.name, plan, ownerId });
      return reply.status(201).send(await orgDetail(p, org));
    },
  );

  app.get(
    '/api/v1/orgs/:org',
    {
      schema: {
        tags: ['orgs'],
        summary: "One organization: plan, the caller's role, usage this month against the plan's quotas",
        security,
        params: OrgParams,
        response: { 200: OrgDetail, ...errors(401, 403, 404) },
      },
    },
    async (req) => {
      const { org } = req.params as Static<typeof OrgParams>;
      const p = await authorizer.authorize(req, 'read', org);
      return orgDetail(p, await orgOr404(org));
    },
  );

  app.patch(
    '/api/v1/orgs/:org',
    {
      schema: {
        tags: ['orgs'],
        summary: "Change an organization's plan (hub admin only; there is no payment processor)",
        security,
        params: OrgParams,
        body: PatchOrgBody,
        response: { 200: OrgDetail, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const { org } = req.params as Static<typeof OrgParams>;
      const { plan } = req.body as Static<typeof PatchOrgBody>;
      const p = await authorizer.requireHubAdmin(req);
      await orgOr404(org);
      if (!meter.hasPlan(plan))
        throw new HubError('HUB_ERR_VALIDATION', `Unknown plan ${plan}; use ${meter.planNames().join(', ')}`);
      await directory.setPlan(org, plan);
      return orgDetail(p, await orgOr404(org));
    },
  );

  app.delete(
    '/api/v1/orgs/:org',
    {
      schema: {
        tags: ['orgs'],
        summary:
          'Delete an organization (owner); refused while it has servers, so its name cannot be taken over',
        security,
        params: OrgParams,
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const { org } = req.params as Static<typeof OrgParams>;
      await authorizer.authorize(req, 'owner', org);
      await orgOr404(org);
      if (org === LOCAL_ORG)
        throw new HubError('HUB_ERR_VALIDATION', `The ${LOCAL_ORG} organization cannot be deleted`);
      if (await directory.hasJobs(org)) {
        throw new HubError(
          'HUB_ERR_CONFLICT',
          `${org} has submitted servers; they stay addressable, so the organization stays`,
        );
      }
      await directory.deleteOrg(org);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/orgs/:org/runs',
    {
      schema: {
        tags: ['orgs'],
        summary:
          "Meter runs of the organization's servers (execution plane); refused past the plan's run quota (429) or when the plan has no runs (402)",
        security,
        params: OrgParams,
        body: RunBody,
        response: { 201: Type.Object({ run: QuotaLineView }), ...errors(400, 401, 402, 403, 429) },
      },
    },
    async (req, reply) => {
      const { org } = req.params as Static<typeof OrgParams>;
      const body = req.body as Static<typeof RunBody>;
      await authorizer.authorize(req, 'push', org);
      const count = body.count ?? 1;
      await meter.assertQuota(org, 'run', count);
      await meter.recordUsage(org, 'run', count, body.ref ?? null);
      return reply.status(201).send({ run: (await meter.summary(org)).usage.run });
    },
  );

  app.get(
    '/api/v1/orgs/:org/members',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Members of an organization and their roles',
        security,
        params: OrgParams,
        response: { 200: Type.Object({ members: Type.Array(MemberView) }), ...errors(401, 403, 404) },
      },
    },
    async (req) => {
      const { org } = req.params as Static<typeof OrgParams>;
      await authorizer.authorize(req, 'read', org);
      await orgOr404(org);
      const members = await directory.members(org);
      return {
        members: members.map((m) => ({
          user: m.user,
          displayName: m.displayName,
          role: m.role,
          since: m.since,
        })),
      };
    },
  );

  app.post(
    '/api/v1/orgs/:org/members',
    {
      schema: {
        tags: ['orgs'],
        summary:
          "Add a member or change a member's role (org admin; granting or taking away owner needs an owner)",
        security,
        params: OrgParams,
        body: MemberBody,
        response: { 200: MemberView, 201: MemberView, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const { org } = req.params as Static<typeof OrgParams>;
      const body = req.body as Static<typeof MemberBody>;
      await authorizer.authorize(req, 'admin', org);
      await orgOr404(org);
      const user = await userOr404(body.user);
      const current = await directory.roleOf(user.id, org);
      if (body.role === 'owner' || current === 'owner') await authorizer.authorize(req, 'owner', org);
      const before = await directory.setMember(org, user.id, body.role);
      const member = (await directory.members(org)).find((m) => m.userId === user.id)!;
      return reply
        .status(before === null ? 201 : 200)
        .send({ user: member.user, displayName: member.displayName, role: member.role, since: member.since });
    },
  );

  app.delete(
    '/api/v1/orgs/:org/members/:user',
    {
      schema: {
        tags: ['orgs'],
        summary: 'Remove a member (org admin; removing an owner needs an owner; the last owner stays)',
        security,
        params: Type.Object({ org: OrgName, user: UserName }),
        response: { 204: Type.Null(), ...errors(401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const params = req.params as { org: string; user: string };
      await authorizer.authorize(req, 'admin', params.org);
      const user = await userOr404(params.user);
      const current = await directory.roleOf(user.id, params.org);
      if (!current)
        throw new HubError('HUB_ERR_NOT_FOUND', `${params.user} is not a member of ${params.org}`);
      if (current === 'owner') await authorizer.authorize(req, 'owner', params.org);
      await directory.removeMember(params.org, user.id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/users',
    {
      schema: {
        tags: ['users'],
        summary: 'All users (hub admin)',
        security,
        response: { 200: Type.Object({ users: Type.Array(UserView) }), ...errors(401, 403) },
      },
    },
    async (req) => {
      await authorizer.requireHubAdmin(req);
      return { users: (await directory.listUsers()).map(presentUser) };
    },
  );

  app.post(
    '/api/v1/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Create a user (hub admin); give them a token with POST /api/v1/tokens/api',
        security,
        body: CreateUserBody,
        response: { 201: UserView, ...errors(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      await authorizer.requireHubAdmin(req);
      const body = req.body as Static<typeof CreateUserBody>;
      const user = await directory.createUser({
        name: body.name,
        ...(body.displayName ? { displayName: body.displayName } : {}),
        hubAdmin: body.hubAdmin ?? false,
      });
      return reply.status(201).send(presentUser(user));
    },
  );

  app.patch(
    '/api/v1/users/:user',
    {
      schema: {
        tags: ['users'],
        summary: "Disable or re-enable a user (hub admin); a disabled user's tokens stop working at once",
        security,
        params: Type.Object({ user: UserName }),
        body: PatchUserBody,
        response: { 200: UserView, ...errors(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const p = await authorizer.requireHubAdmin(req);
      const user = await userOr404((req.params as { user: string }).user);
      const { disabled } = req.body as Static<typeof PatchUserBody>;
      if (disabled && user.id === p.user?.id)
        throw new HubError('HUB_ERR_VALIDATION', 'You cannot disable yourself');
      await directory.setUserDisabled(user.id, disabled);
      return presentUser((await directory.userById(user.id))!);
    },
  );

  app.post(
    '/api/v1/tokens/api',
    {
      schema: {
        tags: ['tokens'],
        summary:
          'Create a hub API token for yourself, or for another user (hub admin; an org admin for members of their organizations). The secret is returned once; only its hash is stored',
        security,
        body: CreateTokenBody,
        response: { 201: TokenCreated, ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const body = req.body as Static<typeof CreateTokenBody>;
      const p = await authorizer.principal(req);
      if (!p.hubAdmin && !tokenAllows(p, 'manage'))
        throw new HubError('HUB_ERR_FORBIDDEN', 'Creating tokens needs the hub:manage scope');
      const target = body.user
        ? await userOr404(body.user)
        : p.user
          ? await directory.userById(p.user.id)
          : undefined;
      if (!target) throw new HubError('HUB_ERR_VALIDATION', 'This token has no user: name one with "user"');
      if (target.disabled_at) throw new HubError('HUB_ERR_VALIDATION', `The user ${target.name} is disabled`);
      const scopes: string[] = body.scope ?? DEFAULT_TOKEN_SCOPES;
      const resources = body.resource ?? ['*'];
      const adminScope = scopes.find((s) => HUB_ADMIN_SCOPES.includes(s));
      if (adminScope && !(p.hubAdmin && target.hub_admin === 1)) {
        throw new HubError(
          'HUB_ERR_FORBIDDEN',
          `${adminScope} is only for hub admins, granted by a hub admin`,
        );
      }
      if (!p.hubAdmin) {
        const broader = scopes.find((s) => !scopeWithin(p, s));
        if (broader)
          throw new HubError(
            'HUB_ERR_FORBIDDEN',
            `A token cannot grant ${broader}: the calling token does not have it`,
          );
        const uncovered = resources.find((r) =>
          r === '*' ? !p.resources.includes('*') : !resourcesCover(p.resources, r.slice(0, -2)),
        );
        if (uncovered)
          throw new HubError(
            'HUB_ERR_FORBIDDEN',
            `A token cannot cover ${uncovered}: the calling token does not`,
          );
        if (target.id !== p.user?.id) await assertOrgAdminOver(req, resources, target.id);
      }
      const expiresAt = body.ttl ? new Date(Date.now() + parseTtl(body.ttl) * 1000).toISOString() : null;
      const { token, secret } = await directory.createToken({
        userId: target.id,
        name: body.name,
        scopes,
        resources,
        expiresAt,
      });
      return reply.status(201).send({ ...presentToken(token, target.name), secret });
    },
  );

  app.get(
    '/api/v1/tokens/api',
    {
      schema: {
        tags: ['tokens'],
        summary: "Your hub API tokens (never their secrets); a hub admin may ask for a user's with ?user=",
        security,
        querystring: Type.Object({ user: Type.Optional(UserName) }),
        response: { 200: Type.Object({ tokens: Type.Array(TokenView) }), ...errors(401, 403, 404) },
      },
    },
    async (req) => {
      const p = await authorizer.principal(req);
      const q = req.query as { user?: string };
      let userId = p.user?.id;
      if (q.user && q.user !== p.user?.name) {
        if (!p.hubAdmin)
          throw new HubError('HUB_ERR_FORBIDDEN', "Only a hub admin lists another user's tokens");
        userId = (await userOr404(q.user)).id;
      }
      if (!userId) return { tokens: [] };
      const names = await userNames();
      return {
        tokens: (await directory.listTokens(userId)).map((t) =>
          presentToken(t, names.get(t.user_id ?? '') ?? null),
        ),
      };
    },
  );

  app.delete(
    '/api/v1/tokens/api/:id',
    {
      schema: {
        tags: ['tokens'],
        summary:
          'Revoke a hub API token (your own; a hub admin any; an org admin those limited to their organizations)',
        security,
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const p = await authorizer.principal(req);
      const token = await directory.token(id);
      if (!token) throw new HubError('HUB_ERR_NOT_FOUND', `No token ${id}`);
      if (token.id === 'admin') {
        throw new HubError(
          'HUB_ERR_VALIDATION',
          'The admin token is rotated, not revoked: delete keys/admin-token and restart',
        );
      }
      const own = p.user !== null && token.user_id === p.user.id;
      if (!own && !p.hubAdmin) await assertOrgAdminOver(req, token.resource.split(' '), token.user_id);
      await directory.revokeToken(id);
      return reply.status(204).send();
    },
  );
}
