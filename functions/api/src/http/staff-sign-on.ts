/**
 * Staff single sign-on: tokens from a tenant's registered OIDC provider, verified against its
 * remote JWKS. (Being built: until then no issuer but the platform's is accepted.)
 */
import type { Principal } from '@polku/auth';
import { UnauthorizedError } from '@polku/domain';
import type { AppContext } from './env.ts';

export async function verifyStaffToken(_c: AppContext, _token: string, _issuer: string): Promise<Principal> {
  throw new UnauthorizedError('the token is not valid');
}
