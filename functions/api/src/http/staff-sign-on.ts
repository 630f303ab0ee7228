/**
 * Staff single sign-on: a token whose issuer a tenant registered is verified against that
 * provider's JWKS and becomes a user of that tenant, with the role its claims map to. The tenant
 * comes from the registration only, never from a claim. Registrations, and issuers nobody
 * registered, are cached per process for at most 30 s, so a deleted provider stops within that.
 */
import {
  KeySetUnavailableError,
  mappedRole,
  outboundUrlProblem,
  type Principal,
  StaffTokenVerifier,
  TokenError,
} from '@polku/auth';
import { ForbiddenError, UnauthorizedError } from '@polku/domain';
import { findIssuerRegistration, type IssuerRegistration } from '@polku/storage';
import type { AppConfig } from '../config.ts';
import type { AppContext } from './env.ts';
import { ExpiringCache } from './expiring-cache.ts';

const MAX_CACHE_SECONDS = 30;
const MAX_URL_LENGTH = 1000;

function urlOf(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * Why a provider's issuer or JWKS URI is not acceptable, or undefined when it is: a URL Polku may
 * connect to by the outbound rule (https, on a public address; http on loopback where the deployment
 * allows it, for local runs and tests), at most 1000 characters (the issuer is a key).
 */
export function providerUrlProblem(value: string, allowLoopbackHttp: boolean): string | undefined {
  if (value.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  return outboundUrlProblem(value, allowLoopbackHttp);
}

/** One per app (per config): its registration cache and its JWKS resolvers. */
class StaffSignOn {
  private readonly registrations: ExpiringCache<IssuerRegistration | undefined>;
  readonly verifier: StaffTokenVerifier;

  constructor(private readonly config: AppConfig) {
    const seconds = Math.min(config.statusCacheSeconds, MAX_CACHE_SECONDS);
    this.registrations = new ExpiringCache(seconds * 1000, () => config.now().getTime());
    this.verifier = new StaffTokenVerifier({
      jwksCooldownMs: config.staffSignOn.jwksCooldownMs,
      allowLoopback: config.staffSignOn.allowLoopbackHttp,
    });
  }

  registrationOf(issuer: string): Promise<IssuerRegistration | undefined> {
    return this.registrations.get(issuer, () => findIssuerRegistration(this.config.db, issuer));
  }
}

const perConfig = new WeakMap<AppConfig, StaffSignOn>();

function staffSignOnOf(config: AppConfig): StaffSignOn {
  let found = perConfig.get(config);
  if (!found) {
    found = new StaffSignOn(config);
    perConfig.set(config, found);
  }
  return found;
}

/** The principal of a token from a tenant's identity provider: 401 when not valid, 403 without a role. */
export async function verifyStaffToken(c: AppContext, token: string, issuer: string): Promise<Principal> {
  const { config } = c.var;
  // Only what could have been registered is looked up: garbage issuers cost no read.
  if (providerUrlProblem(issuer, config.staffSignOn.allowLoopbackHttp)) {
    throw new UnauthorizedError('the token is not valid');
  }
  const signOn = staffSignOnOf(config);
  const registration = await signOn.registrationOf(issuer);
  // The same answer as for a bad signature: callers learn nothing of who is registered.
  if (!registration) throw new UnauthorizedError('the token is not valid');
  const { tenantId, provider } = registration;
  let claims: Awaited<ReturnType<StaffTokenVerifier['verify']>>;
  try {
    claims = await signOn.verifier.verify(token, provider, config.now());
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    if (error instanceof KeySetUnavailableError) {
      // Only the operators' log says the keys could not be fetched: the caller gets the usual 401.
      logKeySetFailure(c, tenantId, provider.jwksUri, error);
      throw new UnauthorizedError('the token is not valid');
    }
    throw new UnauthorizedError(error.message);
  }
  const mapping = mappedRole(claims, provider.roleClaim, provider.roleMappings);
  if (!mapping) throw new ForbiddenError('your identity provider grants no Polku role');
  return {
    tenantId,
    role: mapping.role,
    subject: claims.sub,
    kind: 'user',
    organisationId: mapping.organisationId,
  };
}

/** Operators need to see a provider's JWKS failing; the token itself is never logged. */
function logKeySetFailure(c: AppContext, tenantId: string, jwksUri: string, error: Error): void {
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const code = (cause?.cause as { code?: unknown } | undefined)?.code;
  c.var.config.log({
    level: 'warn',
    msg: 'identity provider keys unavailable',
    requestId: c.var.requestId,
    tenantId,
    jwksHost: urlOf(jwksUri)?.host,
    error: cause?.name,
    detail: cause?.message,
    ...(typeof code === 'string' ? { code } : {}),
  });
}
