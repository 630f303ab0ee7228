/**
 * Forged, altered, stale and misplaced tokens against the running app: each is refused with 401 or
 * 403, never served and never a 500. The platform here signs with a key this file holds, so a
 * forgery can carry the real signature and fail for the one reason it is meant to.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generatePrivateJwk, loadSigningKeys, type SigningKeys, TokenService } from '@polku/auth';
import { exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { created, participantBody } from './support/fixtures.ts';
import {
  call,
  createHarness,
  createTestTenant,
  type Harness,
  manualClock,
  requestToken,
  type TestTenant,
} from './support/harness.ts';

const AUDIENCE = 'polku-api';
const clock = manualClock();
let harness: Harness;
let platform: SigningKeys;
let a: TestTenant;
let b: TestTenant;
const genuine = {} as Record<'admin' | 'analyst' | 'operator' | 'suspended' | 'revoked', string>;
/** What the suspended tenant's and the revoked client's tokens were answered before the change. */
const before = {} as Record<'suspended' | 'revoked', number>;

const seconds = () => Math.floor(clock.now().getTime() / 1000);

/** The claims of A's administrator's token; an override of undefined drops the claim. */
function claims(overrides: Record<string, unknown> = {}) {
  const now = seconds();
  const all: Record<string, unknown> = {
    iss: harness.config.issuer,
    aud: AUDIENCE,
    sub: a.credentials.tenant_admin!.clientId,
    tid: a.id,
    role: 'tenant_admin',
    jti: randomUUID(),
    iat: now,
    exp: now + 600,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

type Key = Parameters<SignJWT['sign']>[0];

function sign(payload: Record<string, unknown>, key: Key = platform.signer.key, header = {}) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid: platform.signer.kid, typ: 'at+jwt', ...header })
    .sign(key);
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString());

/** The token with its payload changed after signing, the signature kept. */
function tampered(token: string, change: (payload: Record<string, unknown>) => void) {
  const [header, payload, signature] = token.split('.');
  const claimsSet = decode(payload!);
  change(claimsSet);
  return `${header}.${encode(claimsSet)}.${signature}`;
}

async function anotherKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { privateKey, publicJwk: await exportJWK(publicKey) };
}

async function publishedJwk(): Promise<JWK> {
  return (await call(harness, undefined, 'GET', '/.well-known/jwks.json')).body.keys[0];
}

async function tokenOf(credentials: { clientId: string; clientSecret: string }): Promise<string> {
  const response = await requestToken(harness, credentials);
  if (response.status !== 200) throw new Error(`token: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.access_token;
}

beforeAll(async () => {
  harness = await createHarness({ now: clock.now, staffSignOn: { allowLoopbackHttp: true } });
  platform = await loadSigningKeys({ keys: [await generatePrivateJwk()] });
  harness.config.tokens = new TokenService(platform, { issuer: harness.config.issuer, audience: AUDIENCE });
  harness.config.publicJwks = platform.publicJwks;

  a = await createTestTenant(harness, { name: 'Ilomantsi employment area' });
  b = await createTestTenant(harness, { name: 'Lieksa employment area' });
  const suspended = await createTestTenant(harness);
  await created(a.as('coach'), '/v1/participants', participantBody({ firstName: 'Ilmatar' }));
  const retired = await created(a.as('tenant_admin'), '/v1/clients', { name: 'Retired', role: 'coach' });
  [genuine.admin, genuine.analyst, genuine.operator, genuine.suspended, genuine.revoked] = await Promise.all([
    a.token('tenant_admin'),
    a.token('analyst'),
    tokenOf(harness.operator),
    suspended.token('tenant_admin'),
    tokenOf(retired),
  ]);
  before.suspended = (await call(harness, genuine.suspended, 'GET', '/v1/tenant')).status;
  before.revoked = (await call(harness, genuine.revoked, 'GET', '/v1/participants')).status;

  const tenantPath = `/v1/admin/tenants/${suspended.id}`;
  const current = await call(harness, genuine.operator, 'GET', tenantPath);
  const suspension = await call(harness, genuine.operator, 'POST', `${tenantPath}/suspend`, {
    body: { reason: 'Contract ended' },
    headers: { 'If-Match': current.headers.get('etag')! },
  });
  const revocation = await a.as('tenant_admin')('POST', `/v1/clients/${retired.id}/revoke`, {
    body: { reason: 'System retired' },
    headers: { 'If-Match': '"1"' },
  });
  if (suspension.status !== 200 || revocation.status !== 200) {
    throw new Error(`suspend ${suspension.status}, revoke ${revocation.status}`);
  }
  // Past the 30 s status cache: issued tokens of the suspended tenant and revoked client stop.
  clock.advance(31);
});

interface Attack {
  what: string;
  token: () => string | Promise<string>;
  /** A route the token would open if it were accepted. */
  probe?: string;
  /** The Authorization header, when not `Bearer <token>`; undefined sends none. */
  authorization?: (token: string) => string | undefined;
}

const attacks: Attack[] = [
  {
    what: 'alg none, with the claims of A’s administrator',
    token: () => new UnsecuredJWT(claims()).encode(),
  },
  {
    what: 'alg none put on a genuine token, its signature kept',
    token: () => {
      const [, payload, signature] = genuine.admin.split('.');
      return `${encode({ alg: 'none', typ: 'at+jwt' })}.${payload}.${signature}`;
    },
  },
  {
    what: 'HS256 keyed with the published JWK',
    token: async () =>
      sign(claims(), new TextEncoder().encode(JSON.stringify(await publishedJwk())), { alg: 'HS256' }),
  },
  {
    what: 'HS256 keyed with the published key as PEM',
    token: async () => {
      const pem = await exportSPKI(
        (await importJWK(await publishedJwk(), 'ES256')) as Parameters<typeof exportSPKI>[0],
      );
      return sign(claims(), new TextEncoder().encode(pem), { alg: 'HS256' });
    },
  },
  {
    what: 'the platform key, another issuer',
    token: () => sign(claims({ iss: 'https://polku.example.evil' })),
  },
  {
    what: 'the platform key, the issuer with a trailing slash',
    token: () => sign(claims({ iss: `${harness.config.issuer}/` })),
  },
  { what: 'the platform key, another audience', token: () => sign(claims({ aud: 'another-api' })) },
  { what: 'the platform key, no audience', token: () => sign(claims({ aud: undefined })) },
  {
    what: 'the platform key, expired a minute ago',
    token: () => sign(claims({ iat: seconds() - 960, exp: seconds() - 60 })),
  },
  {
    what: 'the platform key, not valid before an hour from now (nbf)',
    token: () => sign(claims({ nbf: seconds() + 3600, exp: seconds() + 4200 })),
  },
  {
    what: 'the platform key, issued an hour from now (iat)',
    token: () => sign(claims({ iat: seconds() + 3600, exp: seconds() + 4200 })),
  },
  { what: 'the platform key, no expiry', token: () => sign(claims({ exp: undefined })) },
  {
    what: 'an unknown kid, signed by another ES256 key',
    token: async () => sign(claims(), (await anotherKey()).privateKey, { kid: randomUUID() }),
  },
  {
    what: 'the platform’s kid, signed by another ES256 key',
    token: async () => sign(claims(), (await anotherKey()).privateKey),
  },
  {
    what: 'another ES256 key, embedded in the header (jwk)',
    token: async () => {
      const key = await anotherKey();
      return sign(claims(), key.privateKey, { kid: undefined, jwk: key.publicJwk });
    },
  },
  {
    what: 'role raised after signing (analyst → tenant_admin)',
    probe: '/v1/clients',
    token: () => tampered(genuine.analyst, (p) => Object.assign(p, { role: 'tenant_admin' })),
  },
  {
    what: 'tenant changed after signing (A → B)',
    token: () => tampered(genuine.admin, (p) => Object.assign(p, { tid: b.id })),
  },
  {
    what: 'B’s claims under a signature of A’s token',
    token: async () => {
      const forged = await sign(claims({ tid: b.id, sub: b.credentials.tenant_admin!.clientId }));
      return `${forged.split('.').slice(0, 2).join('.')}.${genuine.admin.split('.')[2]}`;
    },
  },
  { what: 'a suspended tenant’s token', probe: '/v1/tenant', token: () => genuine.suspended },
  { what: 'a revoked client’s token', token: () => genuine.revoked },
  {
    what: 'the platform key, tenant "platform" with role tenant_admin',
    probe: '/v1/tenant',
    token: () => sign(claims({ tid: 'platform', sub: harness.operator.clientId })),
  },
  {
    what: 'the platform key, tenant A with role platform_admin',
    probe: '/v1/admin/tenants',
    token: () => sign(claims({ role: 'platform_admin' })),
  },
  {
    what: 'the platform key, a client of B claiming tenant A',
    token: () => sign(claims({ sub: b.credentials.analyst!.clientId })),
  },
  {
    what: 'the platform key, a client that does not exist',
    token: () => sign(claims({ sub: `${a.id}.01KAQ4T0Z8X2N5W7P9R3M6B1CD` })),
  },
  {
    what: 'a genuine token in the Basic scheme',
    token: () => genuine.admin,
    authorization: (t) => `Basic ${t}`,
  },
  {
    what: 'a genuine token in the Token scheme',
    token: () => genuine.admin,
    authorization: (t) => `Token ${t}`,
  },
  {
    what: 'a genuine token in the query string, none in the header',
    token: () => genuine.admin,
    probe: `/v1/participants?access_token=`,
    authorization: () => undefined,
  },
  { what: 'an empty bearer', token: () => '', authorization: () => 'Bearer ' },
  { what: 'the scheme alone', token: () => '', authorization: () => 'Bearer' },
  { what: '10 KB of garbage', token: () => randomBytes(7680).toString('base64url') },
  {
    what: '10 KB of garbage shaped like a JWT',
    token: () => [2560, 2560, 2560].map((n) => randomBytes(n).toString('base64url')).join('.'),
  },
];

describe('forged and misplaced tokens', () => {
  it('the probes answer a genuine token, and one this file signs with the platform key', async () => {
    const admin = (path: string) => call(harness, genuine.admin, 'GET', path);
    for (const path of ['/v1/participants', '/v1/clients', '/v1/tenant']) {
      expect((await admin(path)).status, path).toBe(200);
    }
    expect((await call(harness, genuine.operator, 'GET', '/v1/admin/tenants')).status).toBe(200);
    expect((await call(harness, await sign(claims()), 'GET', '/v1/participants')).status).toBe(200);
    expect(before).toEqual({ suspended: 200, revoked: 200 });
  });

  it.each(attacks)('refuses $what', async ({ token, probe = '/v1/participants', authorization }) => {
    const value = await token();
    const header = authorization ? authorization(value) : `Bearer ${value}`;
    const path = probe.endsWith('=') ? `${probe}${value}` : probe;
    const response = await call(harness, undefined, 'GET', path, {
      headers: header === undefined ? {} : { Authorization: header },
    });
    expect([401, 403]).toContain(response.status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('leaves the genuine client working after a forgery that named it under another tenant', async () => {
    const analystOfB = await b.token('analyst');
    expect(
      (await call(harness, await sign(claims({ sub: b.credentials.analyst!.clientId })), 'GET', '/v1/tenant'))
        .status,
    ).toBe(401);
    expect((await call(harness, analystOfB, 'GET', '/v1/tenant')).status).toBe(200);
  });
});

describe('staff tokens from a tenant’s own identity provider', () => {
  const key = anotherKey();
  const jwks = createServer(async (_, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ keys: [{ ...(await key).publicJwk, kid: 'b-1', alg: 'ES256' }] }));
  });
  let issuer: string;

  beforeAll(async () => {
    jwks.listen(0, '127.0.0.1');
    await once(jwks, 'listening');
    issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/lieksa`;
    const registered = await b.as('tenant_admin')('PUT', '/v1/identity-provider', {
      body: {
        issuer,
        jwksUri: `${issuer}/jwks.json`,
        audience: 'polku',
        roleClaim: 'groups',
        roleMappings: [{ value: 'polku-admins', role: 'tenant_admin' }],
      },
    });
    if (registered.status !== 201)
      throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
  });

  afterAll(() => {
    jwks.close();
  });

  /** What B's provider may sign: any claims at all, since B runs it. */
  const staffToken = async (extra: Record<string, unknown>) =>
    new SignJWT({ groups: ['polku-admins'], ...extra })
      .setProtectedHeader({ alg: 'ES256', kid: 'b-1' })
      .setIssuer(issuer)
      .setAudience('polku')
      .setSubject('admin@lieksa.example')
      .setIssuedAt(seconds())
      .setExpirationTime(seconds() + 300)
      .sign((await key).privateKey);

  it.each([
    { what: 'no tenant claim', extra: {} },
    { what: 'tid naming tenant A', extra: () => ({ tid: a.id }) },
  ])('act in B whatever they claim: $what', async ({ extra }) => {
    const token = await staffToken(typeof extra === 'function' ? extra() : extra);
    const tenant = await call(harness, token, 'GET', '/v1/tenant');
    expect(tenant.status).toBe(200);
    expect(tenant.body.id).toBe(b.id);
    const participants = await call(harness, token, 'GET', '/v1/participants');
    expect(JSON.stringify(participants.body)).not.toContain('Ilmatar');
  });
});
