/**
 * Outcomes: a coach records that a young person found a job, amends it when the hours change and
 * withdraws it when it falls through, every step kept in its history; the foundation the person was
 * referred to records what it saw; nobody else sees any of it.
 */
import { dayOf } from '@polku/domain';
import { beforeAll, describe, expect, it } from 'vitest';
import { created, outcomeBody, participantBody, partnerOf, smallGroupProgramme } from './support/fixtures.ts';
import {
  type Caller,
  createHarness,
  createTestTenant,
  type Harness,
  manualClock,
  scanTable,
  type TestTenant,
} from './support/harness.ts';

// Now, not a fixed day: the Idempotency-Key middleware judges a record's expiry by the wall clock.
const clock = manualClock();
const TODAY = dayOf(clock.now());
const UNKNOWN = '01KAQ4T0Z8X2N5W7P9R3M6B1CD';
let harness: Harness;
let tenant: TestTenant;
let admin: Caller;
let coach: Caller;
let programmeId: string;
const org = { ohjaamo: '', foundation: '', stranger: '' };
const partner = {} as Record<'foundation' | 'stranger', Caller>;

beforeAll(async () => {
  harness = await createHarness({ now: clock.now });
  tenant = await createTestTenant(harness);
  admin = tenant.as('tenant_admin');
  coach = tenant.as('coach');
  const { organisation, programme } = await smallGroupProgramme(admin);
  org.ohjaamo = organisation.id;
  programmeId = programme.id;
  org.foundation = (
    await created(admin, '/v1/organisations', { name: 'Polku-säätiö', kind: 'foundation' })
  ).id;
  org.stranger = (await created(admin, '/v1/organisations', { name: 'Kolmas ry', kind: 'ngo' })).id;
  partner.foundation = await partnerOf(harness, admin, org.foundation);
  partner.stranger = await partnerOf(harness, admin, org.stranger);
});

async function participant(): Promise<string> {
  return (await created(coach, '/v1/participants', participantBody())).id;
}

async function enrolment(participantId: string): Promise<string> {
  const body = { participantId, programmeId, coachId: 'coach-helmi', stage: 'active', date: '2026-09-01' };
  return (await created(coach, '/v1/enrolments', body)).id;
}

async function record(participantId: string, overrides: Record<string, unknown> = {}, caller = coach) {
  return created(caller, '/v1/outcomes', outcomeBody(participantId, overrides));
}

/** A person with a consent for the network and an open referral from the Ohjaamo to the organisation. */
async function referredTo(organisationId: string) {
  const id = await participant();
  await created(coach, `/v1/participants/${id}/consents`, {
    covers: { scope: 'network' },
    purpose: 'Work try-out and its follow-up',
    givenOn: '2026-11-01',
  });
  const referral = await created(coach, '/v1/referrals', {
    participantId: id,
    fromOrganisationId: org.ohjaamo,
    toOrganisationId: organisationId,
    serviceKind: 'work-try-out',
    needsSummary: 'Wants to try warehouse work',
    desiredStart: '2026-12-01',
  });
  return { id, referral };
}

const amend = (caller: Caller, id: string, body: object, etag?: string) =>
  caller('PATCH', `/v1/outcomes/${id}`, { body, ...(etag ? { headers: { 'If-Match': etag } } : {}) });

const withdraw = (caller: Caller, id: string, body: object, etag?: string) =>
  caller('POST', `/v1/outcomes/${id}/withdraw`, { body, ...(etag ? { headers: { 'If-Match': etag } } : {}) });

const fieldsOf = (response: { body: { errors?: { field: string }[] } }) =>
  (response.body.errors ?? []).map((error) => error.field);

async function auditActionsAbout(participantId: string): Promise<string[]> {
  const response = await admin('GET', `/v1/audit-events?participantId=${participantId}&limit=100`);
  expect(response.status).toBe(200);
  return response.body.items.map((event: { action: string }) => event.action);
}

describe('recording an outcome', () => {
  it('records a job with its defaults, answers 201 with Location and ETag, and reads it back', async () => {
    const id = await participant();
    const response = await coach('POST', '/v1/outcomes', {
      body: {
        participantId: id,
        kind: 'employed-open-market',
        startDate: '2026-12-01',
        source: 'self-reported',
      },
    });
    expect(response.status).toBe(201);
    const outcome = response.body;
    expect(response.headers.get('location')).toBe(`/v1/outcomes/${outcome.id}`);
    expect(response.headers.get('etag')).toBe('"1"');
    const by = { kind: 'client', id: tenant.credentials.coach!.clientId, role: 'coach' };
    expect(outcome).toEqual({
      id: expect.any(String),
      version: 1,
      createdAt: clock.now().toISOString(),
      updatedAt: clock.now().toISOString(),
      participantId: id,
      enrolmentId: null,
      kind: 'employed-open-market',
      startDate: '2026-12-01',
      endDate: null,
      hoursPerWeek: null,
      employerOrInstitution: null,
      source: 'self-reported',
      verifiedOn: TODAY,
      recordedBy: by,
      withdrawn: false,
      history: [{ action: 'record', at: clock.now().toISOString(), by, changes: {} }],
    });
    const read = await coach('GET', `/v1/outcomes/${outcome.id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(read.body).toEqual(outcome);
  });

  it('stores the outcome, its keys and nothing else, indexed under its participant', async () => {
    const id = await participant();
    const outcome = await record(id, { enrolmentId: await enrolment(id), verifiedOn: '2026-11-20' });
    const stored = (await scanTable(harness)).find((item) => item.PK === `T#${tenant.id}#OUT#${outcome.id}`);
    expect(stored).toEqual({
      ...outcome,
      PK: `T#${tenant.id}#OUT#${outcome.id}`,
      SK: 'OUTCOME',
      GSI1PK: `T#${tenant.id}#P#${id}#OUT`,
      GSI1SK: outcome.id,
      entity: 'outcome',
      tenantId: tenant.id,
    });
    expect(outcome).toMatchObject({ verifiedOn: '2026-11-20', hoursPerWeek: 37.5 });
  });

  it('links an enrolment only of the same person, and the person must exist (400 field errors)', async () => {
    const id = await participant();
    const other = await participant();
    const own = await enrolment(id);
    expect((await record(id, { enrolmentId: own })).enrolmentId).toBe(own);
    const theirs = await coach('POST', '/v1/outcomes', {
      body: outcomeBody(id, { enrolmentId: await enrolment(other) }),
    });
    const none = await coach('POST', '/v1/outcomes', { body: outcomeBody(id, { enrolmentId: UNKNOWN }) });
    for (const response of [theirs, none]) {
      expect(response.status).toBe(400);
      expect(fieldsOf(response)).toEqual(['body.enrolmentId']);
    }
    const nobody = await coach('POST', '/v1/outcomes', { body: outcomeBody(UNKNOWN) });
    expect(nobody.status).toBe(400);
    expect(nobody.body.errors).toEqual([
      { field: 'body.participantId', message: `participant ${UNKNOWN} not found` },
    ]);
  });

  it('refuses an end before the start, an unknown kind and unknown fields with 400, writing nothing', async () => {
    const id = await participant();
    const cases = [
      [{ startDate: '2026-12-01', endDate: '2026-11-30' }, 'body.endDate'],
      [{ kind: 'lottery-win' }, 'body.kind'],
      [{ salary: 2500 }, 'body'],
      [{ source: 'rumour' }, 'body.source'],
      [{ startDate: '2026-02-30' }, 'body.startDate'],
      [{ hoursPerWeek: 100 }, 'body.hoursPerWeek'],
    ] as const;
    for (const [overrides, field] of cases) {
      const response = await coach('POST', '/v1/outcomes', { body: outcomeBody(id, overrides) });
      expect(response.status, JSON.stringify(overrides)).toBe(400);
      expect(response.body.type).toBe('https://polku.fi/problems/validation');
      expect(fieldsOf(response), JSON.stringify(overrides)).toEqual([field]);
    }
    expect((await coach('GET', `/v1/outcomes?participantId=${id}`)).body.items).toEqual([]);
  });

  it('creates one outcome for a retried POST, and replays its response', async () => {
    const id = await participant();
    const request = { body: outcomeBody(id), headers: { 'Idempotency-Key': 'outcome-retry-1' } };
    const first = await coach('POST', '/v1/outcomes', request);
    const retry = await coach('POST', '/v1/outcomes', request);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(retry.headers.get('etag')).toBe('"1"');
    const reused = await coach('POST', '/v1/outcomes', {
      ...request,
      body: outcomeBody(id, { kind: 'study-place' }),
    });
    expect(reused.status).toBe(422);
    expect((await coach('GET', `/v1/outcomes?participantId=${id}`)).body.items).toHaveLength(1);
    expect((await auditActionsAbout(id)).filter((action) => action === 'outcome.record')).toHaveLength(1);
  });
});

describe("listing a participant's outcomes", () => {
  it('lists them newest first, page by page, withdrawn ones included', async () => {
    const id = await participant();
    const kinds = ['work-try-out', 'training', 'employed-pay-subsidy'];
    const recorded = [];
    for (const kind of kinds) recorded.push(await record(id, { kind }));
    await withdraw(coach, recorded[0].id, { reason: 'Recorded for the wrong person' }, '"1"');
    const first = await coach('GET', `/v1/outcomes?participantId=${id}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((o: { kind: string }) => o.kind)).toEqual([
      'employed-pay-subsidy',
      'training',
    ]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await coach(
      'GET',
      `/v1/outcomes?participantId=${id}&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(next.body.items).toMatchObject([{ kind: 'work-try-out', withdrawn: true }]);
    expect(next.body.nextCursor).toBeNull();
    const other = await participant();
    const elsewhere = await coach(
      'GET',
      `/v1/outcomes?participantId=${other}&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(elsewhere.status).toBe(400);
  });

  it('answers 404 for an unknown participant and 400 without one', async () => {
    expect((await coach('GET', `/v1/outcomes?participantId=${UNKNOWN}`)).status).toBe(404);
    const bare = await coach('GET', '/v1/outcomes');
    expect(bare.status).toBe(400);
    expect(fieldsOf(bare)).toEqual(['query.participantId']);
  });
});

describe('amending and withdrawing', () => {
  it('amends field by field, keeping the values before and after and the reason in the history', async () => {
    const id = await participant();
    const outcome = await record(id, { verifiedOn: '2026-11-20' });
    clock.advance(60);
    const response = await amend(
      coach,
      outcome.id,
      {
        hoursPerWeek: 20,
        endDate: '2027-05-31',
        employerOrInstitution: 'Kesko Joensuu',
        reason: 'Hours cut',
      },
      '"1"',
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"2"');
    expect(response.body).toMatchObject({
      version: 2,
      hoursPerWeek: 20,
      endDate: '2027-05-31',
      verifiedOn: '2026-11-20',
    });
    expect(response.body.history).toHaveLength(2);
    expect(response.body.history[1]).toEqual({
      action: 'amend',
      at: clock.now().toISOString(),
      by: { kind: 'client', id: tenant.credentials.coach!.clientId, role: 'coach' },
      reason: 'Hours cut',
      changes: { hoursPerWeek: { from: 37.5, to: 20 }, endDate: { from: null, to: '2027-05-31' } },
    });
    const ongoing = await amend(
      admin,
      outcome.id,
      { endDate: null, reason: 'The contract was extended' },
      '"2"',
    );
    expect(ongoing.status).toBe(200);
    expect(ongoing.body.endDate).toBeNull();
    expect(ongoing.body.history[2]).toMatchObject({
      by: { role: 'tenant_admin' },
      changes: { endDate: { from: '2027-05-31', to: null } },
    });
    expect((await coach('GET', `/v1/outcomes/${outcome.id}`)).body).toEqual(ongoing.body);
  });

  it('refuses an amendment that would end the outcome before it starts, as merged with what is stored', async () => {
    const outcome = await record(await participant(), { endDate: '2027-01-31' });
    const endsEarly = await amend(coach, outcome.id, { endDate: '2026-11-30', reason: 'x' }, '"1"');
    const startsLate = await amend(coach, outcome.id, { startDate: '2027-02-01', reason: 'x' }, '"1"');
    const both = await amend(
      coach,
      outcome.id,
      { startDate: '2027-02-01', endDate: '2027-01-01', reason: 'x' },
      '"1"',
    );
    expect([endsEarly.status, startsLate.status, both.status]).toEqual([400, 400, 400]);
    expect(fieldsOf(endsEarly)).toEqual(['body.endDate']);
    expect(fieldsOf(startsLate)).toEqual(['body.startDate']);
    expect(fieldsOf(both)).toEqual(['body.endDate']);
    expect((await coach('GET', `/v1/outcomes/${outcome.id}`)).headers.get('etag')).toBe('"1"');
  });

  it('refuses a body without a change, without a reason or with unknown fields', async () => {
    const outcome = await record(await participant());
    for (const body of [
      { reason: 'Nothing' },
      { hoursPerWeek: 10 },
      { hoursPerWeek: 10, reason: 'x', participantId: UNKNOWN },
    ]) {
      const response = await amend(coach, outcome.id, body, '"1"');
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    expect((await withdraw(coach, outcome.id, {}, '"1"')).status).toBe(400);
    expect((await withdraw(coach, outcome.id, { reason: 'x', withdrawn: false }, '"1"')).status).toBe(400);
  });

  it('requires If-Match: 428 without it, 412 when stale or not a version, and changes nothing', async () => {
    const outcome = await record(await participant());
    const changed = await amend(
      coach,
      outcome.id,
      { kind: 'employed-pay-subsidy', reason: 'Pay subsidy granted' },
      '"1"',
    );
    expect(changed.status).toBe(200);
    const missing = [
      await amend(coach, outcome.id, { hoursPerWeek: 10, reason: 'x' }),
      await withdraw(coach, outcome.id, { reason: 'x' }),
    ];
    for (const response of missing) {
      expect(response.status).toBe(428);
      expect(response.body.detail).toBe('Send If-Match with the ETag you last read');
    }
    for (const etag of ['"1"', '*']) {
      expect((await amend(coach, outcome.id, { hoursPerWeek: 10, reason: 'x' }, etag)).status).toBe(412);
      expect((await withdraw(coach, outcome.id, { reason: 'x' }, etag)).status).toBe(412);
    }
    const read = await coach('GET', `/v1/outcomes/${outcome.id}`);
    expect(read.body).toEqual(changed.body);
  });

  it('of two amendments of the same version, exactly one wins', async () => {
    const outcome = await record(await participant());
    const results = await Promise.all([
      amend(coach, outcome.id, { hoursPerWeek: 10, reason: 'First' }, '"1"'),
      amend(admin, outcome.id, { hoursPerWeek: 30, reason: 'Second' }, '"1"'),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
    expect((await coach('GET', `/v1/outcomes/${outcome.id}`)).body.history).toHaveLength(2);
  });

  it('withdraws an outcome once, with a reason in its history; after that it is neither withdrawn again nor amended', async () => {
    const outcome = await record(await participant());
    const response = await withdraw(coach, outcome.id, { reason: 'The job offer fell through' }, '"1"');
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"2"');
    expect(response.body).toMatchObject({ withdrawn: true, version: 2 });
    expect(response.body.history[1]).toMatchObject({
      action: 'withdraw',
      reason: 'The job offer fell through',
      changes: { withdrawn: { from: false, to: true } },
    });
    const again = await withdraw(coach, outcome.id, { reason: 'Again' }, '"2"');
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('https://polku.fi/problems/already-withdrawn');
    const amended = await amend(coach, outcome.id, { hoursPerWeek: 10, reason: 'x' }, '"2"');
    expect(amended.status).toBe(409);
    expect(amended.body.type).toBe('https://polku.fi/problems/outcome-withdrawn');
    expect((await coach('GET', `/v1/outcomes/${outcome.id}`)).headers.get('etag')).toBe('"2"');
  });
});

describe('partners', () => {
  it('records an outcome only for a person with an open referral to its organisation; anyone else is an unknown participant', async () => {
    const { id, referral } = await referredTo(org.foundation);
    const stranger = await partner.stranger('POST', '/v1/outcomes', { body: outcomeBody(id) });
    const missing = await partner.stranger('POST', '/v1/outcomes', { body: outcomeBody(UNKNOWN) });
    expect(stranger.status).toBe(400);
    expect(stranger.body.errors).toEqual([
      { field: 'body.participantId', message: `participant ${id} not found` },
    ]);
    expect(missing.body.errors).toEqual([
      { field: 'body.participantId', message: `participant ${UNKNOWN} not found` },
    ]);
    expect(stranger.body.type).toBe(missing.body.type);

    const own = await partner.foundation('POST', '/v1/outcomes', {
      body: outcomeBody(id, { kind: 'work-try-out', source: 'self-reported' }),
    });
    expect(own.status).toBe(201);
    expect(own.body.recordedBy).toMatchObject({ role: 'partner', organisationId: org.foundation });

    const cancelled = await coach('POST', `/v1/referrals/${referral.id}/cancel`, {
      body: { reason: 'Found a closer place' },
      headers: { 'If-Match': '"1"' },
    });
    expect(cancelled.status).toBe(200);
    const closed = await partner.foundation('POST', '/v1/outcomes', { body: outcomeBody(id) });
    expect(closed.status).toBe(400);
    expect(fieldsOf(closed)).toEqual(['body.participantId']);
    // What it recorded stays its own to read and correct.
    expect((await partner.foundation('GET', `/v1/outcomes/${own.body.id}`)).status).toBe(200);
    const corrected = await amend(
      partner.foundation,
      own.body.id,
      { endDate: '2026-12-31', reason: 'Ended' },
      '"1"',
    );
    expect(corrected.status).toBe(200);
    expect(corrected.body.history[1].by).toMatchObject({ role: 'partner', organisationId: org.foundation });
  });

  it("sees, amends and withdraws only its own organisation's outcomes; the others are 404 or left out of its list", async () => {
    const { id } = await referredTo(org.foundation);
    const byCoach = await record(id);
    const byFoundation = await record(id, { kind: 'work-try-out' }, partner.foundation);
    const list = await partner.foundation('GET', `/v1/outcomes?participantId=${id}`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((o: { id: string }) => o.id)).toEqual([byFoundation.id]);
    const staffList = await coach('GET', `/v1/outcomes?participantId=${id}`);
    expect(staffList.body.items.map((o: { id: string }) => o.id)).toEqual([byFoundation.id, byCoach.id]);

    const hidden = [
      await partner.foundation('GET', `/v1/outcomes/${byCoach.id}`),
      await amend(partner.foundation, byCoach.id, { hoursPerWeek: 1, reason: 'x' }, '"1"'),
      await withdraw(partner.foundation, byCoach.id, { reason: 'x' }, '"1"'),
      await partner.stranger('GET', `/v1/outcomes/${byFoundation.id}`),
      await amend(partner.stranger, byFoundation.id, { hoursPerWeek: 1, reason: 'x' }, '"1"'),
      await withdraw(partner.stranger, byFoundation.id, { reason: 'x' }, '"1"'),
    ];
    const unknown = await partner.stranger('GET', `/v1/outcomes/${UNKNOWN}`);
    expect(unknown.status).toBe(404);
    for (const response of hidden) {
      expect(response.status).toBe(404);
      expect(response.body.type).toBe(unknown.body.type);
    }
    const strangers = await partner.stranger('GET', `/v1/outcomes?participantId=${id}`);
    expect(strangers.status).toBe(200);
    expect(strangers.body.items).toEqual([]);
    const withdrawn = await withdraw(
      partner.foundation,
      byFoundation.id,
      { reason: 'Ended on day one' },
      '"1"',
    );
    expect(withdrawn.status).toBe(200);
    expect((await coach('GET', `/v1/outcomes/${byCoach.id}`)).body).toEqual(byCoach);
  });
});

describe('who may not', () => {
  it("gives another tenant's staff and partner 404 for every outcome and participant of this one", async () => {
    const id = await participant();
    const outcome = await record(id);
    const other = await createTestTenant(harness);
    for (const role of ['tenant_admin', 'coach', 'partner'] as const) {
      const them = other.as(role);
      const responses = [
        await them('GET', `/v1/outcomes/${outcome.id}`),
        await amend(them, outcome.id, { hoursPerWeek: 1, reason: 'x' }, '"1"'),
        await withdraw(them, outcome.id, { reason: 'x' }, '"1"'),
      ];
      for (const response of responses) expect(response.status, role).toBe(404);
      const recording = await them('POST', '/v1/outcomes', { body: outcomeBody(id) });
      expect(recording.status, role).toBe(400);
      expect(fieldsOf(recording)).toEqual(['body.participantId']);
    }
    expect((await other.as('coach')('GET', `/v1/outcomes?participantId=${id}`)).status).toBe(404);
    expect((await coach('GET', `/v1/outcomes/${outcome.id}`)).body).toEqual(outcome);
  });

  it('refuses the analyst every outcome route with 403', async () => {
    const id = await participant();
    const outcome = await record(id);
    const analyst = tenant.as('analyst');
    const responses = [
      await analyst('POST', '/v1/outcomes', { body: outcomeBody(id) }),
      await analyst('GET', `/v1/outcomes?participantId=${id}`),
      await analyst('GET', `/v1/outcomes/${outcome.id}`),
      await amend(analyst, outcome.id, { hoursPerWeek: 1, reason: 'x' }, '"1"'),
      await withdraw(analyst, outcome.id, { reason: 'x' }, '"1"'),
    ];
    for (const response of responses) expect(response.status).toBe(403);
  });
});

describe('the audit trail', () => {
  it('records every read and change of an outcome, and no refused change', async () => {
    const id = await participant();
    const outcome = await record(id);
    await coach('GET', `/v1/outcomes/${outcome.id}`);
    await coach('GET', `/v1/outcomes?participantId=${id}`);
    await amend(coach, outcome.id, { hoursPerWeek: 20, reason: 'Hours cut' }, '"1"');
    expect((await amend(coach, outcome.id, { hoursPerWeek: 10, reason: 'x' }, '"1"')).status).toBe(412);
    await withdraw(coach, outcome.id, { reason: 'Fell through' }, '"2"');
    expect((await withdraw(coach, outcome.id, { reason: 'x' }, '"3"')).status).toBe(409);
    expect((await auditActionsAbout(id)).reverse()).toEqual([
      'participant.create',
      'outcome.record',
      'outcome.read',
      'outcome.list',
      'outcome.amend',
      'outcome.withdraw',
    ]);
    const events = (await admin('GET', `/v1/audit-events?participantId=${id}&limit=100`)).body.items;
    expect(events[0]).toMatchObject({
      action: 'outcome.withdraw',
      actor: { kind: 'client', id: tenant.credentials.coach!.clientId, role: 'coach' },
    });
  });

  it("records a partner's read of its own outcomes, and nothing for a list that shows it nothing", async () => {
    const { id } = await referredTo(org.foundation);
    await record(id, {}, partner.foundation);
    const before = await auditActionsAbout(id);
    await partner.stranger('GET', `/v1/outcomes?participantId=${id}`);
    expect(await auditActionsAbout(id)).toEqual(before);
    await partner.foundation('GET', `/v1/outcomes?participantId=${id}`);
    const [latest] = (await admin('GET', `/v1/audit-events?participantId=${id}&limit=1`)).body.items;
    expect(latest).toMatchObject({
      action: 'outcome.list',
      actor: { role: 'partner', organisationId: org.foundation },
    });
  });
});
