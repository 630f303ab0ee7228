/**
 * Least exposure of the sensitive ESF characteristics (disability, minority, third-country national,
 * foreign background, homeless), driven by the OpenAPI document like the isolation matrix. People
 * with all five go through everything a partner or an analyst can reach; then every route either
 * may call is called as both, and no answer shows a person's value. Of the coaches, only the one
 * responsible for a person is shown them.
 */
import type { Role } from '@polku/auth';
import { schemas } from '@polku/domain';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectEveryone } from '../functions/api/src/metrics/reconcile.ts';
import { created, fundedGroupProgramme, outcomeBody, participantBody } from './support/fixtures.ts';
import {
  type Caller,
  type Credentials,
  call,
  createHarness,
  createTestTenant,
  type Harness,
  requestToken,
  type TestResponse,
  type TestTenant,
} from './support/harness.ts';
import { type OpenApiDocument, type Route, routesOf } from './support/openapi.ts';

const SENSITIVE: readonly string[] = schemas.SENSITIVE_ESF_FIELDS;
const ALL_FIVE = Object.fromEntries(SENSITIVE.map((field) => [field, true]));
const esfWithAllFive = {
  gender: 'woman',
  labourMarketStatus: 'unemployed',
  unemployedSince: '2025-01-01',
  iscedLevel: 2,
  ...ALL_FIVE,
  rural: true,
};

/**
 * Where a body shows one person's sensitive characteristic. A person's value is a yes or no under
 * one of the five names, or any value under them in an `esf` object or beside a `participantId`.
 * Aggregates are allowed and look different: the ESF+ report names an indicator as a value
 * (`"indicator": "disability"`) and counts it in numbers or cells, never in a boolean; its CSV is
 * text, counts only.
 */
function sensitiveValuesIn(value: unknown, path = '$', ofPerson = false): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => sensitiveValuesIn(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const object = value as Record<string, unknown>;
  const person = ofPerson || 'participantId' in object;
  return Object.entries(object).flatMap(([key, inner]) => [
    ...(SENSITIVE.includes(key) && (person || typeof inner === 'boolean') ? [`${path}.${key}`] : []),
    ...sensitiveValuesIn(inner, `${path}.${key}`, key === 'esf'),
  ]);
}

let harness: Harness;
let tenant: TestTenant;
let document: OpenApiDocument;
let admin: Caller;
let coach: Caller;
let partner: Caller;
let otherCoach: Caller;
const w = {
  x: { id: '' },
  y: { id: '' },
  project: { id: '' },
  programme: { id: '' },
  group: { id: '' },
  people: [] as { id: string }[],
  enrolments: [] as { id: string }[],
  session: { id: '' },
  consent: { id: '' },
  referral: { id: '' },
  meeting: { id: '' },
  action: { id: '' },
  outcome: { id: '' },
  webhook: { id: '' },
  /** The other coach's API client: its record, and its client id, which is its subject. */
  client: { id: '', clientId: '' },
};

async function callerOf(credentials: Credentials): Promise<Caller> {
  const token: string = (await requestToken(harness, credentials)).body.access_token;
  return (method, path, options) => call(harness, token, method, path, options);
}

const ifMatch = (resource: { version: number }) => ({ 'If-Match': `"${resource.version}"` });
const REASONED = new Set(['decline', 'hold', 'fail', 'cancel']);

/** An action on a referral, by whoever may take it. */
function act(as: Caller, referral: { id: string; version: number }, action: string): Promise<TestResponse> {
  return as('POST', `/v1/referrals/${referral.id}/${action}`, {
    body: REASONED.has(action) ? { reason: 'Sovittu puhelimessa' } : {},
    headers: ifMatch(referral),
  });
}

/** A referral of the first person from Y to the partner's organisation X, taken through the actions. */
async function referralToX(...actions: string[]) {
  let referral = await created(coach, '/v1/referrals', {
    participantId: w.people[0]!.id,
    fromOrganisationId: w.y.id,
    toOrganisationId: w.x.id,
    serviceKind: 'work-try-out',
    needsSummary: 'Haluaa kokeilla puutöitä; tarvitsee tukea aamuihin',
    desiredStart: '2026-12-01',
  });
  for (const action of actions) {
    const response = await act(partner, referral, action);
    if (response.status !== 200)
      throw new Error(`${action}: ${response.status} ${JSON.stringify(response.body)}`);
    referral = response.body;
  }
  return referral;
}

/** The partner's onward referral of the first person from X to Y. */
const onwardReferral = () => ({
  participantId: w.people[0]!.id,
  fromOrganisationId: w.x.id,
  toOrganisationId: w.y.id,
  serviceKind: 'work-try-out',
  needsSummary: 'Jatkaa työkokeilua Kaskella',
  desiredStart: '2026-12-15',
});

type Case = (as: Caller) => Promise<TestResponse[]>;
const get =
  (...paths: string[]): Case =>
  (as) =>
    Promise.all(paths.map((path) => as('GET', path)));

/**
 * How to call each route a partner or an analyst may call, with the tenant's real records: the
 * suite fails for a route without a case, so a route added for them is checked from the start.
 */
const cases = (): Record<string, Case> => ({
  'GET /v1/tenant': get('/v1/tenant'),
  'GET /v1/programme-templates': get('/v1/programme-templates'),
  'GET /v1/programme-templates/{templateId}': get('/v1/programme-templates/small-group-coaching'),
  'GET /v1/organisations': get('/v1/organisations?limit=100'),
  'GET /v1/organisations/{id}': get(`/v1/organisations/${w.x.id}`),
  'GET /v1/funding-projects': get('/v1/funding-projects'),
  'GET /v1/funding-projects/{id}': get(`/v1/funding-projects/${w.project.id}`),
  'GET /v1/programmes': get('/v1/programmes'),
  'GET /v1/programmes/{id}': get(`/v1/programmes/${w.programme.id}`),
  'GET /v1/programmes/{id}/groups': get(`/v1/programmes/${w.programme.id}/groups`),
  'GET /v1/programmes/{id}/groups/{groupId}': get(`/v1/programmes/${w.programme.id}/groups/${w.group.id}`),
  'POST /v1/referrals': async (as) => [await as('POST', '/v1/referrals', { body: onwardReferral() })],
  'GET /v1/referrals': get('/v1/referrals', '/v1/referrals?direction=outgoing'),
  'GET /v1/referrals/{id}': get(`/v1/referrals/${w.referral.id}`),
  'GET /v1/referrals/{id}/participant': get(`/v1/referrals/${w.referral.id}/participant`),
  'GET /v1/participants/{id}/referrals': get(`/v1/participants/${w.people[0]!.id}/referrals`),
  'POST /v1/referrals/{id}/accept': async (as) => [await act(as, await referralToX(), 'accept')],
  'POST /v1/referrals/{id}/decline': async (as) => [await act(as, await referralToX(), 'decline')],
  'POST /v1/referrals/{id}/start': async (as) => [await act(as, await referralToX('accept'), 'start')],
  'POST /v1/referrals/{id}/hold': async (as) => [await act(as, await referralToX('accept'), 'hold')],
  'POST /v1/referrals/{id}/resume': async (as) => [
    await act(as, await referralToX('accept', 'hold'), 'resume'),
  ],
  'POST /v1/referrals/{id}/complete': async (as) => [
    await act(as, await referralToX('accept', 'start'), 'complete'),
  ],
  'POST /v1/referrals/{id}/fail': async (as) => [await act(as, await referralToX('accept'), 'fail')],
  'POST /v1/referrals/{id}/cancel': async (as) => [
    await act(as, await created(partner, '/v1/referrals', onwardReferral()), 'cancel'),
  ],
  'GET /v1/network-meetings/{id}': get(`/v1/network-meetings/${w.meeting.id}`),
  'GET /v1/network-meetings/{id}/actions/{actionId}': get(
    `/v1/network-meetings/${w.meeting.id}/actions/${w.action.id}`,
  ),
  'PATCH /v1/network-meetings/{id}/actions/{actionId}': async (as) => {
    const path = `/v1/network-meetings/${w.meeting.id}/actions/${w.action.id}`;
    const current = (await partner('GET', path)).body;
    const body = { status: 'in-progress', notes: 'Aloituspäivä sovittu' };
    return [await as('PATCH', path, { body, headers: ifMatch(current) })];
  },
  'GET /v1/participants/{id}/network-meetings': get(`/v1/participants/${w.people[0]!.id}/network-meetings`),
  'GET /v1/organisations/{id}/actions': get(`/v1/organisations/${w.x.id}/actions`),
  'POST /v1/outcomes': async (as) => [
    await as('POST', '/v1/outcomes', { body: outcomeBody(w.people[0]!.id) }),
  ],
  'GET /v1/outcomes': get(`/v1/outcomes?participantId=${w.people[0]!.id}`),
  'GET /v1/outcomes/{id}': get(`/v1/outcomes/${w.outcome.id}`),
  'PATCH /v1/outcomes/{id}': async (as) => {
    const outcome = await created(partner, '/v1/outcomes', outcomeBody(w.people[0]!.id));
    const body = { hoursPerWeek: 20, reason: 'Tunnit vähenivät' };
    return [await as('PATCH', `/v1/outcomes/${outcome.id}`, { body, headers: ifMatch(outcome) })];
  },
  'POST /v1/outcomes/{id}/withdraw': async (as) => {
    const outcome = await created(partner, '/v1/outcomes', outcomeBody(w.people[0]!.id));
    const body = { reason: 'Kirjattu väärälle henkilölle' };
    return [await as('POST', `/v1/outcomes/${outcome.id}/withdraw`, { body, headers: ifMatch(outcome) })];
  },
  'GET /v1/metrics': get(
    '/v1/metrics',
    `/v1/metrics?scope=programme&id=${w.programme.id}`,
    `/v1/metrics?scope=funding-project&id=${w.project.id}`,
    `/v1/metrics?scope=organisation&id=${w.y.id}`,
  ),
  'GET /v1/reports/esf': async (as) => [
    await as('GET', `/v1/reports/esf?funding-project=${w.project.id}`),
    await as('GET', `/v1/reports/esf?funding-project=${w.project.id}`, { headers: { Accept: 'text/csv' } }),
  ],
});

/** Routes whose permission partners hold but that refuse them: they reach people through their organisation's lists. */
const REFUSED_TO_PARTNERS = new Set([
  'GET /v1/participants/{id}/referrals',
  'GET /v1/participants/{id}/network-meetings',
]);

const nameOf = (route: Route) => `${route.method} ${route.path}`;
const reachableBy = (route: Route, roles: readonly Role[]) =>
  roles.some((role) => route.roles?.includes(role));

/** A tenant whose people have all five, with everything a partner or an analyst can reach about them. */
async function buildTenant() {
  admin = tenant.as('tenant_admin');
  coach = tenant.as('coach');
  w.x = await created(admin, '/v1/organisations', { name: 'Honkalammen säätiö', kind: 'foundation' });
  w.y = await created(admin, '/v1/organisations', {
    name: 'Ohjaamo Ilomantsi',
    kind: 'one-stop-guidance-centre',
  });
  Object.assign(w, await fundedGroupProgramme(admin, coach, w.y.id));
  partner = await callerOf(
    await created(admin, '/v1/clients', {
      name: 'Honkalampi case system',
      role: 'partner',
      organisationId: w.x.id,
    }),
  );
  const another = await created(admin, '/v1/clients', { name: 'Toinen valmentaja', role: 'coach' });
  otherCoach = await callerOf(another);
  w.client = another;

  for (const [i, firstName] of ['Aada', 'Eino', 'Siiri'].entries()) {
    const person = await created(
      admin,
      '/v1/participants',
      participantBody({ firstName, esf: esfWithAllFive }),
    );
    w.people.push(person);
    // The tenant admin gives the coach the responsibility: a coach cannot take it.
    w.enrolments.push(
      await created(admin, '/v1/enrolments', {
        participantId: person.id,
        programmeId: w.programme.id,
        groupId: w.group.id,
        coachId: tenant.credentials.coach!.clientId,
        stage: 'active',
        date: `2026-0${i + 3}-02`,
      }),
    );
  }
  const leaving = w.enrolments[2] as { id: string; version: number };
  const left = await coach('POST', `/v1/enrolments/${leaving.id}/stage`, {
    body: { stage: 'completed', date: '2026-09-30' },
    headers: ifMatch(leaving),
  });
  expect(left.status).toBe(200);

  w.session = await created(coach, '/v1/sessions', {
    programmeId: w.programme.id,
    groupId: w.group.id,
    kind: 'group-coaching',
    startsAt: '2026-10-06T07:00:00Z',
    durationMinutes: 90,
  });
  const attendance = await coach('PUT', `/v1/sessions/${w.session.id}/attendance`, {
    body: { records: w.people.slice(0, 2).map((p) => ({ participantId: p.id, status: 'present' })) },
    headers: { 'If-Match': '"1"' },
  });
  expect(attendance.status).toBe(200);
  await created(coach, `/v1/participants/${w.people[0]!.id}/milestones`, {
    kind: 'skills-based-cv',
    date: '2026-10-08',
  });

  const first = w.people[0]!.id;
  w.consent = await created(coach, `/v1/participants/${first}/consents`, {
    covers: { scope: 'organisations', organisationIds: [w.x.id, w.y.id] },
    purpose: 'Työkokeilu ja sen seuranta',
    givenOn: '2026-10-01',
  });
  w.referral = await referralToX('accept');
  const meeting = await created(coach, '/v1/network-meetings', {
    participantId: first,
    date: '2026-10-12',
    organisationsPresent: [w.x.id, w.y.id],
    summary: 'Työkokeilu sovittu',
    actions: [{ description: 'Työkokeilun aloitus', ownerOrganisationId: w.x.id, dueDate: '2026-11-02' }],
  });
  w.meeting = meeting;
  w.action = meeting.actions[0];
  w.outcome = await created(partner, '/v1/outcomes', outcomeBody(first, { kind: 'work-try-out' }));
  await created(coach, '/v1/outcomes', outcomeBody(w.people[2]!.id, { enrolmentId: w.enrolments[2]!.id }));
  w.webhook = await created(admin, '/v1/webhooks', {
    organisationId: w.x.id,
    url: 'https://honkalampi.example/polku/webhooks',
    eventTypes: ['referral.created'],
  });
  await projectEveryone(harness.db, tenant.id, new Date());
}

beforeAll(async () => {
  harness = await createHarness();
  tenant = await createTestTenant(harness, { name: 'Ilomantsi employment area' });
  await buildTenant();
  document = (await call(harness, undefined, 'GET', '/v1/openapi.json')).body;
});

describe('a partner or an analyst is never shown a sensitive characteristic', () => {
  it('is what the check finds in a record that has them, and not in the ESF+ report that counts them', async () => {
    const record = await admin('GET', `/v1/participants/${w.people[0]!.id}`);
    expect(sensitiveValuesIn(record.body)).toHaveLength(5);
    const exported = await admin('GET', `/v1/participants/${w.people[0]!.id}/export`);
    expect(sensitiveValuesIn(exported.body).sort()).toEqual(
      SENSITIVE.map((field) => `$.participant.esf.${field}`).sort(),
    );
    const report = await admin('GET', `/v1/reports/esf?funding-project=${w.project.id}`);
    const disability = report.body.entry.find((row: { indicator: string }) => row.indicator === 'disability');
    expect(disability.total.value).toBe(3);
    expect(sensitiveValuesIn(report.body)).toEqual([]);
  });

  it('has a case for every route a partner or an analyst may call, and none for another', () => {
    const routes = routesOf(document).filter((route) => reachableBy(route, ['partner', 'analyst']));
    expect(routes.length).toBeGreaterThan(30);
    expect(Object.keys(cases()).sort()).toEqual(routes.map(nameOf).sort());
  });

  it.each(['partner', 'analyst'] as const)('a %s is shown none from any route it may call', async (role) => {
    const as = role === 'partner' ? partner : tenant.as('analyst');
    const routes = routesOf(document).filter((route) => reachableBy(route, ['partner', 'analyst']));
    const problems: string[] = [];
    let answered = 0;
    for (const route of routes) {
      const run = cases()[nameOf(route)];
      if (!run) continue;
      const mayCall =
        route.roles!.includes(role) && !(role === 'partner' && REFUSED_TO_PARTNERS.has(nameOf(route)));
      for (const response of await run(as)) {
        const label = `${role}: ${nameOf(route)} → ${response.status}`;
        const ok = mayCall ? response.status >= 200 && response.status < 300 : response.status === 403;
        if (!ok)
          problems.push(`${label}, expected ${mayCall ? '2xx' : '403'}: ${JSON.stringify(response.body)}`);
        if (mayCall && ok) answered++;
        for (const found of sensitiveValuesIn(response.body)) problems.push(`${label} shows ${found}`);
      }
    }
    expect(problems).toEqual([]);
    expect(answered).toBeGreaterThan(role === 'partner' ? 25 : 10);
  });
});

describe('of the coaches, only the one responsible for a person is shown them', () => {
  const person = () => w.people[1]!;

  it('shows them to the responsible coach and the tenant admin, not to another coach', async () => {
    for (const caller of [coach, admin]) {
      expect((await caller('GET', `/v1/participants/${person().id}`)).body.esf).toMatchObject(ALL_FIVE);
    }
    const other = await otherCoach('GET', `/v1/participants/${person().id}`);
    expect(other.status).toBe(200);
    expect(other.body.esf).toEqual({
      gender: 'woman',
      labourMarketStatus: 'unemployed',
      unemployedSince: '2025-01-01',
      iscedLevel: 2,
      rural: true,
    });
  });

  it('never shows them in the list of participants, even to those responsible', async () => {
    for (const caller of [coach, admin, otherCoach]) {
      const list = await caller('GET', '/v1/participants?limit=100');
      expect(list.body.items.length).toBeGreaterThanOrEqual(3);
      expect(sensitiveValuesIn(list.body)).toEqual([]);
      expect(list.body.items.some((item: object) => 'esf' in item)).toBe(false);
    }
  });

  it('shows a new participant back with them to the tenant admin only: no coach is responsible yet', async () => {
    const body = participantBody({ firstName: 'Uusi', esf: esfWithAllFive });
    const headers = { 'Idempotency-Key': 'least-exposure-new' };
    const byCoach = await coach('POST', '/v1/participants', { body, headers });
    expect(byCoach.status).toBe(201);
    expect(sensitiveValuesIn(byCoach.body)).toEqual([]);
    const replay = await coach('POST', '/v1/participants', { body, headers });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(byCoach.body);
    const stored = await admin('GET', `/v1/participants/${byCoach.body.id}`);
    expect(stored.body.esf).toMatchObject(ALL_FIVE);

    const byAdmin = await admin('POST', '/v1/participants', { body });
    expect(byAdmin.body.esf).toMatchObject(ALL_FIVE);
  });

  it('answers a change as a read: without them to another coach, who cannot clear them by sending back what it read', async () => {
    const path = `/v1/participants/${person().id}`;
    const read = await otherCoach('GET', path);
    const esf = { ...read.body.esf, iscedLevel: 3 };
    const changed = await otherCoach('PATCH', path, {
      body: { esf },
      headers: { 'If-Match': read.headers.get('etag')! },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.esf).toEqual(esf);
    const stored = await admin('GET', path);
    expect(stored.body.esf).toEqual({ ...esf, ...ALL_FIVE });

    const cleared = await coach('PATCH', path, {
      body: { esf: { ...esf, homeless: false }, municipality: 'Ilomantsi' },
      headers: { 'If-Match': stored.headers.get('etag')! },
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body.esf).toEqual({ ...esf, ...ALL_FIVE, homeless: false });
  });

  it('lets the responsible coach make another coach responsible, by naming them on a new enrolment', async () => {
    const path = `/v1/participants/${w.people[0]!.id}`;
    expect(sensitiveValuesIn((await otherCoach('GET', path)).body)).toEqual([]);
    const programme = await created(admin, '/v1/programmes', {
      templateId: 'career-coaching',
      organisationId: w.y.id,
    });
    await created(coach, '/v1/enrolments', {
      participantId: w.people[0]!.id,
      programmeId: programme.id,
      coachId: w.client.clientId,
      stage: 'active',
    });
    expect((await otherCoach('GET', path)).body.esf).toMatchObject(ALL_FIVE);
    expect(sensitiveValuesIn((await otherCoach('GET', `/v1/participants/${w.people[1]!.id}`)).body)).toEqual(
      [],
    );
  });
});

describe('responsibility is given, not taken', () => {
  const esfOf = async (as: Caller, person: { id: string }) =>
    (await as('GET', `/v1/participants/${person.id}`)).body.esf;
  const anotherProgramme = () =>
    created(admin, '/v1/programmes', { templateId: 'career-planning', organisationId: w.y.id });

  it('refuses a coach naming itself on an enrolment of a person it did not register, and shows it nothing', async () => {
    const person = await created(
      admin,
      '/v1/participants',
      participantBody({ firstName: 'Ilta', esf: esfWithAllFive }),
    );
    const programme = await anotherProgramme();
    for (const stage of ['applied', 'active']) {
      const taken = await otherCoach('POST', '/v1/enrolments', {
        body: { participantId: person.id, programmeId: programme.id, coachId: w.client.clientId, stage },
      });
      expect(taken.status).toBe(403);
      expect(taken.body.type).toBe('https://polku.fi/problems/responsibility-not-given');
    }
    // Nor through a person someone else is responsible for.
    const viaOther = await otherCoach('POST', '/v1/enrolments', {
      body: { participantId: w.people[1]!.id, programmeId: programme.id, coachId: w.client.clientId },
    });
    expect(viaOther.status).toBe(403);
    expect(sensitiveValuesIn(await esfOf(otherCoach, person))).toEqual([]);
    expect(sensitiveValuesIn(await esfOf(otherCoach, w.people[1]!))).toEqual([]);
  });

  it('ends the access when the enrolment ends', async () => {
    // The coach was responsible for the third person until their enrolment was completed.
    expect(sensitiveValuesIn({ esf: await esfOf(coach, w.people[2]!) })).toEqual([]);
    expect(await esfOf(admin, w.people[2]!)).toMatchObject(ALL_FIVE);
  });

  it('moves with a handover by the responsible coach, audited, and the coach who handed over sees them no more', async () => {
    const person = await created(
      admin,
      '/v1/participants',
      participantBody({ firstName: 'Aamu', esf: esfWithAllFive }),
    );
    const enrolment = await created(admin, '/v1/enrolments', {
      participantId: person.id,
      programmeId: (await anotherProgramme()).id,
      coachId: tenant.credentials.coach!.clientId,
    });
    expect(await esfOf(coach, person)).toMatchObject(ALL_FIVE);
    const grab = await otherCoach('POST', `/v1/enrolments/${enrolment.id}/coach`, {
      body: { coachId: w.client.clientId },
      headers: ifMatch(enrolment),
    });
    expect(grab.status).toBe(403);
    const handed = await coach('POST', `/v1/enrolments/${enrolment.id}/coach`, {
      body: { coachId: w.client.clientId, reason: 'Siirtyy Lieksan tiimiin' },
      headers: ifMatch(enrolment),
    });
    expect(handed.status).toBe(200);
    expect(handed.body).toMatchObject({
      coachId: w.client.clientId,
      coachChanges: [
        {
          from: tenant.credentials.coach!.clientId,
          to: w.client.clientId,
          by: tenant.credentials.coach!.clientId,
        },
      ],
    });
    expect(await esfOf(otherCoach, person)).toMatchObject(ALL_FIVE);
    expect(sensitiveValuesIn({ esf: await esfOf(coach, person) })).toEqual([]);
    const back = await coach('POST', `/v1/enrolments/${enrolment.id}/coach`, {
      body: { coachId: tenant.credentials.coach!.clientId },
      headers: ifMatch(handed.body),
    });
    expect(back.status).toBe(403);
    const trail = await admin('GET', `/v1/audit-events?participantId=${person.id}`);
    const changes = trail.body.items.filter(
      (event: { action: string }) => event.action === 'enrolment.coach-change',
    );
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      actor: { id: tenant.credentials.coach!.clientId, role: 'coach' },
    });
  });

  it('lets the coach who registered a person be the first to make a coach responsible', async () => {
    const person = await created(
      coach,
      '/v1/participants',
      participantBody({ firstName: 'Uuno', esf: esfWithAllFive }),
    );
    expect(sensitiveValuesIn({ esf: await esfOf(coach, person) })).toEqual([]);
    await created(coach, '/v1/enrolments', {
      participantId: person.id,
      programmeId: (await anotherProgramme()).id,
      coachId: tenant.credentials.coach!.clientId,
    });
    expect(await esfOf(coach, person)).toMatchObject(ALL_FIVE);
    // Once enrolled, the registrant has no say over the person it is not responsible for.
    const second = await otherCoach('POST', '/v1/enrolments', {
      body: {
        participantId: person.id,
        programmeId: (await anotherProgramme()).id,
        coachId: w.client.clientId,
      },
    });
    expect(second.status).toBe(403);
  });
});

describe('a coach responsible for none of them', () => {
  /** Ids for the path parameters, by the segment before them; queries a route cannot answer without. */
  const pathIds = () => ({
    'tenants/{id}': tenant.id,
    'clients/{id}': w.client.id,
    'organisations/{id}': w.x.id,
    'funding-projects/{id}': w.project.id,
    'programmes/{id}': w.programme.id,
    'groups/{groupId}': w.group.id,
    // A person whose enrolment is open: the responsible coach is shown them there.
    'participants/{id}': w.people[1]!.id,
    'consents/{consentId}': w.consent.id,
    'enrolments/{id}': w.enrolments[2]!.id,
    'sessions/{id}': w.session.id,
    'referrals/{id}': w.referral.id,
    'network-meetings/{id}': w.meeting.id,
    'actions/{actionId}': w.action.id,
    'outcomes/{id}': w.outcome.id,
    'webhooks/{id}': w.webhook.id,
    'programme-templates/{templateId}': 'small-group-coaching',
  });
  const queries = (): Record<string, string> => ({
    '/v1/referrals': `organisationId=${w.x.id}`,
    '/v1/outcomes': `participantId=${w.people[2]!.id}`,
    '/v1/enrolments': `participantId=${w.people[2]!.id}`,
    '/v1/sessions': `groupId=${w.group.id}`,
    '/v1/reports/esf': `funding-project=${w.project.id}`,
    '/v1/audit-events': `participantId=${w.people[2]!.id}`,
  });

  function pathOf(route: Route): string {
    const ids = pathIds() as Record<string, string>;
    const path = route.path.replace(/([^/]+)\/\{(\w+)\}/g, (_, segment: string, param: string) => {
      const id = ids[`${segment}/{${param}}`];
      if (!id) throw new Error(`add an id for ${route.path} (${segment}/{${param}})`);
      return `${segment}/${id}`;
    });
    const query = queries()[route.path];
    return query ? `${path}?${query}` : path;
  }

  it('is shown none of them by any GET route, where the responsible coach is', async () => {
    const gets = routesOf(document).filter((route) => route.method === 'GET');
    const shown = async (as: Caller) => {
      const found: string[] = [];
      for (const route of gets) {
        const response = await as('GET', pathOf(route));
        if (response.status >= 500 || response.status === 400)
          found.push(`${nameOf(route)} → ${response.status}`);
        found.push(...sensitiveValuesIn(response.body).map((at) => `${nameOf(route)} shows ${at}`));
      }
      return found;
    };
    expect(await shown(otherCoach)).toEqual([]);
    expect((await shown(coach)).sort()).toEqual(
      SENSITIVE.map((field) => `GET /v1/participants/{id} shows $.esf.${field}`).sort(),
    );
  });
});
