import { generatePrivateJwk, loadSigningKeys, TokenService } from '@polku/auth';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  createHarness,
  createTestTenant,
  type Harness,
  ISSUER,
  requestToken,
  type TestTenant,
} from './support/harness.ts';

let harness: Harness;
let tenant: TestTenant;

beforeAll(async () => {
  harness = await createHarness();
  tenant = await createTestTenant(harness);
});

describe('the token endpoint (client credentials)', () => {
  it('issues a short-lived ES256 token for form credentials', async () => {
    const response = await requestToken(harness, tenant.credentials.coach!);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(response.headers.get('cache-control')).toBe('no-store');
    const [header] = response.body.access_token.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({
      alg: 'ES256',
      kid: expect.any(String),
    });
  });

  it('accepts HTTP Basic authentication', async () => {
    const { clientId, clientSecret } = tenant.credentials.analyst!;
    const response = await call(harness, undefined, 'POST', '/v1/oauth/token', {
      raw: 'grant_type=client_credentials',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      },
    });
    expect(response.status).toBe(200);
  });

  it('refuses a wrong secret and an unknown client alike', async () => {
    const wrong = await requestToken(harness, { ...tenant.credentials.coach!, clientSecret: 'guess' });
    const unknown = await requestToken(harness, {
      clientId: `${tenant.id}.01KAQ4T0Z8X2N5W7P9R3M6B1CD`,
      clientSecret: 'x',
    });
    for (const response of [wrong, unknown]) {
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'invalid_client' });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('refuses other grant types', async () => {
    const response = await call(harness, undefined, 'POST', '/v1/oauth/token', {
      raw: 'grant_type=password&username=a&password=b',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('unsupported_grant_type');
  });

  it('gives no token to the clients of a pending tenant', async () => {
    const pending = await createTestTenant(harness, { status: 'pending' });
    const response = await requestToken(harness, pending.credentials.tenant_admin!);
    expect(response.status).toBe(403);
  });

  it('publishes the verification keys with their kid', async () => {
    const response = await call(harness, undefined, 'GET', '/.well-known/jwks.json');
    expect(response.status).toBe(200);
    expect(response.body.keys[0]).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      kid: expect.any(String),
    });
    expect(response.body.keys[0].d).toBeUndefined();
  });
});

describe('bearer tokens on /v1', () => {
  it('refuses a request without a token', async () => {
    const response = await call(harness, undefined, 'GET', '/v1/organisations');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('refuses a token signed by another key with the same kid', async () => {
    const genuine = await tenant.token('tenant_admin');
    const [header] = genuine.split('.');
    const kid = JSON.parse(Buffer.from(header!, 'base64url').toString()).kid;
    const forger = new TokenService(
      await loadSigningKeys({ keys: [{ ...(await generatePrivateJwk()), kid }] }),
      {
        issuer: ISSUER,
        audience: 'polku-api',
      },
    );
    const forged = await forger.issue({ tenantId: tenant.id, role: 'tenant_admin', subject: 'forger' });
    expect((await call(harness, forged, 'GET', '/v1/organisations')).status).toBe(401);
  });

  it('refuses an expired token', async () => {
    const expired = await harness.config.tokens.issue(
      { tenantId: tenant.id, role: 'coach', subject: 'c' },
      Date.now() - 3600_000,
    );
    const response = await call(harness, expired, 'GET', '/v1/organisations');
    expect(response.status).toBe(401);
    expect(response.body.detail).toContain('expired');
  });

  it('refuses a symmetric (HS256) token made with the public key material', async () => {
    const jwks = (await call(harness, undefined, 'GET', '/.well-known/jwks.json')).body;
    const token = await new SignJWT({ tid: tenant.id, role: 'tenant_admin' })
      .setProtectedHeader({ alg: 'HS256', kid: jwks.keys[0].kid })
      .setIssuer(ISSUER)
      .setAudience('polku-api')
      .setSubject('x')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
    expect((await call(harness, token, 'GET', '/v1/organisations')).status).toBe(401);
  });

  it('refuses a token for another audience', async () => {
    const other = new TokenService(await loadSigningKeys({ keys: [await generatePrivateJwk()] }), {
      issuer: ISSUER,
      audience: 'another-api',
    });
    const token = await other.issue({ tenantId: tenant.id, role: 'coach', subject: 'c' });
    expect((await call(harness, token, 'GET', '/v1/organisations')).status).toBe(401);
  });

  it('answers 403 when the role lacks the permission', async () => {
    expect((await tenant.as('partner')('GET', '/v1/participants')).status).toBe(403);
    expect(
      (await tenant.as('analyst')('POST', '/v1/organisations', { body: { name: 'X', kind: 'ngo' } })).status,
    ).toBe(403);
    expect((await tenant.as('coach')('POST', '/v1/programmes', { body: {} })).status).toBe(403);
  });
});
