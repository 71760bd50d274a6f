import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { HubDb } from '../db/database.js';
import type { ApiTokensTable, OrganizationsTable, UsersTable } from '../db/schema.js';
import { HubError } from '../errors.js';
import { hashToken, newTokenSecret } from '../keys/signing-key.js';
import type { Role } from './roles.js';

export type User = Selectable<UsersTable>;
export type Organization = Selectable<OrganizationsTable>;
export type ApiToken = Selectable<ApiTokensTable>;

export interface Member {
  userId: string;
  user: string;
  displayName: string | null;
  role: Role;
  since: string;
}

/** The organization every local install starts with, and its owner (who is also the hub admin). */
export const LOCAL_ORG = 'local';
export const ADMIN_USER = 'admin';
/** The token `ensureAdminToken` writes; bootstrap binds it to the admin user. */
const ADMIN_TOKEN_ID = 'admin';
const BOOTSTRAP_KEY = 'orgs.bootstrapped';

const isUniqueViolation = (err: unknown) =>
  /UNIQUE constraint|duplicate key/i.test(String((err as Error)?.message));

/**
 * First start, idempotent: the `local` organization on the `unlimited` plan, the `admin` user who
 * owns it and administers the hub, and the admin token bound to that user. Runs once (remembered in
 * `settings`), so removing the admin from `local` later is not undone by a restart; the token binding
 * is re-applied on every start because a rotated admin token row may predate it.
 */
export async function bootstrapOrganizations(db: HubDb): Promise<void> {
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    const done = await trx
      .selectFrom('settings')
      .select('key')
      .where('key', '=', BOOTSTRAP_KEY)
      .executeTakeFirst();
    if (!done) {
      await trx
        .insertInto('organizations')
        .values({ name: LOCAL_ORG, plan: 'unlimited', created_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      await trx
        .insertInto('users')
        .values({
          id: ADMIN_USER,
          name: ADMIN_USER,
          display_name: 'Local administrator',
          hub_admin: 1,
          created_at: now,
          disabled_at: null,
        })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const admin = await trx
        .selectFrom('users')
        .select('id')
        .where('name', '=', ADMIN_USER)
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('memberships')
        .values({ user_id: admin.id, org: LOCAL_ORG, role: 'owner', created_at: now })
        .onConflict((oc) => oc.columns(['user_id', 'org']).doNothing())
        .execute();
      // Two replicas bootstrapping one PostgreSQL at once: the second finds the row and moves on.
      await trx
        .insertInto('settings')
        .values({ key: BOOTSTRAP_KEY, value: now, updated_at: now })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    }
    const admin = await trx
      .selectFrom('users')
      .select('id')
      .where('name', '=', ADMIN_USER)
      .executeTakeFirst();
    if (admin) {
      await trx
        .updateTable('api_tokens')
        .set({ user_id: admin.id })
        .where('id', '=', ADMIN_TOKEN_ID)
        .where('user_id', 'is', null)
        .execute();
    }
  });
}

/** Users, organizations, memberships and users' API tokens: storage only; routes decide who may. */
export class OrgDirectory {
  constructor(private readonly db: HubDb) {}

  // Users

  userByName(name: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
  }

  userById(id: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listUsers(): Promise<User[]> {
    return this.db.selectFrom('users').selectAll().orderBy('name').execute();
  }

  async createUser(input: { name: string; displayName?: string; hubAdmin?: boolean }): Promise<User> {
    const row: User = {
      id: randomUUID(),
      name: input.name,
      display_name: input.displayName ?? null,
      hub_admin: input.hubAdmin ? 1 : 0,
      created_at: new Date().toISOString(),
      disabled_at: null,
    };
    try {
      await this.db.insertInto('users').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err))
        throw new HubError('HUB_ERR_CONFLICT', `The user ${input.name} exists already`);
      throw err;
    }
    return row;
  }

  async setUserDisabled(id: string, disabled: boolean): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ disabled_at: disabled ? new Date().toISOString() : null })
      .where('id', '=', id)
      .execute();
  }

  // Organizations

  org(name: string): Promise<Organization | undefined> {
    return this.db.selectFrom('organizations').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** All organizations, or those named in `only`. */
  listOrgs(only: readonly string[] | '*'): Promise<Organization[]> {
    if (only !== '*' && only.length === 0) return Promise.resolve([]);
    let q = this.db.selectFrom('organizations').selectAll();
    if (only !== '*') q = q.where('name', 'in', [...only]);
    return q.orderBy('name').execute();
  }

  /** Creates the organization with `ownerId` (if any) as its owner, in one transaction. */
  async createOrg(input: { name: string; plan: string; ownerId: string | null }): Promise<Organization> {
    const now = new Date().toISOString();
    const row: Organization = { name: input.name, plan: input.plan, created_at: now };
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('organizations').values(row).execute();
        if (input.ownerId) {
          await trx
            .insertInto('memberships')
            .values({ user_id: input.ownerId, org: input.name, role: 'owner', created_at: now })
            .execute();
        }
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new HubError('HUB_ERR_CONFLICT', `The organization ${input.name} exists already`);
      throw err;
    }
    return row;
  }

  /** Whether any job was ever submitted under this organization name (registered or not). */
  async hasJobs(org: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('org', '=', org)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Deletes the organization and its memberships; false when there was none. */
  async deleteOrg(org: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('memberships').where('org', '=', org).execute();
      const res = await trx.deleteFrom('organizations').where('name', '=', org).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    });
  }

  async setPlan(org: string, plan: string): Promise<void> {
    await this.db.updateTable('organizations').set({ plan }).where('name', '=', org).execute();
  }

  // Memberships

  async roleOf(userId: string, org: string): Promise<Role | null> {
    const row = await this.db
      .selectFrom('memberships')
      .select('role')
      .where('user_id', '=', userId)
      .where('org', '=', org)
      .executeTakeFirst();
    return (row?.role as Role | undefined) ?? null;
  }

  async membershipsOf(userId: string): Promise<{ org: string; role: Role }[]> {
    const rows = await this.db
      .selectFrom('memberships')
      .select(['org', 'role'])
      .where('user_id', '=', userId)
      .orderBy('org')
      .execute();
    return rows.map((r) => ({ org: r.org, role: r.role as Role }));
  }

  async members(org: string): Promise<Member[]> {
    const rows = await this.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select([
        'users.id as userId',
        'users.name as user',
        'users.display_name as displayName',
        'memberships.role',
        'memberships.created_at as since',
      ])
      .where('memberships.org', '=', org)
      .orderBy('users.name')
      .execute();
    return rows.map((r) => ({ ...r, role: r.role as Role }));
  }

  /**
   * Adds the user or changes their role. Refuses (409) to leave the organization without an owner.
   * Returns the role the user had before (null when new).
   */
  async setMember(org: string, userId: string, role: Role): Promise<Role | null> {
    return this.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('memberships')
        .select('role')
        .where('org', '=', org)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (before) {
        await trx
          .updateTable('memberships')
          .set({ role })
          .where('org', '=', org)
          .where('user_id', '=', userId)
          .execute();
      } else {
        await trx
          .insertInto('memberships')
          .values({ org, user_id: userId, role, created_at: new Date().toISOString() })
          .execute();
      }
      await this.assertOwnerLeft(trx, org);
      return (before?.role as Role | undefined) ?? null;
    });
  }

  /** Removes the membership; false when there was none. Refuses (409) to remove the last owner. */
  async removeMember(org: string, userId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .deleteFrom('memberships')
        .where('org', '=', org)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) return false;
      await this.assertOwnerLeft(trx, org);
      return true;
    });
  }

  private async assertOwnerLeft(trx: HubDb, org: string): Promise<void> {
    const owner = await trx
      .selectFrom('memberships')
      .select('user_id')
      .where('org', '=', org)
      .where('role', '=', 'owner')
      .executeTakeFirst();
    // Throwing inside the transaction rolls the change back.
    if (!owner)
      throw new HubError(
        'HUB_ERR_CONFLICT',
        `${org} would have no owner left; make someone else owner first`,
      );
  }

  // API tokens

  /** Creates a hub API token for `userId`; the secret is returned once and only its SHA-256 is stored. */
  async createToken(input: {
    userId: string;
    name: string;
    scopes: string[];
    resources: string[];
    expiresAt: string | null;
  }): Promise<{ token: ApiToken; secret: string }> {
    const secret = newTokenSecret();
    const token: ApiToken = {
      id: `tok_${randomUUID().replaceAll('-', '')}`,
      name: input.name,
      token_hash: hashToken(secret),
      scope: input.scopes.join(' '),
      resource: input.resources.join(' '),
      created_at: new Date().toISOString(),
      expires_at: input.expiresAt,
      revoked_at: null,
      user_id: input.userId,
    };
    await this.db.insertInto('api_tokens').values(token).execute();
    return { token, secret };
  }

  token(id: string): Promise<ApiToken | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listTokens(userId?: string): Promise<ApiToken[]> {
    let q = this.db.selectFrom('api_tokens').selectAll();
    if (userId) q = q.where('user_id', '=', userId);
    return q.orderBy('created_at').orderBy('id').execute();
  }

  async revokeToken(id: string): Promise<void> {
    await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: new Date().toISOString() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }
}
