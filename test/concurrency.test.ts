/**
 * Fifty requests at once on one record. Updates with the same If-Match: one wins, the rest get 412,
 * and what a read returns afterwards is the winner's change at exactly the next version. POSTs with
 * one Idempotency-Key: one record, and every caller gets its response.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { created, outcomeBody, participantBody, partnerOf, smallGroupProgramme } from './support/fixtures.ts';
import {
  type Caller,
  createHarness,
  createTestTenant,
  type Harness,
  scanTable,
  type TestResponse,
} from './support/harness.ts';

const N = 50;

let harness: Harness;
let tenantId: string;
let admin: Caller;
let coach: Caller;

beforeAll(async () => {
  harness = await createHarness();
  const tenant = await createTestTenant(harness, { name: 'Outokumpu employment area' });
  tenantId = tenant.id;
  admin = tenant.as('tenant_admin');
  coach = tenant.as('coach');
});

/** The i-th of N requests sent at once. */
const atOnce = (send: (i: number) => Promise<TestResponse>) =>
  Promise.all(Array.from({ length: N }, (_, i) => send(i)));

/** The one request that won (200), after checking that every other one got 412. */
function winnerOf(responses: TestResponse[]): number {
  const statuses = responses.map((response) => response.status);
  expect(
    statuses.filter((status) => status === 200),
    JSON.stringify(statuses),
  ).toHaveLength(1);
  expect(statuses.filter((status) => status === 412)).toHaveLength(N - 1);
  const winner = statuses.indexOf(200);
  expect(responses[winner]!.headers.get('etag')).toBe('"2"');
  return winner;
}

/** The items of the tenant's table of one entity, as stored. */
async function stored(entity: string, where: (item: Record<string, unknown>) => boolean = () => true) {
  return (await scanTable(harness)).filter(
    (item) => item.entity === entity && item.tenantId === tenantId && where(item),
  );
}

describe('fifty concurrent updates with the same If-Match', () => {
  it('an organisation: one wins, the others get 412, and its change is the one kept', async () => {
    const organisation = await created(admin, '/v1/organisations', { name: 'Contested', kind: 'ngo' });
    const path = `/v1/organisations/${organisation.id}`;
    const responses = await atOnce((i) =>
      admin('PATCH', path, { body: { municipality: `Town ${i}` }, headers: { 'If-Match': '"1"' } }),
    );
    const winner = winnerOf(responses);
    const after = await admin('GET', path);
    expect(after.body).toMatchObject({ municipality: `Town ${winner}`, version: 2 });
    expect(after.headers.get('etag')).toBe('"2"');
  });

  it('a participant: one wins, and the record and its audit trail show that one change', async () => {
    const participant = await created(coach, '/v1/participants', participantBody());
    const path = `/v1/participants/${participant.id}`;
    const responses = await atOnce((i) =>
      coach('PATCH', path, { body: { municipality: `Kunta ${i}` }, headers: { 'If-Match': '"1"' } }),
    );
    const winner = winnerOf(responses);
    const after = await coach('GET', path);
    expect(after.body).toMatchObject({ municipality: `Kunta ${winner}`, version: 2 });
    const updates = await stored(
      'audit-event',
      (item) => item.participantId === participant.id && item.action === 'participant.update',
    );
    expect(updates).toHaveLength(1);
  });

  it("a session's attendance: one sheet wins, whole, and the session moves one version", async () => {
    const { programme } = await smallGroupProgramme(admin);
    const group = await created(coach, `/v1/programmes/${programme.id}/groups`, { name: 'Maanantairyhmä' });
    const members: { id: string }[] = [];
    for (const firstName of ['Aino', 'Eino']) {
      const participant = await created(coach, '/v1/participants', participantBody({ firstName }));
      await created(coach, '/v1/enrolments', {
        participantId: participant.id,
        programmeId: programme.id,
        groupId: group.id,
        coachId: 'coach-1',
        stage: 'active',
        date: '2026-01-05',
      });
      members.push(participant);
    }
    const session = await created(coach, '/v1/sessions', {
      programmeId: programme.id,
      groupId: group.id,
      kind: 'group-coaching',
      durationMinutes: 90,
      startsAt: '2026-01-12T08:00:00Z',
    });
    const path = `/v1/sessions/${session.id}/attendance`;
    const responses = await atOnce((i) =>
      coach('PUT', path, {
        body: {
          records: members.map((member) => ({
            participantId: member.id,
            status: i % 2 ? 'present' : 'excused-absence',
            note: `Sheet ${i}`,
          })),
        },
        headers: { 'If-Match': '"1"' },
      }),
    );
    const winner = winnerOf(responses);
    const sheet = (await coach('GET', path)).body.records as { note: string; status: string }[];
    expect(sheet).toHaveLength(2);
    expect(sheet.map((record) => record.note)).toEqual([`Sheet ${winner}`, `Sheet ${winner}`]);
    expect(sheet.every((record) => record.status === (winner % 2 ? 'present' : 'excused-absence'))).toBe(
      true,
    );
    const after = await coach('GET', `/v1/sessions/${session.id}`);
    expect(after.body).toMatchObject({ version: 2, attendanceTaken: true });
  });

  it('a referral: of accepts and declines at once, one moves it, with one history entry and one event', async () => {
    const y = await created(admin, '/v1/organisations', { name: 'Kaski ry', kind: 'ngo' });
    const z = await created(admin, '/v1/organisations', { name: 'Honkalampi', kind: 'foundation' });
    const receiver = await partnerOf(harness, admin, z.id);
    const participant = await created(coach, '/v1/participants', participantBody());
    await created(coach, `/v1/participants/${participant.id}/consents`, {
      covers: { scope: 'organisations', organisationIds: [y.id, z.id] },
      purpose: 'Työkokeilu',
      givenOn: '2025-01-01',
    });
    const referral = await created(coach, '/v1/referrals', {
      participantId: participant.id,
      fromOrganisationId: y.id,
      toOrganisationId: z.id,
      serviceKind: 'work-try-out',
      needsSummary: 'Haluaa kokeilla puutöitä',
      desiredStart: '2026-12-01',
    });
    const path = `/v1/referrals/${referral.id}`;
    const actionOf = (i: number) => (i % 2 ? 'accept' : 'decline');
    const responses = await atOnce((i) =>
      receiver('POST', `${path}/${actionOf(i)}`, {
        body: { reason: `Decision ${i}` },
        headers: { 'If-Match': '"1"' },
      }),
    );
    const winner = winnerOf(responses);
    const after = (await coach('GET', path)).body;
    expect(after).toMatchObject({
      status: actionOf(winner) === 'accept' ? 'accepted' : 'declined',
      version: 2,
    });
    expect(after.history).toHaveLength(2);
    expect(after.history[1]).toMatchObject({ action: actionOf(winner), reason: `Decision ${winner}` });
    const events = await stored(
      'domain-event',
      (item) => (item.resource as { id: string }).id === referral.id,
    );
    expect(events.map((event) => event.type).sort()).toEqual(
      ['referral.created', `referral.${actionOf(winner) === 'accept' ? 'accepted' : 'declined'}`].sort(),
    );
  });

  it('an outcome: one amendment wins, and its history holds that one', async () => {
    const participant = await created(coach, '/v1/participants', participantBody());
    const outcome = await created(coach, '/v1/outcomes', outcomeBody(participant.id));
    const path = `/v1/outcomes/${outcome.id}`;
    const responses = await atOnce((i) =>
      coach('PATCH', path, {
        body: { hoursPerWeek: 10 + i / 2, reason: `Amendment ${i}` },
        headers: { 'If-Match': '"1"' },
      }),
    );
    const winner = winnerOf(responses);
    const after = (await coach('GET', path)).body;
    expect(after).toMatchObject({ hoursPerWeek: 10 + winner / 2, version: 2 });
    expect(after.history).toHaveLength(2);
    expect(after.history[1]).toMatchObject({ action: 'amend', reason: `Amendment ${winner}` });
  });
});

describe('fifty concurrent POSTs with one Idempotency-Key', () => {
  /** Every response is the one record's; exactly one request created it, the others were replayed. */
  function oneCreated(responses: TestResponse[]): string {
    expect(responses.map((response) => response.status)).toEqual(Array(N).fill(201));
    const ids = new Set(responses.map((response) => response.body.id));
    expect(ids.size).toBe(1);
    const fresh = responses.filter((response) => response.headers.get('idempotent-replayed') !== 'true');
    expect(fresh).toHaveLength(1);
    return [...ids][0];
  }

  it('create one organisation', async () => {
    const responses = await atOnce(() =>
      admin('POST', '/v1/organisations', {
        body: { name: 'Once only', kind: 'ngo' },
        headers: { 'Idempotency-Key': 'concurrent-organisation' },
      }),
    );
    oneCreated(responses);
    expect(await stored('organisation', (item) => item.name === 'Once only')).toHaveLength(1);
  });

  it('create one participant, audited once', async () => {
    const responses = await atOnce(() =>
      coach('POST', '/v1/participants', {
        body: participantBody({ firstName: 'Kerran', lastName: 'Vain' }),
        headers: { 'Idempotency-Key': 'concurrent-participant' },
      }),
    );
    const id = oneCreated(responses);
    expect(await stored('participant', (item) => item.lastName === 'Vain')).toHaveLength(1);
    const created = await stored('audit-event', (item) => item.participantId === id);
    expect(created.map((event) => event.action)).toEqual(['participant.create']);
  });

  it('create one enrolment, and take one seat of the group', async () => {
    const { programme } = await smallGroupProgramme(admin);
    const group = await created(coach, `/v1/programmes/${programme.id}/groups`, { name: 'Keskiviikko' });
    const participant = await created(coach, '/v1/participants', participantBody());
    const responses = await atOnce(() =>
      coach('POST', '/v1/enrolments', {
        body: {
          participantId: participant.id,
          programmeId: programme.id,
          groupId: group.id,
          coachId: 'coach-1',
          stage: 'active',
          date: '2026-01-05',
        },
        headers: { 'Idempotency-Key': 'concurrent-enrolment' },
      }),
    );
    oneCreated(responses);
    const enrolments = await coach('GET', `/v1/enrolments?participantId=${participant.id}`);
    expect(enrolments.body.items).toHaveLength(1);
    const after = await coach('GET', `/v1/programmes/${programme.id}/groups/${group.id}`);
    expect(after.body).toMatchObject({ seatsTaken: 1, version: 2 });
  });
});
