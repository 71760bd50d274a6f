/** Roles a user holds in an organization, weakest first. */
export const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a role may do in its organization. `manage` is members and tokens; `own` is the
 * owner role itself (granting or removing an owner) and deleting the organization.
 */
export type OrgPermission = 'read' | 'push' | 'manage' | 'own';

const GRANTS: Record<Role, readonly OrgPermission[]> = {
  viewer: ['read'],
  member: ['read', 'push'],
  admin: ['read', 'push', 'manage'],
  owner: ['read', 'push', 'manage', 'own'],
};

export function roleAllows(role: Role, permission: OrgPermission): boolean {
  return GRANTS[role].includes(permission);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Organization and user names: lower-case, like the org part of a package name. */
export const ORG_NAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';
export const USER_NAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';
