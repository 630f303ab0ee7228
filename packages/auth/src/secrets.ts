/**
 * Client secrets: random, shown once, stored only as a salted scrypt hash.
 * The cost is part of the stored string so it can be raised without invalidating old hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt's cost parameters: CPU and memory (N, r) and parallelism (p). */
export interface SecretCost {
  N: number;
  r: number;
  p: number;
}

const COST: SecretCost = { N: 2 ** 14, r: 8, p: 1 };
const KEY_LENGTH = 32;

function derive(secret: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, { N, r, p, maxmem: 128 * N * r * 2 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Hashes at Polku's cost unless told otherwise: only tests hash at a lower one, for secrets that
 * guard nothing (verifying reads the cost from the stored hash, so the same code checks either).
 */
export async function hashSecret(secret: string, cost: SecretCost = COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, cost.N, cost.r, cost.p);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, expected] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !expected) return false;
  // A stored hash with unusable cost parameters matches nothing; it must not become a 500.
  const key = await derive(secret, Buffer.from(salt, 'base64url'), Number(N), Number(r), Number(p)).catch(
    () => undefined,
  );
  if (!key) return false;
  const want = Buffer.from(expected, 'base64url');
  return key.length === want.length && timingSafeEqual(key, want);
}

/** A hash of nothing, to spend the same time where a client has no (second) secret. */
let decoy: Promise<string> | undefined;

/** At most this many secrets open a client: its current one and, during a grace period, the one before. */
export const SECRET_SLOTS = 2;

/**
 * Whether the secret matches any of the hashes, always at the cost of SECRET_SLOTS verifications
 * and without stopping at a match: an unknown client, a revoked one (no hash), one with a rotated
 * secret and one without all take the same time.
 */
export async function verifySecretAmong(
  secret: string,
  hashes: readonly (string | undefined)[],
  verify: (secret: string, hash: string) => Promise<boolean> = verifySecret,
): Promise<boolean> {
  decoy ??= hashSecret(generateSecret());
  const stand = await decoy;
  let matched = false;
  for (let slot = 0; slot < SECRET_SLOTS; slot++) {
    const hash = hashes[slot];
    const real = typeof hash === 'string' && hash.startsWith('scrypt$');
    const ok = await verify(secret, real ? hash : stand);
    matched = (real && ok) || matched;
  }
  return matched;
}
