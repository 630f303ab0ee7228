/** Everything a running API needs, built once per process (per Lambda cold start). */
import { loadSigningKeys, type PrivateJwkSet, type SigningKeys, TokenService } from '@polku/auth';
import type { Db } from '@polku/storage';

export interface PlatformSecrets {
  /** ES256 private JWKs; the first signs, all verify. */
  signingKeys: PrivateJwkSet;
  /** base64 HMAC key for signed list cursors. */
  cursorKey: string;
  /** base64 HMAC key for identity-code hashes. */
  identityCodeKey: string;
}

export interface AppConfig {
  db: Db;
  tokens: TokenService;
  publicJwks: SigningKeys['publicJwks'];
  cursorKey: Buffer;
  identityCodeKey: Buffer;
  region: string;
  /** Largest accepted request body in bytes. */
  maxBodyBytes: number;
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
  now?: () => Date;
  log?: (entry: Record<string, unknown>) => void;
}

export function jsonLogger(
  level = process.env.POLKU_LOG_LEVEL ?? 'info',
): (entry: Record<string, unknown>) => void {
  if (level === 'silent') return () => {};
  return (entry) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}

export async function createConfig(input: ConfigInput): Promise<AppConfig> {
  const keys = await loadSigningKeys(input.secrets.signingKeys);
  return {
    db: input.db,
    tokens: new TokenService(keys, {
      issuer: input.issuer,
      audience: input.audience ?? 'polku-api',
      ...(input.tokenTtlSeconds ? { ttlSeconds: input.tokenTtlSeconds } : {}),
    }),
    publicJwks: keys.publicJwks,
    cursorKey: Buffer.from(input.secrets.cursorKey, 'base64'),
    identityCodeKey: Buffer.from(input.secrets.identityCodeKey, 'base64'),
    region: input.region ?? process.env.AWS_REGION ?? 'local',
    maxBodyBytes: input.maxBodyBytes ?? 64 * 1024,
    now: input.now ?? (() => new Date()),
    log: input.log ?? jsonLogger(),
  };
}
