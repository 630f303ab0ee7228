/**
 * Access tokens: short-lived ES256 JWTs. Verification pins the algorithm, issuer and audience,
 * and the tenant is read from the token only.
 */

import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, errors, jwtVerify, SignJWT } from 'jose';
import { isRole, type Role } from './roles.ts';
import { ALGORITHM, type SigningKeys } from './signing-keys.ts';

export const ACCESS_TOKEN_TTL_SECONDS = 900;

/** The tenant id that operators' tokens carry: not a ULID, so no tenant can have it. */
export const PLATFORM_TENANT = 'platform';

export type PrincipalKind = 'client' | 'user' | 'operator';

export interface Principal {
  /** The tenant the caller acts in; PLATFORM_TENANT for operators. */
  tenantId: string;
  role: Role;
  /** The API client id, the operator id, or the staff user's subject at their identity provider. */
  subject: string;
  kind: PrincipalKind;
  /** For partners: the one organisation they act for. */
  organisationId?: string | undefined;
}

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds?: number;
}

export class TokenError extends Error {
  override name = 'TokenError';
}

export class TokenService {
  private readonly jwks: ReturnType<typeof createLocalJWKSet>;

  constructor(
    private readonly keys: SigningKeys,
    private readonly settings: TokenSettings,
  ) {
    this.jwks = createLocalJWKSet({ keys: keys.publicJwks });
  }

  get ttlSeconds(): number {
    return this.settings.ttlSeconds ?? ACCESS_TOKEN_TTL_SECONDS;
  }

  /** Tokens are issued to API clients and operators; staff users bring their own provider's tokens. */
  async issue(principal: Omit<Principal, 'kind'>, now = Date.now()): Promise<string> {
    const iat = Math.floor(now / 1000);
    const claims: Record<string, unknown> = { tid: principal.tenantId, role: principal.role };
    if (principal.organisationId) claims.org = principal.organisationId;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, kid: this.keys.signer.kid, typ: 'at+jwt' })
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setSubject(principal.subject)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .sign(this.keys.signer.key);
  }

  async verify(token: string, now = new Date()): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.jwks, {
        currentDate: now,
        // Bounds the lifetime by `iat` as well as `exp`: a token minted for the future, or for longer
        // than we issue, is refused whatever its `exp` says.
        maxTokenAge: this.ttlSeconds,
        algorithms: [ALGORITHM],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        requiredClaims: ['exp', 'iat', 'sub', 'tid', 'role'],
        clockTolerance: 5,
      });
      const { tid, role, org, sub } = payload;
      if (typeof tid !== 'string' || !isRole(role) || typeof sub !== 'string') {
        throw new TokenError('the token lacks a tenant, role or subject');
      }
      if (org !== undefined && typeof org !== 'string') throw new TokenError('bad organisation claim');
      // An operator token names no tenant, and no tenant token carries the operator role.
      const operator = role === 'platform_admin';
      if (operator !== (tid === PLATFORM_TENANT)) throw new TokenError('the token mixes tenant and platform');
      return {
        tenantId: tid,
        role,
        subject: sub,
        kind: operator ? 'operator' : 'client',
        organisationId: org,
      };
    } catch (error) {
      if (error instanceof TokenError) throw error;
      if (error instanceof errors.JWTExpired) throw new TokenError('the token has expired', { cause: error });
      if (error instanceof errors.JOSEError) throw new TokenError('the token is not valid', { cause: error });
      throw error;
    }
  }
}

/** The issuer a token claims, read without verifying anything: only to choose the verifier. */
export function claimedIssuer(token: string): string | undefined {
  try {
    const { iss } = decodeJwt(token);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}
