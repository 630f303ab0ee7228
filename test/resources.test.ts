/** What every resource keeps: validation, roles, tenant isolation, idempotency, If-Match, paging. */
import { beforeAll, describe, expect, it } from 'vitest';
import { created, organisationBody } from './support/fixtures.ts';
import { createHarness, createTestTenant, type Harness, type TestTenant } from './support/harness.ts';

let harness: Harness;
let tenant: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  harness = await createHarness();
  tenant = await createTestTenant(harness);
  other = await createTestTenant(harness);
});

const cases = [
  {
    path: '/v1/organisations',
    valid: () => organisationBody(),
    invalid: { name: 'x'.repeat(201), kind: 'bakery', businessId: '0201256-5' },
    invalidFields: ['body.name', 'body.kind', 'body.businessId'],
    patch: { municipality: 'Kontiolahti' },
  },
  {
    path: '/v1/funding-projects',
    valid: () => ({
      code: 'S20168',
      name: 'Ohjaamo 2.0',
      priorityAxis: '3. Employment and labour mobility',
      specificObjective: '6.1',
      periodStart: '2024-01-01',
      periodEnd: '2026-12-31',
    }),
    invalid: {
      code: 's-1',
      name: '',
      priorityAxis: 3,
      specificObjective: 'x',
      periodStart: '2024-02-30',
      periodEnd: '2024',
    },
    invalidFields: ['body.code', 'body.name', 'body.priorityAxis', 'body.periodStart', 'body.periodEnd'],
    patch: { name: 'Ohjaamo 3.0' },
  },
] as const;

describe.each(cases)('$path', (resource) => {
  it('creates, reads with an ETag and lists', async () => {
    const admin = tenant.as('tenant_admin');
    const response = await admin('POST', resource.path, { body: resource.valid() });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`${resource.path}/${response.body.id}`);
    expect(response.headers.get('etag')).toBe('"1"');
    const read = await admin('GET', `${resource.path}/${response.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(response.body);
    const list = await admin('GET', resource.path);
    expect(list.body.items.map((item: { id: string }) => item.id)).toContain(response.body.id);
  });

  it('names every invalid field and writes nothing', async () => {
    const admin = tenant.as('tenant_admin');
    const before = (await admin('GET', `${resource.path}?limit=100`)).body.items.length;
    const response = await admin('POST', resource.path, { body: resource.invalid });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const fields = response.body.errors.map((error: { field: string }) => error.field);
    for (const field of resource.invalidFields) expect(fields).toContain(field);
    expect((await admin('GET', `${resource.path}?limit=100`)).body.items.length).toBe(before);
  });

  it('refuses unknown fields and missing ones', async () => {
    const admin = tenant.as('tenant_admin');
    const unknown = await admin('POST', resource.path, { body: { ...resource.valid(), isAdmin: true } });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body.errors)).toContain('isAdmin');
    const missing = await admin('POST', resource.path, { body: {} });
    expect(missing.status).toBe(400);
  });

  it("hides another tenant's resource behind 404, as if absent", async () => {
    const mine = await created(tenant.as('tenant_admin'), resource.path, resource.valid());
    const theirs = await other.as('tenant_admin')('GET', `${resource.path}/${mine.id}`);
    const absent = await other.as('tenant_admin')('GET', `${resource.path}/01KAQ4T0Z8X2N5W7P9R3M6B1CD`);
    expect(theirs.status).toBe(404);
    expect(absent.status).toBe(404);
    expect(theirs.body.title).toBe(absent.body.title);
    const patch = await other.as('tenant_admin')('PATCH', `${resource.path}/${mine.id}`, {
      body: resource.patch,
      headers: { 'If-Match': '"1"' },
    });
    expect(patch.status).toBe(404);
  });

  it('replays a retried POST with the same Idempotency-Key and refuses the key for another body', async () => {
    const admin = tenant.as('tenant_admin');
    const key = `retry${resource.path.replaceAll('/', '-')}`;
    const first = await admin('POST', resource.path, {
      body: resource.valid(),
      headers: { 'Idempotency-Key': key },
    });
    const retry = await admin('POST', resource.path, {
      body: resource.valid(),
      headers: { 'Idempotency-Key': key },
    });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const list = (await admin('GET', `${resource.path}?limit=100`)).body.items;
    expect(list.filter((item: { id: string }) => item.id === first.body.id)).toHaveLength(1);
    const changed = await admin('POST', resource.path, {
      body: { ...resource.valid(), name: 'Something else' },
      headers: { 'Idempotency-Key': key },
    });
    expect(changed.status).toBe(422);
  });

  it('updates with If-Match and refuses a stale or missing one', async () => {
    const admin = tenant.as('tenant_admin');
    const resourceBody = await created(admin, resource.path, resource.valid());
    const url = `${resource.path}/${resourceBody.id}`;
    const missing = await admin('PATCH', url, { body: resource.patch });
    expect(missing.status).toBe(428);
    const updated = await admin('PATCH', url, { body: resource.patch, headers: { 'If-Match': '"1"' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ ...resource.patch, version: 2 });
    expect(updated.headers.get('etag')).toBe('"2"');
    const stale = await admin('PATCH', url, { body: resource.patch, headers: { 'If-Match': '"1"' } });
    expect(stale.status).toBe(412);
  });
});

describe('paging', () => {
  it('walks a list page by page without gaps or duplicates', async () => {
    const fresh = await createTestTenant(harness);
    const admin = fresh.as('tenant_admin');
    const ids = new Set<string>();
    for (let i = 0; i < 23; i++)
      ids.add((await created(admin, '/v1/organisations', organisationBody(`Org ${i}`))).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/organisations?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await admin('GET', url);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item: { id: string }) => item.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(23);
    expect(new Set(seen)).toEqual(ids);
  });

  it('refuses a tampered cursor, one from another tenant, and one from another list', async () => {
    const admin = tenant.as('tenant_admin');
    for (let i = 0; i < 3; i++) await created(admin, '/v1/organisations', organisationBody(`Paged ${i}`));
    const { nextCursor } = (await admin('GET', '/v1/organisations?limit=1')).body;
    expect(nextCursor).toEqual(expect.any(String));
    const [data, signature] = nextCursor.split('.');
    const payload = JSON.parse(Buffer.from(data, 'base64url').toString());
    payload.t = other.id;
    const tampered = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
    expect((await admin('GET', `/v1/organisations?cursor=${tampered}`)).status).toBe(400);
    expect((await other.as('tenant_admin')('GET', `/v1/organisations?cursor=${nextCursor}`)).status).toBe(
      400,
    );
    expect((await admin('GET', `/v1/funding-projects?cursor=${nextCursor}`)).status).toBe(400);
    expect((await admin('GET', '/v1/organisations?cursor=garbage')).status).toBe(400);
  });
});
