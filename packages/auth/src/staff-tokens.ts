/**
 * Staff tokens from a tenant's own OIDC provider, verified against the keys it publishes: fetched
 * on first use, and again when a token names a key not seen yet (at most once per cooldown).
 * Asymmetric algorithms only. Which tenant a token opens is the caller's decision, never the token's.
 */
import { createRemoteJWKSet, customFetch, errors, type JWTPayload, jwtVerify } from 'jose';
import { keySetFetch } from './key-set-fetch.ts';
import type { Role } from './roles.ts';
import { TokenError } from './tokens.ts';

/** Never HS* (a shared secret the provider does not publish) and never `none`. */
export const STAFF_TOKEN_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];

/** What a tenant registered about its provider's tokens. */
export interface StaffTokenSource {
  issuer: string;
  jwksUri: string;
  audience: string;
}

export interface StaffTokenSettings {
  /** Least time between two fetches of one JWKS prompted by unknown key ids, or after a failure. */
  jwksCooldownMs: number;
  /** Whether a JWKS may be fetched from a loopback address (local runs and tests only). */
  allowLoopback: boolean;
}

export type StaffClaims = JWTPayload & { sub: string };

/** The provider's keys could not be fetched or read: the network, a timeout, not 200, not a JWKS. */
export class KeySetUnavailableError extends TokenError {
  override name = 'KeySetUnavailableError';
}

const JWKS_TIMEOUT_MS = 3000;
/** Keys are fetched again after this even when every token's kid is known: a removed key's limit. */
const JWKS_MAX_AGE_MS = 10 * 60_000;
const MAX_KEY_SETS = 1000;
const CLOCK_TOLERANCE_SECONDS = 10;
/** Providers' access tokens live an hour or so (Entra ID 60–90 min): none is accepted past two hours. */
const MAX_TOKEN_AGE = '2h';
/** The subject becomes part of keys and audit records. */
const MAX_SUBJECT_LENGTH = 255;

function tokenErrorOf(error: unknown): TokenError {
  if (error instanceof errors.JWTExpired) return new TokenError('the token has expired', { cause: error });
  const keySetFailed =
    !(error instanceof errors.JOSEError) ||
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    error.code === errors.JOSEError.code;
  if (keySetFailed) {
    return new KeySetUnavailableError("the identity provider's keys could not be fetched", { cause: error });
  }
  return new TokenError('the token is not valid', { cause: error });
}

export class StaffTokenVerifier {
  private readonly keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  private readonly fetch: ReturnType<typeof keySetFetch>;

  constructor(private readonly settings: StaffTokenSettings) {
    this.fetch = keySetFetch({
      allowLoopback: settings.allowLoopback,
      failureCooldownMs: settings.jwksCooldownMs,
    });
  }

  /** The token's verified claims; TokenError (or KeySetUnavailableError) when it is not valid. */
  async verify(token: string, source: StaffTokenSource, now: Date): Promise<StaffClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keySetAt(source.jwksUri), {
        algorithms: STAFF_TOKEN_ALGORITHMS,
        issuer: source.issuer,
        audience: source.audience,
        requiredClaims: ['exp', 'iat', 'sub'],
        maxTokenAge: MAX_TOKEN_AGE,
        currentDate: now,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      throw tokenErrorOf(error);
    }
    const { sub } = payload;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) {
      throw new TokenError('the token has no usable subject');
    }
    return { ...payload, sub };
  }

  /** One resolver per JWKS URI: it keeps the keys between requests (providers may share a JWKS). */
  private keySetAt(jwksUri: string) {
    let keySet = this.keySets.get(jwksUri);
    if (!keySet) {
      if (this.keySets.size >= MAX_KEY_SETS) this.keySets.clear();
      keySet = createRemoteJWKSet(new URL(jwksUri), {
        cooldownDuration: this.settings.jwksCooldownMs,
        cacheMaxAge: JWKS_MAX_AGE_MS,
        timeoutDuration: JWKS_TIMEOUT_MS,
        [customFetch]: this.fetch,
      });
      this.keySets.set(jwksUri, keySet);
    }
    return keySet;
  }
}

export interface RoleMapping {
  value: string;
  role: Exclude<Role, 'platform_admin'>;
  organisationId?: string | undefined;
}

/** The values of a claim named by a dotted path (`realm_access.roles`): a string or strings. */
export function claimValues(claims: JWTPayload, path: string): string[] {
  let value: unknown = claims;
  for (const name of path.split('.')) {
    // Own properties only: a path like `constructor` must not reach into the prototype.
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, name)) return [];
    value = (value as Record<string, unknown>)[name];
  }
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

/** The first mapping whose value the role claim holds. */
export function mappedRole<M extends RoleMapping>(
  claims: JWTPayload,
  roleClaim: string,
  mappings: readonly M[],
): M | undefined {
  const held = new Set(claimValues(claims, roleClaim));
  return mappings.find((mapping) => held.has(mapping.value));
}
