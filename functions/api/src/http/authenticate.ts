/**
 * Bearer tokens on /v1: the platform's own (API clients and operators) or a tenant's staff
 * identity provider's, told apart by issuer. Either way the tenant comes from what we stored
 * (the client id, the issuer registration), never from a claim the caller could choose, and the
 * tenant must still be active. Permissions are checked per route against the one permission table.
 */
import {
  claimedIssuer,
  PERMISSIONS,
  type Permission,
  PLATFORM_TENANT,
  type Principal,
  roleMay,
  TokenError,
} from '@polku/auth';
import { ForbiddenError, UnauthorizedError } from '@polku/domain';
import type { MiddlewareHandler } from 'hono';
import type { AppContext, AppEnv } from './env.ts';
import { verifyStaffToken } from './staff-sign-on.ts';

async function principalOf(c: AppContext, token: string): Promise<Principal> {
  const { config } = c.var;
  const issuer = claimedIssuer(token);
  if (issuer === undefined) throw new UnauthorizedError('the token is not valid');
  if (issuer !== config.issuer) return verifyStaffToken(c, token, issuer);
  try {
    return await config.tokens.verify(token, config.now());
  } catch (error) {
    if (error instanceof TokenError) throw new UnauthorizedError(error.message);
    throw error;
  }
}

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('Authorization');
  const match = header ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header) : null;
  if (!match) throw new UnauthorizedError('Send a bearer token: Authorization: Bearer <access token>');
  const principal = await principalOf(c, match[1]!);
  await c.var.statuses.assertActive(principal);
  c.set('principal', principal);
  await next();
};

/**
 * From here on the request reaches the table as its tenant: with the tenant's scoped credentials
 * where the runtime has them (AWS), so a key of another tenant is refused by IAM as well.
 */
export const scopeToTenant: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { config, principal } = c.var;
  if (config.tenantDb && principal.tenantId !== PLATFORM_TENANT) {
    c.set('config', { ...config, db: config.tenantDb(principal.tenantId) });
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
