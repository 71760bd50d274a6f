import {
  type CryptoKey,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
  type KeyObject,
  SignJWT,
} from 'jose';
import { RegistryError } from './errors.js';
import { formatPackageName, type PackageName } from './names.js';

export const REGISTRY_SCOPES = ['registry:read', 'registry:publish', 'registry:admin'] as const;
export type RegistryScope = (typeof REGISTRY_SCOPES)[number];
export type RegistryAction = 'read' | 'publish' | 'admin';

/** A key jose accepts for Ed25519: a WebCrypto CryptoKey or a Node KeyObject. */
export type RegistryKey = CryptoKey | KeyObject;

export interface MintRegistryTokenOptions {
  sub: string;
  scope: string[];
  resource: string[];
  ttlSeconds: number;
  issuer: string;
  kid?: string;
  audience?: string;
}

export interface VerifyRegistryTokenOptions {
  getKey: JWTVerifyGetKey | RegistryKey;
  issuer: string;
  audience?: string;
  /** Tokens valid for longer than this are refused (default 1 hour). */
  maxTtlSeconds?: number;
  clockToleranceSeconds?: number;
}

/** What a verified token grants. */
export interface RegistryPrincipal {
  sub: string;
  scopes: ReadonlySet<string>;
  resources: readonly string[];
}

export const DEFAULT_MAX_TOKEN_TTL_SECONDS = 3600;
const RESOURCE_PATTERN = /^(\*|[a-z0-9][a-z0-9._-]*\/\*|[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*)$/;

export async function mintRegistryToken(
  privateKey: RegistryKey,
  options: MintRegistryTokenOptions,
): Promise<string> {
  if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds <= 0) {
    throw new RangeError('ttlSeconds must be a positive integer');
  }
  const jwt = new SignJWT({ scope: options.scope.join(' '), resource: options.resource })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', ...(options.kid ? { kid: options.kid } : {}) })
    .setSubject(options.sub)
    .setIssuer(options.issuer)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds}s`);
  if (options.audience) jwt.setAudience(options.audience);
  return jwt.sign(privateKey);
}

/**
 * Verifies a registry JWT: EdDSA only (so `alg: none`, HMAC and RSA tokens never verify), the
 * issuer, a required `exp` no further away than `maxTtlSeconds`, and well-formed claims.
 */
export async function verifyRegistryToken(
  token: string,
  options: VerifyRegistryTokenOptions,
): Promise<RegistryPrincipal> {
  const payload = await verifySignature(token, options);
  return principalFromClaims(payload, options.maxTtlSeconds ?? DEFAULT_MAX_TOKEN_TTL_SECONDS);
}

async function verifySignature(token: string, options: VerifyRegistryTokenOptions): Promise<JWTPayload> {
  const verifyOptions = {
    algorithms: ['EdDSA'],
    issuer: options.issuer,
    requiredClaims: ['exp', 'iat', 'sub'],
    clockTolerance: options.clockToleranceSeconds ?? 30,
    ...(options.audience ? { audience: options.audience } : {}),
  };
  try {
    const { payload } =
      typeof options.getKey === 'function'
        ? await jwtVerify(token, options.getKey, verifyOptions)
        : await jwtVerify(token, options.getKey, verifyOptions);
    return payload;
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) {
      throw new RegistryError('REG_ERR_TOKEN_EXPIRED', undefined, { cause: error });
    }
    // A key resolver that cannot reach its JWKS is our failure, not a bad token.
    if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
      throw new RegistryError('REG_ERR_INTERNAL', 'Token verification failed', { cause: error });
    }
    throw new RegistryError('REG_ERR_TOKEN_INVALID', undefined, { cause: error });
  }
}

function principalFromClaims(payload: JWTPayload, maxTtlSeconds: number): RegistryPrincipal {
  const invalid = (why: string) =>
    new RegistryError('REG_ERR_TOKEN_INVALID', `The bearer token is invalid: ${why}`);
  const { sub, exp, iat, scope, resource } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255) throw invalid('bad sub');
  if (typeof exp !== 'number' || typeof iat !== 'number') throw invalid('exp and iat are required');
  const now = Math.floor(Date.now() / 1000);
  if (exp - iat > maxTtlSeconds || exp - now > maxTtlSeconds)
    throw invalid('lifetime exceeds the allowed maximum');
  if (iat > now + 60) throw invalid('issued in the future');
  if (typeof scope !== 'string' || scope.length > 1024)
    throw invalid('scope must be a space-separated string');
  if (!Array.isArray(resource) || resource.length > 256) throw invalid('resource must be an array');
  const resources = resource.filter((pattern): pattern is string => typeof pattern === 'string');
  if (resources.length !== resource.length || !resources.every((pattern) => RESOURCE_PATTERN.test(pattern))) {
    throw invalid('malformed resource pattern');
  }
  return { sub, scopes: new Set(scope.split(' ').filter(Boolean)), resources };
}

/** `*`, `org/*` or exact `org/name`. */
export function resourceMatches(pattern: string, pkg: PackageName): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('/*')) return pattern.slice(0, -2) === pkg.org;
  return pattern === formatPackageName(pkg);
}

const SCOPES_GRANTING: Record<RegistryAction, readonly string[]> = {
  read: ['registry:read', 'registry:admin'],
  publish: ['registry:publish', 'registry:admin'],
  admin: ['registry:admin'],
};

export function hasScopeFor(principal: RegistryPrincipal, action: RegistryAction): boolean {
  return SCOPES_GRANTING[action].some((scope) => principal.scopes.has(scope));
}

/** True when the principal may perform `action` on `pkg`. */
export function isAllowed(principal: RegistryPrincipal, action: RegistryAction, pkg: PackageName): boolean {
  return (
    hasScopeFor(principal, action) && principal.resources.some((pattern) => resourceMatches(pattern, pkg))
  );
}

export function assertAllowed(principal: RegistryPrincipal, action: RegistryAction, pkg: PackageName): void {
  if (!isAllowed(principal, action, pkg)) {
    throw new RegistryError(
      'REG_ERR_FORBIDDEN',
      `The token does not grant registry:${action} on ${formatPackageName(pkg)}`,
    );
  }
}

/** Extracts the token from `Authorization: Bearer <token>`; undefined when absent. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer ([A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]*\.[A-Za-z0-9_=-]*)$/.exec(header.trim());
  if (!match) throw new RegistryError('REG_ERR_TOKEN_INVALID', 'Authorization must be "Bearer <jwt>"');
  return match[1];
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
