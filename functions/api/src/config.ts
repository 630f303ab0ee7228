/** Everything a running API needs, built once per process (per Lambda cold start). */
import { createHmac } from 'node:crypto';
import { loadSigningKeys, type PrivateJwkSet, type SigningKeys, TokenService } from '@polku/auth';
import { type Db, dataKeysOf, ERASURE_SETTLE_MS, localKeyWrapper, type RateLimit } from '@polku/storage';
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
  /**
   * base64 HMAC key from which every webhook endpoint's signing secret is derived. When absent it
   * is derived from cursorKey (domain-separated), so changing cursorKey would change every secret.
   */
  webhookKey?: string;
  /**
   * base64 AES key that wraps tenants' data keys where there is no KMS (`pnpm dev`, tests). In AWS it
   * is absent: KMS wraps them, and each Db is handed its keys (tenant-access.ts, the metrics Lambdas).
   */
  dataKeyWrappingKey?: string;
  /** Operators who may sign in as platform_admin (client ids `operator.<name>`). */
  operators?: OperatorCredential[];
}

export interface SignupLimits {
  perAddress: RateLimit;
  perBusinessId: RateLimit;
}

/** Failed token requests: past either limit the token endpoint answers 429 before checking a secret. */
export interface TokenLimits {
  perAddress: RateLimit;
  perClient: RateLimit;
}

export interface StaffSignOnSettings {
  /** Allow http:// JWKS URIs on loopback hosts (local runs and tests only). */
  allowLoopbackHttp: boolean;
  /** jose's cooldown between JWKS refetches on an unknown kid. */
  jwksCooldownMs: number;
}

export interface WebhookSettings {
  /** Derives each endpoint's signing secret: nothing secret is stored with the endpoint. */
  key: Buffer;
  /** Deliver to loopback addresses, and accept http:// URLs there (local runs and tests only). */
  allowLoopbackTargets: boolean;
  /**
   * When the 2nd, 3rd, … attempts are due, counted from the first attempt: one attempt more than
   * there are entries. Each is a durable retry item the sweeper picks up, not a wait in the dispatcher.
   */
  retryScheduleMs: readonly number[];
  /** One attempt's limit: connecting, sending and reading the response. */
  timeoutMs: number;
}

const MINUTE = 60_000;
/** 1 min, 5 min, 30 min, 2 h, 6 h and 24 h after the first attempt: a partner may be down for a day. */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS = [
  MINUTE,
  5 * MINUTE,
  30 * MINUTE,
  120 * MINUTE,
  360 * MINUTE,
  1440 * MINUTE,
] as const;

export interface AppConfig {
  /** The table as a request of the caller's tenant reaches it: scoped to the tenant in AWS. */
  db: Db;
  /** The table with the function's own access: the platform registry, signup, operators, tokens. */
  platformDb: Db;
  /** A tenant's scoped access (IAM session policy on `T#<tenant>` keys); absent locally. */
  tenantDb?: ((tenantId: string) => Db) | undefined;
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
  tokenLimits: TokenLimits;
  staffSignOn: StaffSignOnSettings;
  webhooks: WebhookSettings;
  /** The caller's network address, from the runtime (API Gateway's source IP, the socket locally). */
  sourceAddress: (c: Context) => string | undefined;
  /** The clock, injectable for tests. */
  now: () => Date;
  log: (entry: Record<string, unknown>) => void;
  /**
   * The CloudWatch namespace of request metrics: each request's log line then carries them in the
   * embedded metric format (count, server errors and latency by route and method). Set in Lambda.
   */
  metricsNamespace?: string | undefined;
  /**
   * Whether this app serves the OpenAPI document and the docs page. In AWS the docs function does,
   * and the API's bundle has no generator (an esbuild alias), so the API leaves both routes out.
   */
  serveDocs: boolean;
  /** How long an erasure's records step waits for the indexes before its second pass (ms). */
  erasureSettleMs: number;
}

export interface ConfigInput {
  db: Db;
  tenantDb?: ((tenantId: string) => Db) | undefined;
  secrets: PlatformSecrets;
  issuer: string;
  audience?: string;
  region?: string;
  maxBodyBytes?: number;
  tokenTtlSeconds?: number;
  statusCacheSeconds?: number;
  signupLimits?: SignupLimits;
  tokenLimits?: TokenLimits;
  staffSignOn?: Partial<StaffSignOnSettings>;
  webhooks?: Partial<Omit<WebhookSettings, 'key'>>;
  sourceAddress?: (c: Context) => string | undefined;
  now?: () => Date;
  log?: (entry: Record<string, unknown>) => void;
  metricsNamespace?: string | undefined;
  /** Default true; false in the API's Lambda, where the docs function serves them. */
  serveDocs?: boolean;
  /** Default ERASURE_SETTLE_MS; the tests, on DynamoDB Local's prompt indexes, wait less. */
  erasureSettleMs?: number;
}

export const DEFAULT_SIGNUP_LIMITS: SignupLimits = {
  perAddress: { scope: 'signup-address', limit: 5, windowSeconds: 3600 },
  perBusinessId: { scope: 'signup-business-id', limit: 3, windowSeconds: 24 * 3600 },
};

/**
 * Ten wrong secrets per client id and thirty per address in a quarter of an hour: a system with a
 * stale secret notices long before, and a guesser gets about one try a minute.
 */
export const DEFAULT_TOKEN_LIMITS: TokenLimits = {
  perAddress: { scope: 'token-failures-address', limit: 30, windowSeconds: 900 },
  perClient: { scope: 'token-failures-client', limit: 10, windowSeconds: 900 },
};

export function jsonLogger(
  level = process.env.POLKU_LOG_LEVEL ?? 'info',
): (entry: Record<string, unknown>) => void {
  if (level === 'silent') return () => {};
  return (entry) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}

/** The webhook settings of a deployment: the key from the platform secret, the rest defaulted. */
export function webhookSettingsOf(
  secrets: Pick<PlatformSecrets, 'cursorKey' | 'webhookKey'>,
  overrides: Partial<Omit<WebhookSettings, 'key'>> = {},
): WebhookSettings {
  const key = secrets.webhookKey
    ? Buffer.from(secrets.webhookKey, 'base64')
    : createHmac('sha256', Buffer.from(secrets.cursorKey, 'base64')).update('polku webhook key v1').digest();
  return {
    key,
    allowLoopbackTargets: false,
    retryScheduleMs: DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS,
    timeoutMs: 5_000,
    ...overrides,
  };
}

/**
 * The platform secret in a Lambda: inline in POLKU_SECRETS_JSON, or read from Secrets Manager through
 * the AWS Parameters and Secrets Lambda extension (a layer the stack adds), which keeps the Secrets
 * Manager SDK out of the bundle.
 */
export async function loadPlatformSecrets(env = process.env): Promise<PlatformSecrets> {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  if (env.POLKU_SECRETS_JSON) return JSON.parse(env.POLKU_SECRETS_JSON) as PlatformSecrets;
  const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773';
  const secretId = encodeURIComponent(required('POLKU_SECRETS_ARN'));
  const response = await fetch(`http://localhost:${port}/secretsmanager/get?secretId=${secretId}`, {
    headers: { 'X-Aws-Parameters-Secrets-Token': required('AWS_SESSION_TOKEN') },
  });
  if (!response.ok) throw new Error(`the platform secret could not be read: ${response.status}`);
  const { SecretString } = (await response.json()) as { SecretString?: string };
  try {
    return JSON.parse(SecretString ?? '') as PlatformSecrets;
  } catch {
    throw new Error('the platform secret is not JSON: write it as docs/operators.md describes');
  }
}

/**
 * The secrets' local wrapping key, if any, for the Dbs that bring no data keys of their own: one set
 * of keys (and one cache) for the process.
 */
function withLocalDataKeys(secrets: PlatformSecrets): (db: Db) => Db {
  if (!secrets.dataKeyWrappingKey) return (db) => db;
  const dataKeys = dataKeysOf(localKeyWrapper(Buffer.from(secrets.dataKeyWrappingKey, 'base64')));
  return (db) => (db.dataKeys ? db : { ...db, dataKeys });
}

export async function createConfig(input: ConfigInput): Promise<AppConfig> {
  const keys = await loadSigningKeys(input.secrets.signingKeys);
  const now = input.now ?? (() => new Date());
  const withDataKeys = withLocalDataKeys(input.secrets);
  const db = withDataKeys(input.db);
  const tenantDb = input.tenantDb;
  return {
    db,
    platformDb: db,
    tenantDb: tenantDb && ((tenantId) => withDataKeys(tenantDb(tenantId))),
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
    tokenLimits: input.tokenLimits ?? DEFAULT_TOKEN_LIMITS,
    staffSignOn: { allowLoopbackHttp: false, jwksCooldownMs: 30_000, ...input.staffSignOn },
    webhooks: webhookSettingsOf(input.secrets, input.webhooks),
    sourceAddress: input.sourceAddress ?? (() => undefined),
    now,
    log: input.log ?? jsonLogger(),
    metricsNamespace: input.metricsNamespace,
    serveDocs: input.serveDocs ?? true,
    erasureSettleMs: input.erasureSettleMs ?? ERASURE_SETTLE_MS,
  };
}
