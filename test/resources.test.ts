/**
 * What every resource keeps, resource by resource: validation that names each bad field and writes
 * nothing, roles (401/403), tenant isolation (404), idempotent retry, If-Match, and paging.
 */
import type { Role } from '@polku/auth';
import { beforeAll, describe, expect, it } from 'vitest';
import { created, organisationBody, participantBody, smallGroupProgramme } from './support/fixtures.ts';
import { call, createHarness, createTestTenant, type Harness, type TestTenant } from './support/harness.ts';

let harness: Harness;
let tenant: TestTenant;
let other: TestTenant;
/** An organisation, a small-group programme, a group and a participant of `tenant`. */
const ctx: Record<'organisation' | 'programme' | 'group' | 'participant', { id: string }> = {} as never;

beforeAll(async () => {
  harness = await createHarness();
  tenant = await createTestTenant(harness);
  other = await createTestTenant(harness);
  const admin = tenant.as('tenant_admin');
  Object.assign(ctx, await smallGroupProgramme(admin));
  ctx.group = await created(admin, `/v1/programmes/${ctx.programme.id}/groups`, { name: 'Tuesdays' });
  ctx.participant = await created(admin, '/v1/participants', participantBody());
});

type Body = Record<string, unknown>;

interface ResourceCase {
  name: string;
  /** Where POST creates one. */
  path: () => string;
  /** The list that shows what was created (defaults to `path`). */
  list?: () => string;
  /** GET of one; absent where the resource is only listed. */
  item?: (id: string) => string;
  writer: Role;
  /** A role of the same tenant that may not create it. */
  outsider: Role;
  valid: () => Body | Promise<Body>;
  /** The same request with one field changed, for the reused Idempotency-Key. */
  changed: (body: Body) => Body;
  invalid: () => Body;
  invalidFields: string[];
  /** The write that needs If-Match: a PATCH body, or a state change. */
  guarded?: { method: string; path: (id: string) => string; body: Body };
}

const long = (n: number) => 'x'.repeat(n);

const cases: ResourceCase[] = [
  {
    name: 'organisations',
    path: () => '/v1/organisations',
    item: (id) => `/v1/organisations/${id}`,
    writer: 'tenant_admin',
    outsider: 'coach',
    valid: () => organisationBody(),
    changed: (body) => ({ ...body, name: 'Something else' }),
    invalid: () => ({ name: long(201), kind: 'bakery', businessId: '0201256-5' }),
    invalidFields: ['body.name', 'body.kind', 'body.businessId'],
    guarded: {
      method: 'PATCH',
      path: (id) => `/v1/organisations/${id}`,
      body: { municipality: 'Kontiolahti' },
    },
  },
  {
    name: 'funding projects',
    path: () => '/v1/funding-projects',
    item: (id) => `/v1/funding-projects/${id}`,
    writer: 'tenant_admin',
    outsider: 'analyst',
    valid: () => ({
      code: 'S20168',
      name: 'Ohjaamo 2.0',
      priorityAxis: '3. Employment and labour mobility',
      specificObjective: '6.1',
      periodStart: '2024-01-01',
      periodEnd: '2026-12-31',
    }),
    changed: (body) => ({ ...body, name: 'Ohjaamo 3.0' }),
    invalid: () => ({
      code: 's-1',
      name: '',
      priorityAxis: 3,
      specificObjective: long(301),
      periodStart: '2024-02-30',
      periodEnd: '2024',
    }),
    invalidFields: [
      'body.code',
      'body.name',
      'body.priorityAxis',
      'body.specificObjective',
      'body.periodStart',
      'body.periodEnd',
    ],
    guarded: { method: 'PATCH', path: (id) => `/v1/funding-projects/${id}`, body: { name: 'Renamed' } },
  },
  {
    name: 'programmes',
    path: () => '/v1/programmes',
    item: (id) => `/v1/programmes/${id}`,
    writer: 'tenant_admin',
    outsider: 'coach',
    valid: () => ({ templateId: 'career-planning', organisationId: ctx.organisation.id }),
    changed: (body) => ({ ...body, name: 'Another name' }),
    invalid: () => ({
      templateId: 'yoga',
      organisationId: 'not-an-id',
      startDate: '2026-13-01',
      name: long(201),
    }),
    invalidFields: ['body.templateId', 'body.organisationId', 'body.startDate', 'body.name'],
    guarded: { method: 'PATCH', path: (id) => `/v1/programmes/${id}`, body: { name: 'Renamed' } },
  },
  {
    name: 'groups',
    path: () => `/v1/programmes/${ctx.programme.id}/groups`,
    item: (id) => `/v1/programmes/${ctx.programme.id}/groups/${id}`,
    writer: 'coach',
    outsider: 'partner',
    valid: () => ({ name: 'Thursdays', meetingDays: ['TH'] }),
    changed: (body) => ({ ...body, name: 'Fridays' }),
    invalid: () => ({ name: long(201), capacity: 0, meetingDays: ['XX'] }),
    invalidFields: ['body.name', 'body.capacity', 'body.meetingDays.0'],
    guarded: {
      method: 'PATCH',
      path: (id) => `/v1/programmes/${ctx.programme.id}/groups/${id}`,
      body: { leaderName: 'Leader' },
    },
  },
  {
    name: 'participants',
    path: () => '/v1/participants',
    item: (id) => `/v1/participants/${id}`,
    writer: 'coach',
    outsider: 'analyst',
    valid: () => participantBody(),
    changed: (body) => ({ ...body, firstName: 'Eetu' }),
    invalid: () => ({
      firstName: long(101),
      lastName: 5,
      birthDate: '1999-02-30',
      municipality: '',
      identityCode: '040599-913A',
      esf: { gender: 'other', labourMarketStatus: 'unemployed', iscedLevel: 9 },
    }),
    invalidFields: [
      'body.firstName',
      'body.lastName',
      'body.birthDate',
      'body.municipality',
      'body.identityCode',
      'body.esf.gender',
      'body.esf.iscedLevel',
    ],
    guarded: { method: 'PATCH', path: (id) => `/v1/participants/${id}`, body: { municipality: 'Ii' } },
  },
  {
    name: 'milestones',
    path: () => `/v1/participants/${ctx.participant.id}/milestones`,
    writer: 'coach',
    outsider: 'partner',
    valid: () => ({ kind: 'job-application', date: '2026-10-01', title: 'Warehouse worker' }),
    changed: (body) => ({ ...body, title: 'Bus driver' }),
    invalid: () => ({ kind: 'promotion', date: '2026-10-32', title: long(201) }),
    invalidFields: ['body.kind', 'body.date', 'body.title'],
  },
  {
    name: 'enrolments',
    path: () => '/v1/enrolments',
    list: () => `/v1/enrolments?programmeId=${ctx.programme.id}`,
    item: (id) => `/v1/enrolments/${id}`,
    writer: 'coach',
    outsider: 'analyst',
    valid: async () => {
      const participant = await created(tenant.as('coach'), '/v1/participants', participantBody());
      return { participantId: participant.id, programmeId: ctx.programme.id, coachId: 'coach-1' };
    },
    changed: (body) => ({ ...body, coachId: 'coach-2' }),
    invalid: () => ({
      participantId: 'x',
      programmeId: 5,
      coachId: '',
      stage: 'graduated',
      date: '2026-02-30',
    }),
    invalidFields: ['body.participantId', 'body.programmeId', 'body.coachId', 'body.stage', 'body.date'],
    guarded: { method: 'POST', path: (id) => `/v1/enrolments/${id}/stage`, body: { stage: 'waitlisted' } },
  },
  {
    name: 'sessions',
    path: () => '/v1/sessions',
    list: () => `/v1/sessions?groupId=${ctx.group.id}`,
    item: (id) => `/v1/sessions/${id}`,
    writer: 'coach',
    outsider: 'analyst',
    valid: () => ({
      programmeId: ctx.programme.id,
      groupId: ctx.group.id,
      kind: 'group-coaching',
      startsAt: '2026-10-06T07:00:00Z',
      durationMinutes: 120,
    }),
    changed: (body) => ({ ...body, durationMinutes: 90 }),
    invalid: () => ({
      programmeId: ctx.programme.id,
      kind: 'party',
      startsAt: 'tomorrow',
      durationMinutes: 1,
      title: long(201),
    }),
    invalidFields: ['body.kind', 'body.startsAt', 'body.durationMinutes', 'body.title'],
  },
];

const ids = (page: { items: { id: string }[] }) => page.items.map((item) => item.id);

describe.each(cases)('$name', (resource) => {
  const list = () => resource.list?.() ?? resource.path();
  const listAll = async () =>
    (await tenant.as(resource.writer)('GET', `${list()}${list().includes('?') ? '&' : '?'}limit=100`)).body;

  it('creates, reads with an ETag and lists', async () => {
    const writer = tenant.as(resource.writer);
    const response = await writer('POST', resource.path(), { body: await resource.valid() });
    expect(response.status).toBe(201);
    expect(response.headers.get('etag')).toBe('"1"');
    if (resource.item) {
      expect(response.headers.get('location')).toBe(resource.item(response.body.id));
      const read = await writer('GET', resource.item(response.body.id));
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toBe('"1"');
      expect(read.body).toEqual(response.body);
    }
    expect(ids(await listAll())).toContain(response.body.id);
  });

  it('names every invalid field, including oversized strings and impossible dates, and writes nothing', async () => {
    const before = ids(await listAll());
    const response = await tenant.as(resource.writer)('POST', resource.path(), { body: resource.invalid() });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const fields = response.body.errors.map((error: { field: string }) => error.field);
    for (const field of resource.invalidFields) expect(fields).toContain(field);
    expect(ids(await listAll())).toEqual(before);
  });

  it('refuses unknown fields, missing fields and wrong types', async () => {
    const writer = tenant.as(resource.writer);
    const unknown = await writer('POST', resource.path(), {
      body: { ...(await resource.valid()), isAdmin: true },
    });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body.errors)).toContain('isAdmin');
    expect((await writer('POST', resource.path(), { body: {} })).status).toBe(400);
    expect((await writer('POST', resource.path(), { body: [] })).status).toBe(400);
    expect((await writer('POST', resource.path(), { body: 'a string' })).status).toBe(400);
  });

  it('answers 401 without a token and 403 to a role without the right, writing nothing', async () => {
    expect((await call(harness, undefined, 'GET', list())).status).toBe(401);
    expect(
      (await call(harness, undefined, 'POST', resource.path(), { body: await resource.valid() })).status,
    ).toBe(401);
    const before = ids(await listAll());
    const refused = await tenant.as(resource.outsider)('POST', resource.path(), {
      body: await resource.valid(),
    });
    expect(refused.status).toBe(403);
    expect(ids(await listAll())).toEqual(before);
  });

  it("hides another tenant's records behind 404, as if absent", async () => {
    const mine = await created(tenant.as(resource.writer), resource.path(), await resource.valid());
    const intruder = other.as('tenant_admin');
    const target = resource.item?.(mine.id) ?? list();
    const theirs = await intruder('GET', target);
    expect(theirs.status).toBe(404);
    expect(theirs.body.title).toBe('Not found');
    if (resource.guarded) {
      const { method, path, body } = resource.guarded;
      const write = await intruder(method, path(mine.id), { body, headers: { 'If-Match': '"1"' } });
      expect(write.status).toBe(404);
    }
    if (resource.list) expect(ids((await intruder('GET', list())).body)).not.toContain(mine.id);
  });

  it('replays a retried POST with the same Idempotency-Key and refuses the key for another body', async () => {
    const writer = tenant.as(resource.writer);
    const body = await resource.valid();
    const headers = { 'Idempotency-Key': `retry-${resource.name.replaceAll(' ', '-')}` };
    const first = await writer('POST', resource.path(), { body, headers });
    const retry = await writer('POST', resource.path(), { body, headers });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(ids(await listAll()).filter((id) => id === first.body.id)).toHaveLength(1);
    const reused = await writer('POST', resource.path(), { body: resource.changed(body), headers });
    expect(reused.status).toBe(422);
  });

  it('pages through the list without gaps or duplicates', async () => {
    const writer = tenant.as(resource.writer);
    for (let i = 0; i < 5; i++) await created(writer, resource.path(), await resource.valid());
    const everything = ids(await listAll());
    expect(everything.length).toBeGreaterThanOrEqual(5);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `${list()}${list().includes('?') ? '&' : '?'}limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await writer('GET', url);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...ids(page.body));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(everything);
  });
});

describe.each(cases.filter((resource) => resource.guarded))(
  '$name: writes guarded by If-Match',
  (resource) => {
    it('changes with If-Match and refuses a stale or missing one', async () => {
      const { method, path, body } = resource.guarded!;
      const writer = tenant.as(resource.writer);
      const mine = await created(writer, resource.path(), await resource.valid());
      expect((await writer(method, path(mine.id), { body })).status).toBe(428);
      const changed = await writer(method, path(mine.id), { body, headers: { 'If-Match': '"1"' } });
      expect(changed.status).toBe(200);
      expect(changed.body.version).toBe(2);
      expect(changed.headers.get('etag')).toBe('"2"');
      const stale = await writer(method, path(mine.id), { body, headers: { 'If-Match': '"1"' } });
      expect(stale.status).toBe(412);
    });
  },
);

describe('cursors', () => {
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

  it('binds a cursor to its filter: a programme cursor does not page another programme', async () => {
    const coach = tenant.as('coach');
    for (let i = 0; i < 3; i++) {
      await created(coach, `/v1/programmes/${ctx.programme.id}/groups`, { name: `Paged group ${i}` });
    }
    const { nextCursor } = (await coach('GET', `/v1/programmes/${ctx.programme.id}/groups?limit=1`)).body;
    const another = await created(tenant.as('tenant_admin'), '/v1/programmes', {
      templateId: 'small-group-coaching',
      organisationId: ctx.organisation.id,
    });
    const misused = await coach('GET', `/v1/programmes/${another.id}/groups?cursor=${nextCursor}`);
    expect(misused.status).toBe(400);
  });
});
