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

/**
 * Rotation in three steps, each written to the platform secret and given time to reach every
 * instance before the next: `prepare` adds a new key that only verifies; `promote` makes it the
 * signer (the old one still verifies); `retire` drops every key but the signer once the old
 * key's last tokens have expired.
 */
export const rotation = {
  async prepare(set: PrivateJwkSet): Promise<PrivateJwkSet> {
    if (set.keys.length > 1) throw new Error('a rotation is already under way: promote or retire first');
    return { keys: [...set.keys, await generatePrivateJwk()] };
  },
  promote(set: PrivateJwkSet): PrivateJwkSet {
    if (set.keys.length < 2) throw new Error('no prepared key to promote: prepare first');
    const prepared = set.keys[set.keys.length - 1]!;
    return { keys: [prepared, ...set.keys.slice(0, -1)] };
  },
  retire(set: PrivateJwkSet): PrivateJwkSet {
    if (set.keys.length < 2) throw new Error('nothing to retire: the set has one key');
    return { keys: [set.keys[0]!] };
  },
};
