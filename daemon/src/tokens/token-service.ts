import { mintRegistryToken } from '@mcphub/registry';
import type { HubDb } from '../db/database.js';
import { HubError } from '../errors.js';
import { hashToken, loadOrCreateAdminToken, type SigningKey, sameHash } from '../keys/signing-key.js';

export const TOKEN_ISSUER = 'mcphub';
export const ISSUABLE_SCOPES = ['registry:read', 'registry:publish', 'registry:admin'] as const;
const RESOURCE_PATTERN = /^(\*|[a-z0-9][a-z0-9._-]{0,63}\/(\*|[a-z0-9][a-z0-9._-]{0,63}))$/;

export interface Principal {
  id: string;
  name: string;
  scopes: string[];
  resources: string[];
  /** The user the token acts for; null for a token that predates users. */
  userId: string | null;
}

/**
 * Makes sure the admin token in `$MCPHUB_HOME/keys/admin-token` exists and that its hash is the
 * one the database accepts. Deleting the file and restarting rotates it.
 */
export async function ensureAdminToken(db: HubDb, home: string): Promise<{ file: string; created: boolean }> {
  const { secret, file, created } = loadOrCreateAdminToken(home);
  const now = new Date().toISOString();
  const row = {
    id: 'admin',
    name: 'admin',
    token_hash: hashToken(secret),
    scope: 'hub:* registry:admin',
    resource: '*',
    created_at: now,
    expires_at: null,
    revoked_at: null,
  };
  await db
    .insertInto('api_tokens')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet({ token_hash: row.token_hash }))
    .execute();
  return { file, created };
}

/** Resolves `Authorization: Bearer <secret>` to the token's principal; null when absent or unknown. */
export async function authenticate(db: HubDb, authorization: string | undefined): Promise<Principal | null> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return null;
  const hash = hashToken(match[1]!);
  const row = await db
    .selectFrom('api_tokens')
    .leftJoin('users', 'users.id', 'api_tokens.user_id')
    .selectAll('api_tokens')
    .select('users.disabled_at as user_disabled_at')
    .where('token_hash', '=', hash)
    .executeTakeFirst();
  if (!row || row.revoked_at || !sameHash(row.token_hash, hash)) return null;
  if (row.expires_at && Date.parse(row.expires_at) <= Date.now()) return null;
  // A disabled user's tokens stop working at once, without revoking each one.
  if (row.user_disabled_at) return null;
  return {
    id: row.id,
    name: row.name,
    scopes: row.scope.split(' '),
    resources: row.resource.split(' '),
    userId: row.user_id,
  };
}

export function hasScope(p: Principal, scope: string): boolean {
  const [area] = scope.split(':');
  return p.scopes.includes(scope) || p.scopes.includes(`${area}:*`) || p.scopes.includes('*');
}

export interface TokenRequest {
  sub: string;
  scope: string[];
  resource: string[];
  ttlSeconds: number;
}

/** Validates a token request (scopes, resource patterns, lifetime) and mints an EdDSA JWT for the registry. */
export async function issueRegistryToken(
  key: SigningKey,
  req: TokenRequest,
  maxTtlSeconds: number,
): Promise<{ token: string; expiresAt: string }> {
  const badScope = req.scope.find((s) => !(ISSUABLE_SCOPES as readonly string[]).includes(s));
  if (req.scope.length === 0 || badScope) {
    throw new HubError(
      'HUB_ERR_VALIDATION',
      `Unknown scope ${badScope ?? '(none)'}; use ${ISSUABLE_SCOPES.join(', ')}`,
    );
  }
  const badResource = req.resource.find((r) => !RESOURCE_PATTERN.test(r));
  if (req.resource.length === 0 || badResource !== undefined) {
    throw new HubError(
      'HUB_ERR_VALIDATION',
      `Invalid resource pattern ${JSON.stringify(badResource ?? '')}; use "*", "org/*" or "org/name"`,
    );
  }
  if (!Number.isInteger(req.ttlSeconds) || req.ttlSeconds < 1 || req.ttlSeconds > maxTtlSeconds) {
    throw new HubError('HUB_ERR_TOKEN_TTL', `Token lifetime must be between 1 and ${maxTtlSeconds} seconds`);
  }
  const token = await mintRegistryToken(key.privateKey, {
    sub: req.sub,
    scope: req.scope,
    resource: req.resource,
    ttlSeconds: req.ttlSeconds,
    issuer: TOKEN_ISSUER,
    kid: key.kid,
  });
  return { token, expiresAt: new Date(Date.now() + req.ttlSeconds * 1000).toISOString() };
}

/** Parses `30s`, `15m`, `1h`, `7d` or a bare number of seconds. */
export function parseTtl(text: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!m) throw new HubError('HUB_ERR_TOKEN_TTL', `Cannot read lifetime "${text}"; use e.g. 15m, 1h, 7d`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
