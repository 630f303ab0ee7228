/** Everything a running API needs, built once per process (per Lambda cold start). */
import { loadSigningKeys, type PrivateJwkSet, type SigningKeys, TokenService } from '@polku/auth';
import type { Db, RateLimit } from '@polku/storage';
import type { Context } from 'hono';

/** An operator's credentials: the secret itself is never stored, only its scrypt hash. */
export interface OperatorCredential {
  id: string;
  secretHash: string;
}

export interface PlatformSecrets {
  /** ES256 private JWKs; the first signs, all verify. */
  signingKeys: PrivateJwkSet;
  /** base64 HMAC key for signed list cursors. */
  cursorKey: string;
  /** base64 HMAC key for identity-code hashes. */
  identityCodeKey: string;
  /** Operators who may sign in as platform_admin (client ids `operator.<name>`). */
  operators?: OperatorCredential[];
}

export interface SignupLimits {
  perAddress: RateLimit;
  perBusinessId: RateLimit;
}

export interface StaffSignOnSettings {
  /** Allow http:// JWKS URIs on loopback hosts (local runs and tests only). */
  allowLoopbackHttp: boolean;
  /** jose's cooldown between JWKS refetches on an unknown kid. */
  jwksCooldownMs: number;
}

export interface AppConfig {
  db: Db;
  tokens: TokenService;
  /** The `iss` of the platform's own tokens. */
  issuer: string;
  publicJwks: SigningKeys['publicJwks'];
  cursorKey: Buffer;
  identityCodeKey: Buffer;
  operators: ReadonlyMap<string, string>;
  region: string;
  /** Largest accepted request body in bytes. */
  maxBodyBytes: number;
  /** How long a tenant's or client's status is trusted before it is read again. */
  statusCacheSeconds: number;
  signupLimits: SignupLimits;
  staffSignOn: StaffSignOnSettings;
  /** The caller's network address, from the runtime (API Gateway's source IP, the socket locally). */
  sourceAddress: (c: Context) => string | undefined;
  /** The clock, injectable for tests. */
  now: () => Date;
  log: (entry: Record<string, unknown>) => void;
}

export interface ConfigInput {
  db: Db;
  secrets: PlatformSecrets;
  issuer: string;
  audience?: string;
  region?: string;
  maxBodyBytes?: number;
  tokenTtlSeconds?: number;
  statusCacheSeconds?: number;
  signupLimits?: SignupLimits;
  staffSignOn?: Partial<StaffSignOnSettings>;
  sourceAddress?: (c: Context) => string | undefined;
  now?: () => Date;
  log?: (entry: Record<string, unknown>) => void;
}

export const DEFAULT_SIGNUP_LIMITS: SignupLimits = {
  perAddress: { scope: 'signup-address', limit: 5, windowSeconds: 3600 },
  perBusinessId: { scope: 'signup-business-id', limit: 3, windowSeconds: 24 * 3600 },
};

export function jsonLogger(
  level = process.env.POLKU_LOG_LEVEL ?? 'info',
): (entry: Record<string, unknown>) => void {
  if (level === 'silent') return () => {};
  return (entry) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}

export async function createConfig(input: ConfigInput): Promise<AppConfig> {
  const keys = await loadSigningKeys(input.secrets.signingKeys);
  const now = input.now ?? (() => new Date());
  return {
    db: input.db,
    tokens: new TokenService(keys, {
      issuer: input.issuer,
      audience: input.audience ?? 'polku-api',
      ...(input.tokenTtlSeconds ? { ttlSeconds: input.tokenTtlSeconds } : {}),
    }),
    issuer: input.issuer,
    publicJwks: keys.publicJwks,
    cursorKey: Buffer.from(input.secrets.cursorKey, 'base64'),
    identityCodeKey: Buffer.from(input.secrets.identityCodeKey, 'base64'),
    operators: new Map((input.secrets.operators ?? []).map((operator) => [operator.id, operator.secretHash])),
    region: input.region ?? process.env.AWS_REGION ?? 'local',
    maxBodyBytes: input.maxBodyBytes ?? 64 * 1024,
    statusCacheSeconds: input.statusCacheSeconds ?? 30,
    signupLimits: input.signupLimits ?? DEFAULT_SIGNUP_LIMITS,
    staffSignOn: { allowLoopbackHttp: false, jwksCooldownMs: 30_000, ...input.staffSignOn },
    sourceAddress: input.sourceAddress ?? (() => undefined),
    now,
    log: input.log ?? jsonLogger(),
  };
}
