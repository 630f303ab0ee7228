/**
 * Staff single sign-on against identity providers this file serves itself: a JWKS server on
 * loopback whose key sets the stories change (rotation, removal), and tokens signed with those keys.
 */
import { changeTenantStatus, getTenant } from '@polku/storage';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { created, organisationBody, participantBody } from './support/fixtures.ts';
import { call, createHarness, createTestTenant, type Harness, type TestTenant } from './support/harness.ts';
import {
  addWhoami,
  closedLoopbackUrl,
  type IdentityProviders,
  newKey,
  startIdentityProviders,
  type TestProvider,
  WHOAMI,
} from './support/identity-provider.ts';

const PATH = '/v1/identity-provider';
const AUDIENCE = 'polku';
const SUBJECT = 'aino.coach@joensuu.example';
const UNKNOWN_ID = '01KAQ4T0Z8X2N5W7P9R3M6B1CD';

let harness: Harness;
let identityProviders: IdentityProviders;
/** The harness clock runs this far ahead of the real one: stories that wait for caches move it. */
let clockOffsetMs = 0;
const advanceClock = (seconds: number) => {
  clockOffsetMs += seconds * 1000;
};
const nowSeconds = () => Math.floor(harness.config.now().getTime() / 1000);
const newProvider = () => identityProviders.provider();

function registration(provider: TestProvider, overrides: Record<string, unknown> = {}) {
  return {
    issuer: provider.issuer,
    jwksUri: provider.jwksUri,
    audience: AUDIENCE,
    roleClaim: 'groups',
    roleMappings: [
      { value: 'polku-admins', role: 'tenant_admin' },
      { value: 'polku-coaches', role: 'coach' },
    ],
    ...overrides,
  };
}

async function register(tenant: TestTenant, provider: TestProvider, overrides: Record<string, unknown> = {}) {
  const response = await tenant.as('tenant_admin')('PUT', PATH, { body: registration(provider, overrides) });
  if (response.status !== 201)
    throw new Error(`PUT ${PATH}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

const statusWith = async (token: string, path = '/v1/participants') =>
  (await call(harness, token, 'GET', path)).status;

const coachClaims = { groups: ['polku-coaches'] };

beforeAll(async () => {
  identityProviders = await startIdentityProviders({
    audience: AUDIENCE,
    subject: SUBJECT,
    now: () => harness.config.now(),
  });
  harness = await createHarness({
    now: () => new Date(Date.now() + clockOffsetMs),
    staffSignOn: { allowLoopbackHttp: true, jwksCooldownMs: 0 },
  });
  addWhoami(harness);
});

afterAll(() => identityProviders.stop());

describe('registering the identity provider', () => {
  it('a tenant_admin registers its provider, and a coach signs in with a token from it and reads participants', async () => {
    const tenant = await createTestTenant(harness);
    const admin = tenant.as('tenant_admin');
    const idp = await newProvider();

    const put = await admin('PUT', PATH, { body: registration(idp) });
    expect(put.status).toBe(201);
    expect(put.headers.get('etag')).toBe('"1"');
    expect(put.headers.get('location')).toBe(PATH);
    expect(put.body).toMatchObject({ ...registration(idp), version: 1 });
    const read = await admin('GET', PATH);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(read.body).toEqual(put.body);

    const coach = await idp.token({ groups: ['everyone', 'polku-coaches'] });
    expect(await statusWith(coach)).toBe(200);
    const participant = await call(harness, coach, 'POST', '/v1/participants', { body: participantBody() });
    expect(participant.status).toBe(201);
    expect((await call(harness, coach, 'GET', WHOAMI)).body).toEqual({
      tenantId: tenant.id,
      role: 'coach',
      subject: SUBJECT,
      kind: 'user',
    });
  });

  it('only a tenant_admin may read, register or remove it', async () => {
    const tenant = await createTestTenant(harness);
    const coach = tenant.as('coach');
    const idp = await newProvider();
    expect((await coach('GET', PATH)).status).toBe(403);
    expect((await coach('PUT', PATH, { body: registration(idp) })).status).toBe(403);
    expect((await coach('DELETE', PATH, { headers: { 'If-Match': '"1"' } })).status).toBe(403);
    expect((await tenant.as('tenant_admin')('GET', PATH)).status).toBe(404);
  });

  it('is 404 to read or remove before it is registered', async () => {
    const admin = (await createTestTenant(harness)).as('tenant_admin');
    const read = await admin('GET', PATH);
    expect(read.status).toBe(404);
    expect(read.headers.get('content-type')).toContain('application/problem+json');
    expect((await admin('DELETE', PATH, { headers: { 'If-Match': '"1"' } })).status).toBe(404);
  });

  it('replacing the registration needs If-Match: 428 without it, 412 when stale', async () => {
    const tenant = await createTestTenant(harness);
    const admin = tenant.as('tenant_admin');
    const idp = await newProvider();
    const body = registration(idp);
    expect((await admin('PUT', PATH, { body, headers: { 'If-Match': '"1"' } })).status).toBe(412);
    await register(tenant, idp);
    const changed = { ...body, audience: 'polku-api' };

    expect((await admin('PUT', PATH, { body: changed })).status).toBe(428);
    expect((await admin('PUT', PATH, { body: changed, headers: { 'If-Match': '"7"' } })).status).toBe(412);
    const replaced = await admin('PUT', PATH, { body: changed, headers: { 'If-Match': '"1"' } });
    expect(replaced.status).toBe(200);
    expect(replaced.headers.get('etag')).toBe('"2"');
    expect(replaced.body).toMatchObject({ audience: 'polku-api', version: 2 });
    expect((await admin('GET', PATH)).body.audience).toBe('polku-api');
  });

  it('refuses an http issuer or JWKS URI on a host that is not loopback with 400 naming the field', async () => {
    const admin = (await createTestTenant(harness)).as('tenant_admin');
    const idp = await newProvider();
    const response = await admin('PUT', PATH, {
      body: registration(idp, {
        issuer: 'http://login.joensuu.example',
        jwksUri: 'http://login.joensuu.example/.well-known/jwks.json',
      }),
    });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'body.issuer',
      'body.jwksUri',
    ]);
    expect((await admin('GET', PATH)).status).toBe(404);
  });

  it('refuses http even on loopback unless the deployment allows it (local runs and tests only)', async () => {
    const strict = await createHarness();
    const tenant = await createTestTenant(strict);
    const idp = await newProvider();
    const response = await call(strict, await tenant.token('tenant_admin'), 'PUT', PATH, {
      body: registration(idp),
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toContainEqual({ field: 'body.jwksUri', message: 'must be an https URL' });
  });

  it('refuses an issuer or JWKS URI the keys could never be fetched from: 400 naming the field and the address', async () => {
    const strict = await createHarness();
    const tenant = await createTestTenant(strict);
    const token = await tenant.token('tenant_admin');
    const idp = await newProvider();
    const publicIssuer = { issuer: 'https://login.joensuu.example' };
    const refused = {
      'https://169.254.169.254/latest/meta-data/jwks.json': '169.254.169.254 is not a public address',
      'https://10.0.0.1/jwks.json': '10.0.0.1 is not a public address',
      'https://localhost:8443/jwks.json': 'localhost is not',
      'https://[fec0::1]/jwks.json': 'fec0::1 is not a public address',
      'https://[::ffff:0:7f00:1]/jwks.json': '::ffff:0:7f00:1 is not a public address',
    };
    for (const [url, why] of Object.entries(refused)) {
      const message = `must be on a public address: ${why}`;
      for (const [field, body] of [
        ['body.jwksUri', registration(idp, { ...publicIssuer, jwksUri: url })],
        ['body.issuer', registration(idp, { issuer: url, jwksUri: 'https://login.joensuu.example/jwks' })],
      ] as const) {
        const response = await call(strict, token, 'PUT', PATH, { body });
        expect(response.status, `${field} ${url}`).toBe(400);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        expect(response.body.errors).toEqual([{ field, message }]);
      }
    }
    expect((await call(strict, token, 'GET', PATH)).status).toBe(404);

    // Where loopback is allowed (local runs and tests), the private ranges stay refused.
    const admin = (await createTestTenant(harness)).as('tenant_admin');
    for (const jwksUri of ['https://169.254.169.254/jwks.json', 'http://10.0.0.1/jwks.json']) {
      const response = await admin('PUT', PATH, { body: registration(idp, { jwksUri }) });
      expect(response.status, jwksUri).toBe(400);
      expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual(['body.jwksUri']);
    }
  });

  it('refuses a malformed body with 400', async () => {
    const admin = (await createTestTenant(harness)).as('tenant_admin');
    const idp = await newProvider();
    const incomplete = await admin('PUT', PATH, { body: { issuer: idp.issuer, roleMappings: [] } });
    expect(incomplete.status).toBe(400);
    const fields = incomplete.body.errors.map((error: { field: string }) => error.field);
    expect(fields).toEqual(
      expect.arrayContaining(['body.jwksUri', 'body.audience', 'body.roleClaim', 'body.roleMappings']),
    );
    const partnerWithoutOrganisation = await admin('PUT', PATH, {
      body: registration(idp, { roleMappings: [{ value: 'partners', role: 'partner' }] }),
    });
    expect(partnerWithoutOrganisation.status).toBe(400);
    expect(partnerWithoutOrganisation.body.errors[0].field).toBe('body.roleMappings.0.organisationId');
    expect((await admin('PUT', PATH, { body: registration(idp, { tenantId: 'x' }) })).status).toBe(400);
    expect((await admin('PUT', PATH, { raw: '{"issuer":' })).status).toBe(400);
    expect((await admin('GET', PATH)).status).toBe(404);
  });

  it('refuses a partner mapping naming an organisation the tenant does not have with 400', async () => {
    const admin = (await createTestTenant(harness)).as('tenant_admin');
    const idp = await newProvider();
    const response = await admin('PUT', PATH, {
      body: registration(idp, {
        roleMappings: [
          { value: 'polku-coaches', role: 'coach' },
          { value: 'partners', role: 'partner', organisationId: UNKNOWN_ID },
        ],
      }),
    });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].field).toBe('body.roleMappings.1.organisationId');
  });
});

describe("signing in with the provider's tokens", () => {
  let tenant: TestTenant;
  let idp: TestProvider;
  let partnerOrganisationId: string;

  beforeAll(async () => {
    tenant = await createTestTenant(harness);
    idp = await newProvider();
    partnerOrganisationId = (
      await created(tenant.as('tenant_admin'), '/v1/organisations', organisationBody())
    ).id;
    await register(tenant, idp, {
      roleMappings: [
        { value: 'polku-coaches', role: 'coach' },
        { value: 'ohjaamo-staff', role: 'partner', organisationId: partnerOrganisationId },
      ],
    });
  });

  it('refuses a token whose groups map to no Polku role with 403', async () => {
    for (const claims of [{ groups: ['canteen'] }, { groups: [] }, {}, { groups: { coach: true } }]) {
      const response = await call(harness, await idp.token(claims), 'GET', '/v1/organisations');
      expect(response.status).toBe(403);
      expect(response.body.detail).toBe('your identity provider grants no Polku role');
    }
  });

  it('gives the partner role with its organisation to a partner mapping', async () => {
    const partner = await idp.token({ groups: ['ohjaamo-staff'] });
    expect((await call(harness, partner, 'GET', WHOAMI)).body).toEqual({
      tenantId: tenant.id,
      role: 'partner',
      subject: SUBJECT,
      kind: 'user',
      organisationId: partnerOrganisationId,
    });
    expect(await statusWith(partner, '/v1/organisations')).toBe(200);
    expect(await statusWith(partner, '/v1/participants')).toBe(403);
  });

  it('reads a nested role claim, and the first matching mapping decides', async () => {
    const keycloak = await createTestTenant(harness);
    const realm = await newProvider();
    await register(keycloak, realm, {
      roleClaim: 'realm_access.roles',
      roleMappings: [
        { value: 'admin', role: 'tenant_admin' },
        { value: 'coach', role: 'coach' },
      ],
    });
    const roleOf = async (claims: Record<string, unknown>) =>
      (await call(harness, await realm.token(claims), 'GET', WHOAMI)).body.role;
    expect(await roleOf({ realm_access: { roles: ['coach', 'admin'] } })).toBe('tenant_admin');
    expect(await roleOf({ realm_access: { roles: 'coach' } })).toBe('coach');
    const flat = await call(harness, await realm.token({ roles: ['coach'] }), 'GET', WHOAMI);
    expect(flat.status).toBe(403);
  });

  it('refuses with 401 a token for another audience, expired, not yet valid, HS256, alg none, of an unknown issuer or key', async () => {
    const now = nowSeconds();
    const [published] = idp.published;
    const stranger = await newKey();
    const sameKidOtherKey = { ...(await newKey()), kid: published!.kid };
    const claims = { iss: idp.issuer, aud: AUDIENCE, sub: SUBJECT, iat: now, exp: now + 300, ...coachClaims };
    const tokens = {
      anotherAudience: await idp.token({ ...coachClaims, aud: 'another-api' }),
      expired: await idp.token({ ...coachClaims, iat: now - 900, exp: now - 120 }),
      notYetValid: await idp.token({ ...coachClaims, nbf: now + 300 }),
      withoutExpiry: await idp.token({ ...coachClaims, exp: undefined }),
      withoutSubject: await idp.token({ ...coachClaims, sub: undefined }),
      // The classic confusion: the public key's JSON used as an HMAC secret.
      hs256: await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256', kid: published!.kid })
        .sign(new TextEncoder().encode(JSON.stringify(published!.publicJwk))),
      algNone: new UnsecuredJWT(claims).encode(),
      unknownIssuer: await idp.token({ ...coachClaims, iss: 'https://login.unknown.example' }),
      notAnIssuer: await idp.token({ ...coachClaims, iss: 'polku' }),
      keyNotInTheJwks: await idp.token(coachClaims, stranger),
      forgedWithAPublishedKid: await idp.token(coachClaims, sameKidOtherKey),
    };
    const statuses: Record<string, number> = {};
    for (const [name, token] of Object.entries(tokens)) statuses[name] = await statusWith(token);
    expect(statuses).toEqual(Object.fromEntries(Object.keys(tokens).map((name) => [name, 401])));
    expect(await statusWith(await idp.token(coachClaims))).toBe(200);
  });

  it('answers 401, not 500, when the JWKS cannot be fetched, and logs it without the token', async () => {
    const offline = await createTestTenant(harness);
    const unreachable = await newProvider();
    await register(offline, unreachable, { jwksUri: await closedLoopbackUrl() });
    const missing = await createTestTenant(harness);
    const notFound = await newProvider();
    await register(missing, notFound, { jwksUri: `${notFound.issuer}/no-such-jwks.json` });

    const logged: Record<string, unknown>[] = [];
    const log = harness.config.log;
    harness.config.log = (entry) => logged.push(entry);
    try {
      const tokens = [await unreachable.token(coachClaims), await notFound.token(coachClaims)];
      for (const token of tokens) {
        const response = await call(harness, token, 'GET', '/v1/participants');
        expect(response.status).toBe(401);
        // Only the operators' log says why: the caller gets the answer any token that is not valid gets.
        expect(response.body.detail).toBe('the token is not valid');
      }
      const failures = logged.filter((entry) => entry.msg === 'identity provider keys unavailable');
      expect(failures.map((entry) => entry.tenantId)).toEqual([offline.id, missing.id]);
      const text = JSON.stringify(logged);
      for (const token of tokens) expect(text).not.toContain(token.split('.')[1]);
    } finally {
      harness.config.log = log;
    }
  });
});

describe('an Idempotency-Key after the role changed', () => {
  let tenant: TestTenant;
  let idp: TestProvider;

  beforeAll(async () => {
    tenant = await createTestTenant(harness);
    idp = await newProvider();
    const partnerOrganisationId = (
      await created(tenant.as('tenant_admin'), '/v1/organisations', organisationBody())
    ).id;
    await register(tenant, idp, {
      roleMappings: [
        { value: 'polku-admins', role: 'tenant_admin' },
        { value: 'polku-coaches', role: 'coach' },
        { value: 'ohjaamo-staff', role: 'partner', organisationId: partnerOrganisationId },
      ],
    });
  });

  const post = async (groups: string[], path: string, key: string, body: unknown) =>
    call(harness, await idp.token({ groups }), 'POST', path, { body, headers: { 'Idempotency-Key': key } });

  it("replays nothing to the same person once they are a partner: the admin's client stays the admin's", async () => {
    const body = { name: 'Case system', role: 'coach' };
    const first = await post(['polku-admins'], '/v1/clients', 'same-key-1', body);
    expect(first.status).toBe(201);
    const asPartner = await post(['ohjaamo-staff'], '/v1/clients', 'same-key-1', body);
    expect(asPartner.status).toBe(403);
    expect(asPartner.headers.get('Idempotent-Replayed')).toBeNull();
    expect(JSON.stringify(asPartner.body)).not.toContain(first.body.clientId);
  });

  it("shows a coach none of what the admin's response held, though both may register participants", async () => {
    const body = participantBody({ esf: { ...participantBody().esf, disability: true } });
    const first = await post(['polku-admins'], '/v1/participants', 'same-key-2', body);
    expect(first.status).toBe(201);
    expect(first.body.esf.disability).toBe(true);
    const asCoach = await post(['polku-coaches'], '/v1/participants', 'same-key-2', body);
    expect(asCoach.headers.get('Idempotent-Replayed')).toBeNull();
    expect(asCoach.body.id).not.toBe(first.body.id);
    expect(asCoach.body.esf.disability).toBeUndefined();
    // The admin's own retry still replays.
    const again = await post(['polku-admins'], '/v1/participants', 'same-key-2', body);
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
  });
});

describe('key rotation at the provider', () => {
  it('accepts a key rotated in without a restart, because an unknown kid fetches the JWKS again', async () => {
    const tenant = await createTestTenant(harness);
    const idp = await newProvider();
    const [first] = idp.published;
    await register(tenant, idp);
    expect(await statusWith(await idp.token(coachClaims))).toBe(200);
    const fetched = idp.fetches;

    const second = await newKey();
    idp.publish(first!, second);
    expect(await statusWith(await idp.token(coachClaims, second))).toBe(200);
    expect(idp.fetches).toBe(fetched + 1);
    expect(await statusWith(await idp.token(coachClaims, first))).toBe(200);
    expect(idp.fetches).toBe(fetched + 1);
  });

  it('keeps a removed key until the JWKS is next fetched, then refuses its tokens', async () => {
    const tenant = await createTestTenant(harness);
    const idp = await newProvider();
    const [retiring] = idp.published;
    const current = await newKey();
    idp.publish(retiring!, current);
    await register(tenant, idp);
    expect(await statusWith(await idp.token(coachClaims, retiring))).toBe(200);

    idp.publish(current);
    // jose trusts the set it fetched while every kid it is shown is in it (for up to 10 minutes).
    expect(await statusWith(await idp.token(coachClaims, retiring))).toBe(200);
    const fetched = idp.fetches;
    // An unknown kid makes it fetch the set again, and the new set no longer has the retired key.
    expect(await statusWith(await idp.token(coachClaims, await newKey()))).toBe(401);
    expect(idp.fetches).toBe(fetched + 1);
    expect(await statusWith(await idp.token(coachClaims, retiring))).toBe(401);
    expect(await statusWith(await idp.token(coachClaims, current))).toBe(200);
  });
});

describe('one issuer, one tenant', () => {
  it('refuses with 409 issuer-taken another tenant registering an issuer a tenant already has', async () => {
    const first = await createTestTenant(harness);
    const second = await createTestTenant(harness);
    const idp = await newProvider();
    await register(first, idp);
    const response = await second.as('tenant_admin')('PUT', PATH, { body: registration(idp) });
    expect(response.status).toBe(409);
    expect(response.body.type).toBe('https://polku.fi/problems/issuer-taken');
    expect((await second.as('tenant_admin')('GET', PATH)).status).toBe(404);
  });

  it('moves the guard when a tenant changes its issuer: the old one is free, the new one is taken', async () => {
    const [mover, follower, latecomer] = await Promise.all([
      createTestTenant(harness),
      createTestTenant(harness),
      createTestTenant(harness),
    ]);
    const [before, after] = [await newProvider(), await newProvider()];
    await register(mover, before);
    const moved = await mover.as('tenant_admin')('PUT', PATH, {
      body: registration(after),
      headers: { 'If-Match': '"1"' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.issuer).toBe(after.issuer);
    await register(follower, before);
    const taken = await latecomer.as('tenant_admin')('PUT', PATH, { body: registration(after) });
    expect(taken.status).toBe(409);
  });

  it("never lets a token of tenant A's issuer reach tenant B's data, even with a tid claim naming B", async () => {
    const a = await createTestTenant(harness);
    const b = await createTestTenant(harness);
    const idp = await newProvider();
    await register(a, idp);
    const inA = await created(a.as('coach'), '/v1/participants', participantBody());
    const inB = await created(b.as('coach'), '/v1/participants', participantBody({ firstName: 'Bea' }));

    const token = await idp.token({ groups: ['polku-admins'], tid: b.id, tenantId: b.id, org: b.id });
    expect((await call(harness, token, 'GET', `/v1/participants/${inB.id}`)).status).toBe(404);
    const list = await call(harness, token, 'GET', '/v1/participants');
    expect(list.status).toBe(200);
    expect(list.body.items.map((item: { id: string }) => item.id)).toEqual([inA.id]);
    expect((await call(harness, token, 'GET', '/v1/tenant')).body.id).toBe(a.id);
  });
});

describe('taking access away', () => {
  it('stops the tokens of a deleted provider within 30 s (registrations are cached that long)', async () => {
    const tenant = await createTestTenant(harness);
    const admin = tenant.as('tenant_admin');
    const idp = await newProvider();
    await register(tenant, idp);
    expect(await statusWith(await idp.token(coachClaims))).toBe(200);

    expect((await admin('DELETE', PATH)).status).toBe(428);
    expect((await admin('DELETE', PATH, { headers: { 'If-Match': '"2"' } })).status).toBe(412);
    expect((await admin('DELETE', PATH, { headers: { 'If-Match': '"1"' } })).status).toBe(204);
    expect((await admin('GET', PATH)).status).toBe(404);

    advanceClock(31);
    const refused = await call(harness, await idp.token(coachClaims), 'GET', '/v1/participants');
    expect(refused.status).toBe(401);
    // The issuer is free again.
    await register(await createTestTenant(harness), idp);
  });

  it("refuses a suspended tenant's staff tokens with 403 tenant-not-active", async () => {
    const tenant = await createTestTenant(harness);
    const idp = await newProvider();
    await register(tenant, idp);
    expect(await statusWith(await idp.token(coachClaims))).toBe(200);

    const { version } = await getTenant(harness.db, tenant.id);
    const change = { action: 'suspend' as const, reason: 'contract ended', by: 'operator.test' };
    await changeTenantStatus(harness.db, tenant.id, change, version);
    advanceClock(31);
    const refused = await call(harness, await idp.token(coachClaims), 'GET', '/v1/participants');
    expect(refused.status).toBe(403);
    expect(refused.body.type).toBe('https://polku.fi/problems/tenant-not-active');
  });
});
