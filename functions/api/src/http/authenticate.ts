/**
 * Bearer tokens on /v1: verified (issuer, audience, expiry, ES256 only); the tenant comes from the
 * token and nowhere else. Permissions are checked per route against the one permission table.
 */
import { PERMISSIONS, type Permission, roleMay, TokenError } from '@polku/auth';
import { ForbiddenError, UnauthorizedError } from '@polku/domain';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.ts';

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('Authorization');
  const match = header ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header) : null;
  if (!match) throw new UnauthorizedError('Send a bearer token: Authorization: Bearer <access token>');
  try {
    c.set('principal', await c.var.config.tokens.verify(match[1]!));
  } catch (error) {
    if (error instanceof TokenError) throw new UnauthorizedError(error.message);
    throw error;
  }
  await next();
};

export function requires(permission: Permission): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!roleMay(c.var.principal.role, permission)) {
      throw new ForbiddenError(`role ${c.var.principal.role} may not ${permission.replace(':', ' ')}`);
    }
    await next();
  };
}

export function rolesFor(permission: Permission): readonly string[] {
  return PERMISSIONS[permission];
}
