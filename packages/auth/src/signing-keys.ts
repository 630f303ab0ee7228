/**
 * The platform's ES256 signing keys. The first key signs; every key verifies, so a rotated-out
 * key keeps verifying until its tokens expire. Stored as a JWK set with private parts.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

export const ALGORITHM = 'ES256';

type PrivateKey = Awaited<ReturnType<typeof importJWK>>;

export interface SigningKeys {
  signer: { kid: string; key: PrivateKey };
  /** Public JWKs of every key that verifies, with kid, alg and use. */
  publicJwks: JWK[];
}

export interface PrivateJwkSet {
  keys: JWK[];
}

export async function generatePrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg: ALGORITHM, use: 'sig' };
}

function publicPart(jwk: JWK): JWK {
  const { d: _d, ...rest } = jwk;
  return { kty: rest.kty, crv: rest.crv, x: rest.x, y: rest.y, kid: rest.kid, alg: ALGORITHM, use: 'sig' };
}

export async function loadSigningKeys(set: PrivateJwkSet): Promise<SigningKeys> {
  const [first] = set.keys;
  if (!first?.kid || !first.d) throw new Error('the signing key set needs a private key with a kid first');
  const key = await importJWK(first, ALGORITHM);
  return { signer: { kid: first.kid, key }, publicJwks: set.keys.map(publicPart) };
}
