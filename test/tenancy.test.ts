/**
 * A municipality signs itself up, an operator approves it, and its administrator manages the API
 * clients of its partners: the stories of signup, operators and clients, against DynamoDB Local.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { created, organisationBody } from './support/fixtures.ts';
import {
  type Credentials,
  call,
  createHarness,
  type Harness,
  manualClock,
  randomBusinessId,
  requestToken,
  SOURCE_ADDRESS_HEADER,
  scanTable,
} from './support/harness.ts';

const clock = manualClock(new Date('2026-11-22T08:00:00Z'));
let harness: Harness;

beforeAll(async () => {
  harness = await createHarness({
    now: clock.now,
    signupLimits: {
      perAddress: { scope: 'signup-address', limit: 5, windowSeconds: 3600 },
      perBusinessId: { scope: 'signup-business-id', limit: 3, windowSeconds: 86_400 },
    },
  });
});

let addresses = 0;
/** Each signup from its own address unless the test says otherwise, so rate limits stay out of the way. */
const signup = (body: unknown, address = `198.51.100.${++addresses % 250}`, raw?: string) =>
  call(harness, undefined, 'POST', '/v1/signup', {
    ...(raw === undefined ? { body } : { raw }),
    headers: { [SOURCE_ADDRESS_HEADER]: address },
  });

const signupBody = (overrides: Record<string, unknown> = {}) => ({
  name: 'City of Joensuu',
  kind: 'municipality',
  businessId: randomBusinessId(),
  contactEmail: 'tyollisyys@joensuu.example',
  ...overrides,
});

async function tokenOf(credentials: Credentials): Promise<string> {
  const response = await requestToken(harness, credentials);
  if (response.status !== 200) throw new Error(`token: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.access_token;
}

const operator = async () => tokenOf(harness.operator);

async function operatorAct(tenantId: string, action: string, reason = 'checked') {
  const token = await operator();
  const current = await call(harness, token, 'GET', `/v1/admin/tenants/${tenantId}`);
  return call(harness, token, 'POST', `/v1/admin/tenants/${tenantId}/${action}`, {
    body: { reason },
    headers: { 'If-Match': current.headers.get('etag')! },
  });
}

/** A signed-up and approved tenant with its first administrator's credentials. */
async function activeTenant() {
  const response = await signup(signupBody());
  expect(response.status).toBe(201);
  const { tenant, client } = response.body;
  expect((await operatorAct(tenant.id, 'activate')).status).toBe(200);
  return { id: tenant.id as string, admin: client as Credentials };
}

describe('signing up', () => {
  it('creates a pending tenant in this region and shows the first administrator secret once', async () => {
    const body = signupBody();
    const response = await signup(body);
    expect(response.status).toBe(201);
    expect(response.body.tenant).toMatchObject({
      name: 'City of Joensuu',
      kind: 'municipality',
      businessId: body.businessId,
      region: 'eu-north-1',
      status: 'pending',
    });
    expect(response.body.client).toMatchObject({ role: 'tenant_admin', clientSecret: expect.any(String) });
    const stored = JSON.stringify(await scanTable(harness));
    expect(stored).not.toContain(response.body.client.clientSecret);
    expect(stored).toContain(response.body.client.clientId);
  });

  it('gives a pending tenant no token, with a problem that says why', async () => {
    const { client } = (await signup(signupBody())).body;
    const response = await requestToken(harness, client);
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({
      type: 'https://polku.fi/problems/tenant-not-active',
      tenantStatus: 'pending',
    });
  });

  it("refuses a business id that has already signed up, writing nothing but the address's attempt", async () => {
    const body = signupBody();
    expect((await signup(body)).status).toBe(201);
    const before = await scanTable(harness);
    const again = await signup({ ...body, name: 'Someone else' });
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('https://polku.fi/problems/business-id-taken');
    const written = (await scanTable(harness)).filter(
      (item) => !before.some((old) => old.PK === item.PK && old.SK === item.SK),
    );
    expect(written.map((item) => item.entity)).toEqual(['rate-counter']);
    expect(String(written[0]!.PK)).toContain('signup-address');
  });

  it('tells nobody past the address limit which business ids have signed up: 429 comes first', async () => {
    const taken = signupBody();
    expect((await signup(taken)).status).toBe(201);
    const address = '203.0.113.50';
    for (let i = 0; i < 5; i++) expect((await signup(signupBody(), address)).status).toBe(201);
    const probes = [taken, signupBody()].map((body) => signup({ ...body, name: 'Probe' }, address));
    for (const probe of await Promise.all(probes)) {
      expect(probe.status).toBe(429);
      expect(probe.body.type).toBe('https://polku.fi/problems/too-many-requests');
    }
  });

  it.each([
    {
      what: 'a wrong check digit',
      body: () => signupBody({ businessId: '0201256-5' }),
      status: 400,
      field: 'body.businessId',
    },
    {
      what: 'a malformed email',
      body: () => signupBody({ contactEmail: 'not-an-email' }),
      status: 400,
      field: 'body.contactEmail',
    },
    { what: 'an unknown kind', body: () => signupBody({ kind: 'company' }), status: 400, field: 'body.kind' },
    { what: 'an unexpected field', body: () => signupBody({ status: 'active' }), status: 400, field: 'body' },
    { what: 'a JSON array', body: () => [signupBody()], status: 400 },
    { what: 'JSON null', body: () => null, status: 400 },
  ])('refuses $what with a problem and writes nothing', async ({ body, status, field }) => {
    const before = (await scanTable(harness)).length;
    const response = await signup(body());
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    if (field) expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await scanTable(harness)).length).toBe(before);
  });

  it('refuses a 2 MB body and a body that is not JSON, writing nothing', async () => {
    const before = (await scanTable(harness)).length;
    const huge = await signup(
      undefined,
      undefined,
      JSON.stringify(signupBody({ name: 'x'.repeat(2 * 1024 * 1024) })),
    );
    expect(huge.status).toBe(413);
    const broken = await signup(undefined, undefined, '{"name": "City of Joensuu",');
    expect(broken.status).toBe(400);
    const form = await call(harness, undefined, 'POST', '/v1/signup', {
      raw: 'name=City',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect([400, 415]).toContain(form.status);
    expect((await scanTable(harness)).length).toBe(before);
  });

  it('limits signups per source address, telling the caller when to retry', async () => {
    const address = '203.0.113.7';
    for (let i = 0; i < 5; i++) expect((await signup(signupBody(), address)).status).toBe(201);
    const sixth = await signup(signupBody(), address);
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(sixth.body.type).toBe('https://polku.fi/problems/too-many-requests');
    expect((await signup(signupBody(), '203.0.113.8')).status).toBe(201);
  });

  it('limits attempts per business id, from whatever address: sign up, rejected, again…', async () => {
    const body = signupBody();
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await signup(body);
      expect(response.status).toBe(201);
      expect((await operatorAct(response.body.tenant.id, 'reject', 'Not the municipality')).status).toBe(200);
    }
    const fourth = await signup(body);
    expect(fourth.status).toBe(429);
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('does not let a refusal for its address use up the business id’s allowance', async () => {
    const address = '203.0.113.99';
    for (let i = 0; i < 5; i++) expect((await signup(signupBody(), address)).status).toBe(201);
    const body = signupBody();
    for (let i = 0; i < 4; i++) expect((await signup(body, address)).status).toBe(429);
    expect((await signup(body)).status).toBe(201);
  });
});

describe('operators', () => {
  it('approve a signup, after which its administrator gets a token and creates a partner client', async () => {
    const { tenant, client } = (await signup(signupBody())).body;
    const activated = await operatorAct(tenant.id, 'activate', 'Agreement signed');
    expect(activated.status).toBe(200);
    expect(activated.body.status).toBe('active');
    expect(activated.body.history.at(-1)).toMatchObject({
      action: 'activate',
      status: 'active',
      reason: 'Agreement signed',
      by: harness.operator.clientId,
    });
    const admin = await tokenOf(client);
    const organisation = (
      await call(harness, admin, 'POST', '/v1/organisations', { body: organisationBody('KASKI') })
    ).body;
    const partner = await call(harness, admin, 'POST', '/v1/clients', {
      body: { name: 'KASKI case system', role: 'partner', organisationId: organisation.id },
    });
    expect(partner.status).toBe(201);
    const partnerToken = await tokenOf(partner.body);
    expect((await call(harness, partnerToken, 'GET', '/v1/organisations')).status).toBe(200);
    expect((await call(harness, partnerToken, 'GET', '/v1/participants')).status).toBe(403);
  });

  it('reject a signup that is not the organisation it claims, freeing the business id for the real one', async () => {
    const body = signupBody({ name: 'Not really Joensuu' });
    const squatter = (await signup(body)).body;
    const rejected = await operatorAct(squatter.tenant.id, 'reject', 'Contact could not confirm the signup');
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('rejected');
    const token = await requestToken(harness, squatter.client);
    expect(token.status).toBe(403);
    expect(token.body.tenantStatus).toBe('rejected');
    expect((await operatorAct(squatter.tenant.id, 'activate')).status).toBe(409);
    const real = await signup({ ...body, name: 'City of Joensuu' });
    expect(real.status).toBe(201);
    expect(real.body.tenant.id).not.toBe(squatter.tenant.id);
  });

  it('list tenants newest first, by status, a page at a time', async () => {
    const token = await operator();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await signup(signupBody())).body.tenant.id);
    await operatorAct(ids[1]!, 'suspend', 'Fraudulent signup');
    const pending = await call(harness, token, 'GET', '/v1/admin/tenants?status=pending&limit=100');
    expect(pending.body.items.every((t: { status: string }) => t.status === 'pending')).toBe(true);
    expect(pending.body.items.map((t: { id: string }) => t.id)).toEqual(
      expect.arrayContaining([ids[0], ids[2]]),
    );
    const suspended = await call(harness, token, 'GET', '/v1/admin/tenants?status=suspended');
    expect(suspended.body.items.map((t: { id: string }) => t.id)).toContain(ids[1]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const path = `/v1/admin/tenants?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await call(
        harness,
        token,
        'GET',
        path,
      );
      seen.push(...page.body.items.map((t) => t.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort().reverse());
    expect(seen).toEqual(expect.arrayContaining(ids));
  });

  it('keep every status change with its reason, and refuse a change the status does not allow', async () => {
    const { id } = await activeTenant();
    expect((await operatorAct(id, 'suspend', 'Unpaid invoice')).status).toBe(200);
    const again = await operatorAct(id, 'suspend', 'twice');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      status: 409,
      tenantStatus: 'suspended',
      allowedActions: ['reactivate'],
    });
    const back = await operatorAct(id, 'reactivate', 'Invoice paid');
    expect(back.body.history.map((h: { action: string; reason?: string }) => [h.action, h.reason])).toEqual([
      ['signup', undefined],
      ['activate', 'checked'],
      ['suspend', 'Unpaid invoice'],
      ['reactivate', 'Invoice paid'],
    ]);
  });

  it('need If-Match and a reason to change a status', async () => {
    const { tenant } = (await signup(signupBody())).body;
    const token = await operator();
    const path = `/v1/admin/tenants/${tenant.id}/activate`;
    expect((await call(harness, token, 'POST', path, { body: { reason: 'ok' } })).status).toBe(428);
    const stale = await call(harness, token, 'POST', path, {
      body: { reason: 'ok' },
      headers: { 'If-Match': '"9"' },
    });
    expect(stale.status).toBe(412);
    const noReason = await call(harness, token, 'POST', path, { body: {}, headers: { 'If-Match': '"1"' } });
    expect(noReason.status).toBe(400);
  });

  it('see tenant metadata but nothing inside a tenant', async () => {
    const token = await operator();
    for (const path of [
      '/v1/participants',
      '/v1/organisations',
      '/v1/programmes',
      '/v1/clients',
      '/v1/tenant',
    ]) {
      expect((await call(harness, token, 'GET', path)).status, path).toBe(403);
    }
  });

  it('are the only ones who may operate tenants', async () => {
    const { admin } = await activeTenant();
    const token = await tokenOf(admin);
    expect((await call(harness, token, 'GET', '/v1/admin/tenants')).status).toBe(403);
  });

  it('sign in with the credentials of the platform secret only', async () => {
    expect((await requestToken(harness, { ...harness.operator, clientSecret: 'guess' })).status).toBe(401);
    expect((await requestToken(harness, { clientId: 'operator.nobody', clientSecret: 'x' })).status).toBe(
      401,
    );
  });

  it('suspend a tenant, and its tokens already issued stop working within a minute', async () => {
    const { id, admin } = await activeTenant();
    const token = await tokenOf(admin);
    expect((await call(harness, token, 'GET', '/v1/tenant')).status).toBe(200);
    await operatorAct(id, 'suspend', 'Contract ended');
    clock.advance(31);
    const refused = await call(harness, token, 'GET', '/v1/tenant');
    expect(refused.status).toBe(403);
    expect(refused.body.type).toBe('https://polku.fi/problems/tenant-not-active');
    expect((await requestToken(harness, admin)).status).toBe(403);
    await operatorAct(id, 'reactivate', 'Contract renewed');
    clock.advance(31);
    expect((await call(harness, token, 'GET', '/v1/tenant')).status).toBe(200);
  });
});

describe('API clients', () => {
  // Tests move the clock past token lifetimes: each takes a fresh administrator token.
  let admin: string;
  let adminCredentials: Credentials;
  let organisationId: string;

  beforeAll(async () => {
    adminCredentials = (await activeTenant()).admin;
    admin = await tokenOf(adminCredentials);
    organisationId = (
      await created(
        (method, path, options) => call(harness, admin, method, path, options),
        '/v1/organisations',
        organisationBody(),
      )
    ).id;
  });

  beforeEach(async () => {
    admin = await tokenOf(adminCredentials);
  });

  const createClient = (body: unknown, headers: Record<string, string> = {}) =>
    call(harness, admin, 'POST', '/v1/clients', { body, headers });

  it('are created with a role, partners with their organisation, and listed without secrets', async () => {
    const coach = await createClient({ name: 'Scheduling script', role: 'coach' });
    expect(coach.status).toBe(201);
    expect(coach.headers.get('location')).toBe(`/v1/clients/${coach.body.id}`);
    const list = await call(harness, admin, 'GET', '/v1/clients?limit=100');
    const listed = list.body.items.find((c: { id: string }) => c.id === coach.body.id);
    expect(listed).toMatchObject({ name: 'Scheduling script', role: 'coach', status: 'active' });
    expect(JSON.stringify(list.body)).not.toMatch(/secret"|secretHash|scrypt/i);
    const token = await tokenOf(coach.body);
    expect((await call(harness, token, 'GET', '/v1/participants')).status).toBe(200);
  });

  it.each([
    { what: 'a partner without an organisation', body: { name: 'x', role: 'partner' } },
    {
      what: 'a coach with an organisation',
      body: { name: 'x', role: 'coach', organisationId: '01KAQ4T0Z8X2N5W7P9R3M6B1CD' },
    },
    {
      what: 'a partner of an unknown organisation',
      body: { name: 'x', role: 'partner', organisationId: '01KAQ4T0Z8X2N5W7P9R3M6B1CD' },
    },
    { what: 'the platform role', body: { name: 'x', role: 'platform_admin' } },
  ])('refuse $what', async ({ body }) => {
    const response = await createClient(body);
    expect(response.status).toBe(400);
    expect(response.body.errors.length).toBeGreaterThan(0);
  });

  it('never replay a secret: a retried creation returns the client without it, and the table never holds it', async () => {
    const headers = { 'Idempotency-Key': `client-${Date.now()}` };
    const body = { name: 'KASKI', role: 'partner', organisationId };
    const first = await createClient(body, headers);
    const retry = await createClient(body, headers);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.body.clientSecret).toBeUndefined();
    expect(JSON.stringify(await scanTable(harness))).not.toContain(first.body.clientSecret);
  });

  it('rotate: the new secret works at once and the old one until the grace period ends', async () => {
    const client = (await createClient({ name: 'Rotating', role: 'analyst' })).body;
    const rotated = await call(harness, admin, 'POST', `/v1/clients/${client.id}/rotate-secret`, {
      body: { graceSeconds: 3600 },
      headers: { 'If-Match': '"1"' },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.clientSecret).not.toBe(client.clientSecret);
    expect(rotated.body.previousSecretExpiresAt).toBe(
      new Date(clock.now().getTime() + 3600_000).toISOString(),
    );
    const fresh = { clientId: client.clientId, clientSecret: rotated.body.clientSecret };
    expect((await requestToken(harness, fresh)).status).toBe(200);
    expect((await requestToken(harness, client)).status).toBe(200);
    clock.advance(3601);
    expect((await requestToken(harness, client)).status).toBe(401);
    expect((await requestToken(harness, fresh)).status).toBe(200);
  });

  it('rotate with no grace period ends the old secret at once, and a rotation needs If-Match', async () => {
    const client = (await createClient({ name: 'Leaked', role: 'coach' })).body;
    const path = `/v1/clients/${client.id}/rotate-secret`;
    expect((await call(harness, admin, 'POST', path, { body: { graceSeconds: 0 } })).status).toBe(428);
    const rotated = await call(harness, admin, 'POST', path, {
      body: { graceSeconds: 0 },
      headers: { 'If-Match': '"1"' },
    });
    expect(rotated.status).toBe(200);
    expect((await requestToken(harness, client)).status).toBe(401);
    expect(
      (
        await call(harness, admin, 'POST', path, {
          body: { graceSeconds: 0 },
          headers: { 'If-Match': '"1"' },
        })
      ).status,
    ).toBe(412);
  });

  it('revoke: no new token, and tokens already issued stop working within a minute', async () => {
    const client = (await createClient({ name: 'Retired system', role: 'coach' })).body;
    const token = await tokenOf(client);
    const revoked = await call(harness, admin, 'POST', `/v1/clients/${client.id}/revoke`, {
      body: { reason: 'System retired' },
      headers: { 'If-Match': '"1"' },
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: 'revoked', revokedReason: 'System retired' });
    expect((await requestToken(harness, client)).status).toBe(401);
    clock.advance(31);
    const refused = await call(harness, token, 'GET', '/v1/participants');
    expect(refused.status).toBe(401);
    const again = await call(harness, admin, 'POST', `/v1/clients/${client.id}/revoke`, {
      headers: { 'If-Match': '"2"' },
    });
    expect(again.status).toBe(409);
  });

  it('are managed by the tenant administrator only', async () => {
    const coach = (await createClient({ name: 'Coach', role: 'coach' })).body;
    const token = await tokenOf(coach);
    expect((await call(harness, token, 'GET', '/v1/clients')).status).toBe(403);
    expect(
      (await call(harness, token, 'POST', '/v1/clients', { body: { name: 'me too', role: 'tenant_admin' } }))
        .status,
    ).toBe(403);
  });
});
