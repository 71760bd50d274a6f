import type { FastifyRequest } from 'fastify';
import {
  assertAllowed,
  bearerToken,
  hasScopeFor,
  isAllowed,
  isLoopbackAddress,
  type RegistryAction,
  type RegistryPrincipal,
  type VerifyRegistryTokenOptions,
  verifyRegistryToken,
} from './auth.js';
import { RegistryError } from './errors.js';
import type { PackageName } from './names.js';

export type ReadPolicy = 'open' | 'loopback' | 'token';

/** Who is reading: anyone (open policy) or the holder of a verified token. */
export type ReadAccess = { kind: 'open' } | { kind: 'token'; principal: RegistryPrincipal };

export interface RequestAccessOptions extends VerifyRegistryTokenOptions {
  reads: ReadPolicy;
}

/** Applies the auth model of DESIGN.md §5 to fastify requests. */
export class RequestAccess {
  constructor(private readonly options: RequestAccessOptions) {}

  /** The verified principal; `REG_ERR_TOKEN_MISSING` without a token. */
  async requirePrincipal(request: FastifyRequest): Promise<RegistryPrincipal> {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) throw new RegistryError('REG_ERR_TOKEN_MISSING');
    return verifyRegistryToken(token, this.options);
  }

  /** Verifies the token and that it grants `action` on something, before any body is read. */
  async requireScope(request: FastifyRequest, action: RegistryAction): Promise<RegistryPrincipal> {
    const principal = await this.requirePrincipal(request);
    if (!hasScopeFor(principal, action)) {
      throw new RegistryError('REG_ERR_FORBIDDEN', `The token lacks the registry:${action} scope`);
    }
    return principal;
  }

  async requireAction(
    request: FastifyRequest,
    action: RegistryAction,
    pkg: PackageName,
  ): Promise<RegistryPrincipal> {
    const principal = await this.requirePrincipal(request);
    assertAllowed(principal, action, pkg);
    return principal;
  }

  /**
   * Read access. The socket address is used, never X-Forwarded-For: behind a reverse proxy on
   * loopback every request would look local, so such deployments must use `reads: 'token'`.
   */
  async readAccess(request: FastifyRequest): Promise<ReadAccess> {
    const { reads } = this.options;
    if (reads === 'open' || (reads === 'loopback' && isLoopbackAddress(request.socket.remoteAddress))) {
      return { kind: 'open' };
    }
    const principal = await this.requireScope(request, 'read');
    return { kind: 'token', principal };
  }

  async requireRead(request: FastifyRequest, pkg: PackageName): Promise<void> {
    const access = await this.readAccess(request);
    if (!canRead(access, pkg)) {
      throw new RegistryError('REG_ERR_FORBIDDEN', 'The token does not grant registry:read on this package');
    }
  }
}

export function canRead(access: ReadAccess, pkg: PackageName): boolean {
  return access.kind === 'open' || isAllowed(access.principal, 'read', pkg);
}
