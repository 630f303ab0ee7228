import { decodeProtectedHeader, type JWK, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { generatePrivateJwk, loadSigningKeys, rotation } from './signing-keys.ts';
import { ACCESS_TOKEN_TTL_SECONDS, type Principal, TokenError, TokenService } from './tokens.ts';

const SETTINGS = { issuer: 'https://auth.polku.test', audience: 'polku-api' };
const COACH: Principal = { tenantId: 'tenant-a', role: 'coach', subject: 'client-1', kind: 'client' };
const PARTNER: Principal = {
  tenantId: 'tenant-a',
  role: 'partner',
  subject: 'client-2',
  kind: 'client',
  organisationId: 'org-1',
};

const serviceFor = async (keys: JWK[], settings = SETTINGS) =>
  new TokenService(await loadSigningKeys({ keys }), settings);

const ourKey = await generatePrivateJwk();
const tokens = await serviceFor([ourKey]);

/** A token with our issuer, audience and a fresh lifetime, but claims and signature of the caller's choosing. */
const forged = (claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setIssuer(SETTINGS.issuer)
    .setAudience(SETTINGS.audience)
    .setSubject('client-1')
    .setIssuedAt()
    .setExpirationTime('5m');

describe('access tokens', () => {
  it('carry the principal they were issued to', async () => {
    expect(await tokens.verify(await tokens.issue(COACH))).toEqual(COACH);
    expect(await tokens.verify(await tokens.issue(PARTNER))).toEqual(PARTNER);
  });

  it('are refused once expired', async () => {
    const issuedAt = Date.now() - (ACCESS_TOKEN_TTL_SECONDS + 60) * 1000;
    const token = await tokens.issue(COACH, issuedAt);
    await expect(tokens.verify(token)).rejects.toThrow(new TokenError('the token has expired'));
  });

  it('are refused when signed by another key, whatever kid it claims', async () => {
    const stranger = await generatePrivateJwk();
    const impostor = await serviceFor([stranger]);
    const sameKid = await serviceFor([{ ...stranger, kid: ourKey.kid }]);
    await expect(tokens.verify(await impostor.issue(COACH))).rejects.toThrow(TokenError);
    await expect(tokens.verify(await sameKid.issue(COACH))).rejects.toThrow(TokenError);
  });

  it('are refused for another issuer or another audience', async () => {
    const otherIssuer = await serviceFor([ourKey], { ...SETTINGS, issuer: 'https://evil.test' });
    const otherAudience = await serviceFor([ourKey], { ...SETTINGS, audience: 'another-api' });
    await expect(tokens.verify(await otherIssuer.issue(COACH))).rejects.toThrow(TokenError);
    await expect(tokens.verify(await otherAudience.issue(COACH))).rejects.toThrow(TokenError);
  });

  it('are refused when unsigned (alg none)', async () => {
    const token = new UnsecuredJWT({ tid: 'tenant-a', role: 'tenant_admin' })
      .setIssuer(SETTINGS.issuer)
      .setAudience(SETTINGS.audience)
      .setSubject('client-1')
      .setIssuedAt()
      .setExpirationTime('5m')
      .encode();
    await expect(tokens.verify(token)).rejects.toThrow(TokenError);
  });

  it('are refused when HMAC-signed with the public key as the secret', async () => {
    const [publicJwk] = (await loadSigningKeys({ keys: [ourKey] })).publicJwks;
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const token = await forged({ tid: 'tenant-a', role: 'tenant_admin' })
      .setProtectedHeader({ alg: 'HS256', kid: ourKey.kid! })
      .sign(secret);
    await expect(tokens.verify(token)).rejects.toThrow(TokenError);
  });

  it('are refused when a claim was changed after signing', async () => {
    const [header, payload, signature] = (await tokens.issue(COACH)).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const elevated = Buffer.from(JSON.stringify({ ...claims, tid: 'tenant-b' })).toString('base64url');
    await expect(tokens.verify(`${header}.${elevated}.${signature}`)).rejects.toThrow(TokenError);
  });

  it('are refused without a tenant or with an unknown role, even when properly signed', async () => {
    const { signer } = await loadSigningKeys({ keys: [ourKey] });
    const sign = (claims: Record<string, unknown>) =>
      forged(claims).setProtectedHeader({ alg: 'ES256', kid: signer.kid }).sign(signer.key);
    await expect(tokens.verify(await sign({ tid: 'tenant-a', role: 'coach' }))).resolves.toMatchObject({
      role: 'coach',
    });
    await expect(tokens.verify(await sign({ role: 'coach' }))).rejects.toThrow(TokenError);
    await expect(tokens.verify(await sign({ tid: 'tenant-a', role: 'superuser' }))).rejects.toThrow(
      TokenError,
    );
    await expect(tokens.verify(await sign({ tid: 42, role: 'coach' }))).rejects.toThrow(TokenError);
  });

  it('are refused when they are not tokens at all', async () => {
    await expect(tokens.verify('')).rejects.toThrow(TokenError);
    await expect(tokens.verify('not.a.token')).rejects.toThrow(TokenError);
  });
});

describe('key rotation', () => {
  it('keeps tokens of the old key valid while new tokens carry the new kid', async () => {
    const newKey = await generatePrivateJwk();
    const rotated = await serviceFor([newKey, ourKey]);
    const oldToken = await tokens.issue(COACH);
    const newToken = await rotated.issue(COACH);

    expect(await rotated.verify(oldToken)).toEqual(COACH);
    expect(decodeProtectedHeader(newToken).kid).toBe(newKey.kid);
    expect(newKey.kid).not.toBe(ourKey.kid);
  });

  it('stops accepting the old key once it leaves the set', async () => {
    const newKey = await generatePrivateJwk();
    const retired = await serviceFor([newKey]);
    await expect(retired.verify(await tokens.issue(COACH))).rejects.toThrow(TokenError);
  });
});

describe('the three-step rotation', () => {
  it('never leaves a token unverifiable by an instance one step behind', async () => {
    const start = { keys: [ourKey] };
    const prepared = await rotation.prepare(start);
    const promoted = rotation.promote(prepared);
    const retired = rotation.retire(promoted);
    const [before, during, after, done] = await Promise.all(
      [start, prepared, promoted, retired].map((set) => serviceFor(set.keys)),
    );
    // Each step's tokens verify on an instance still at the step before, and the other way round.
    for (const [older, newer] of [
      [before, during],
      [during, after],
      [after, done],
    ] as const) {
      expect(await older!.verify(await newer!.issue(COACH))).toEqual(COACH);
      expect(await newer!.verify(await older!.issue(COACH))).toEqual(COACH);
    }
    expect(decodeProtectedHeader(await during!.issue(COACH)).kid).toBe(ourKey.kid);
    expect(decodeProtectedHeader(await after!.issue(COACH)).kid).toBe(prepared.keys[1]!.kid);
    await expect(done!.verify(await before!.issue(COACH))).rejects.toThrow(TokenError);
  });

  it('refuses steps out of order', async () => {
    const prepared = await rotation.prepare({ keys: [ourKey] });
    await expect(rotation.prepare(prepared)).rejects.toThrow(/under way/);
    expect(() => rotation.promote({ keys: [ourKey] })).toThrow(/prepare first/);
    expect(() => rotation.retire({ keys: [ourKey] })).toThrow(/one key/);
  });
});

describe('signing keys', () => {
  it('never publish the private part', async () => {
    const { publicJwks } = await loadSigningKeys({ keys: [await generatePrivateJwk(), ourKey] });
    expect(publicJwks).toHaveLength(2);
    for (const jwk of publicJwks) expect(jwk).not.toHaveProperty('d');
  });

  it('refuse a set whose first key cannot sign', async () => {
    const { d: _d, ...publicOnly } = ourKey;
    await expect(loadSigningKeys({ keys: [publicOnly] })).rejects.toThrow();
    await expect(loadSigningKeys({ keys: [] })).rejects.toThrow();
  });
});
