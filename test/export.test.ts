/**
 * GDPR art. 15: GET /v1/participants/{id}/export returns everything Polku holds about the person,
 * every collection to its last page, and nothing about anyone else; only the tenant admin may ask,
 * and the export itself is in the audit trail.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { created, outcomeBody, participantBody, smallGroupProgramme } from './support/fixtures.ts';
import { type Caller, createHarness, createTestTenant, type Harness } from './support/harness.ts';

let harness: Harness;
let admin: Caller;
let coach: Caller;
let person: { id: string };
let other: { id: string };
const made = { milestones: 0, sessions: 0, outcomes: [] as string[], referral: '', meeting: '' };

/** More than one page (100 items) of the collections that grow longest. */
const LONG = 105;

beforeAll(async () => {
  harness = await createHarness();
  const tenant = await createTestTenant(harness);
  admin = tenant.as('tenant_admin');
  coach = tenant.as('coach');
  const { organisation, programme } = await smallGroupProgramme(admin);
  const foundation = await created(admin, '/v1/organisations', { name: 'Honkalampi', kind: 'ngo' });
  person = await created(coach, '/v1/participants', participantBody());
  other = await created(coach, '/v1/participants', participantBody({ firstName: 'Eero' }));
  for (const who of [person, other]) {
    await created(coach, '/v1/enrolments', {
      participantId: who.id,
      programmeId: programme.id,
      coachId: 'c1',
    });
  }
  for (let i = 0; i < LONG; i++) {
    await created(coach, `/v1/participants/${person.id}/milestones`, {
      kind: 'job-application',
      date: '2026-10-01',
      title: `Application ${i}`,
    });
  }
  made.milestones = LONG;
  await created(coach, `/v1/participants/${other.id}/milestones`, {
    kind: 'job-application',
    date: '2026-10-01',
  });

  // Sessions for both, attendance for each: more than a page of marks for the person.
  // A schedule makes at most 90 sessions: two of them.
  const sessions: { id: string }[] = [];
  for (const [startDate, count] of [
    ['2026-01-05', 60],
    ['2026-04-01', LONG - 60],
  ] as const) {
    const schedule = await created(coach, '/v1/sessions/schedule', {
      programmeId: programme.id,
      participantIds: [person.id, other.id],
      kind: 'group-coaching',
      durationMinutes: 60,
      startDate,
      time: '10:00',
      phases: [{ frequency: 'daily', interval: 1, count }],
    });
    sessions.push(...schedule.items);
  }
  for (const session of sessions) {
    const marked = await coach('PUT', `/v1/sessions/${session.id}/attendance`, {
      body: {
        records: [
          { participantId: person.id, status: 'present' },
          { participantId: other.id, status: 'excused-absence' },
        ],
      },
      headers: { 'If-Match': '"1"' },
    });
    if (marked.status !== 200) throw new Error(`attendance: ${marked.status} ${JSON.stringify(marked.body)}`);
  }
  made.sessions = sessions.length;

  await created(coach, `/v1/participants/${person.id}/consents`, {
    covers: { scope: 'network' },
    purpose: 'Referral to the next service and its follow-up',
    givenOn: '2026-11-01',
  });
  const referral = await created(coach, '/v1/referrals', {
    participantId: person.id,
    fromOrganisationId: organisation.id,
    toOrganisationId: foundation.id,
    serviceKind: 'work-try-out',
    needsSummary: 'Wants to try warehouse work',
    desiredStart: '2026-12-01',
    dueDate: '2026-11-30',
  });
  const cancelled = await coach('POST', `/v1/referrals/${referral.id}/cancel`, {
    body: { reason: 'Found a job first' },
    headers: { 'If-Match': '"1"' },
  });
  expect(cancelled.status).toBe(200);
  made.referral = referral.id;
  const meeting = await created(coach, '/v1/network-meetings', {
    participantId: person.id,
    date: '2026-09-14',
    organisationsPresent: [organisation.id, foundation.id],
    summary: 'Agreed a work try-out',
    actions: [
      { description: 'Start the try-out', ownerOrganisationId: foundation.id, dueDate: '2026-10-01' },
    ],
  });
  made.meeting = meeting.id;
  const kept = await created(coach, '/v1/outcomes', outcomeBody(person.id));
  const withdrawn = await created(coach, '/v1/outcomes', outcomeBody(person.id, { startDate: '2026-12-02' }));
  const pulled = await coach('POST', `/v1/outcomes/${withdrawn.id}/withdraw`, {
    body: { reason: 'Recorded for the wrong person' },
    headers: { 'If-Match': '"1"' },
  });
  expect(pulled.status).toBe(200);
  made.outcomes = [kept.id, withdrawn.id];
  await created(coach, '/v1/outcomes', outcomeBody(other.id));
}, 180_000);

/** Every event about the person, through the audit API's own pages. */
async function auditTrail(participantId: string): Promise<{ id: string; action: string }[]> {
  const events: { id: string; action: string }[] = [];
  const first = `/v1/audit-events?participantId=${participantId}&limit=100`;
  let cursor: string | null = null;
  do {
    const page = await admin('GET', cursor ? `${first}&cursor=${encodeURIComponent(cursor)}` : first);
    expect(page.status).toBe(200);
    events.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return events;
}

describe('the export of a participant', () => {
  it('holds every collection complete, past one page, and nothing of anyone else', async () => {
    const before = await auditTrail(person.id);
    const response = await admin('GET', `/v1/participants/${person.id}/export`);
    expect(response.status).toBe(200);
    const data = response.body;
    expect(data.participant).toMatchObject({ id: person.id, firstName: 'Aino', lastName: 'Korhonen' });
    expect(data.milestones).toHaveLength(made.milestones);
    expect(new Set(data.milestones.map((m: { title: string }) => m.title)).size).toBe(made.milestones);
    expect(data.attendance).toHaveLength(made.sessions);
    expect(data.attendance.every((mark: { status: string }) => mark.status === 'present')).toBe(true);
    expect(data.sessions).toHaveLength(made.sessions);
    expect(data.enrolments).toHaveLength(1);
    expect(data.consents).toHaveLength(1);
    expect(data.referrals).toHaveLength(1);
    expect(data.referrals[0]).toMatchObject({ id: made.referral, status: 'cancelled' });
    expect(data.referrals[0].history.map((h: { action: string }) => h.action)).toContain('cancel');
    expect(data.networkMeetings).toHaveLength(1);
    expect(data.networkMeetings[0]).toMatchObject({ id: made.meeting });
    expect(data.networkMeetings[0].actions).toHaveLength(1);
    expect(data.outcomes.map((o: { id: string }) => o.id).sort()).toEqual([...made.outcomes].sort());
    expect(data.outcomes.find((o: { withdrawn: boolean }) => o.withdrawn)).toBeDefined();
    // The audit events are the same as the audit API lists, however many pages that takes.
    expect(before.length).toBeGreaterThan(100);
    expect(data.auditEvents.map((e: { id: string }) => e.id).sort()).toEqual(before.map((e) => e.id).sort());
    // Nothing about the other participant, who shares the group, the sessions and the programme.
    const text = JSON.stringify(data);
    expect(text.includes(other.id), "the other participant's id").toBe(false);
    expect(text.includes('Eero'), "the other participant's name").toBe(false);
    expect(data.participant).not.toHaveProperty('identityCodeHash');
  });

  it('is itself recorded in the audit trail', async () => {
    await admin('GET', `/v1/participants/${person.id}/export`);
    const trail = await auditTrail(person.id);
    expect(trail.filter((event) => event.action === 'participant.export').length).toBeGreaterThanOrEqual(1);
    expect(trail[0]?.action).toBe('participant.export');
  });

  it('is for the tenant admin alone: staff and analysts are refused, another tenant finds nothing', async () => {
    const tenant = await createTestTenant(harness);
    const path = `/v1/participants/${person.id}/export`;
    expect((await coach('GET', path)).status).toBe(403);
    expect((await tenant.as('tenant_admin')('GET', path)).status).toBe(404);
    expect((await admin('GET', '/v1/participants/01ARZ3NDEKTSV4RRFFQ69G5FAV/export')).status).toBe(404);
  });
});
