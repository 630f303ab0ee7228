/** The coaching work of the seeds: participants, small groups of four, enrolments, schedules, attendance. */
import { getItem } from '@polku/storage';
import { keys } from '@polku/table';
import { beforeAll, describe, expect, it } from 'vitest';
import { created, participantBody, smallGroupProgramme } from './support/fixtures.ts';
import {
  type Caller,
  createHarness,
  createTestTenant,
  type Harness,
  type TestTenant,
} from './support/harness.ts';

let harness: Harness;
let tenant: TestTenant;
let coach: Caller;
let admin: Caller;

beforeAll(async () => {
  harness = await createHarness();
  tenant = await createTestTenant(harness);
  coach = tenant.as('coach');
  admin = tenant.as('tenant_admin');
});

describe('participants', () => {
  it('keeps the identity code only as a keyed hash and refuses the same code twice, naming the first', async () => {
    const first = await created(coach, '/v1/participants', participantBody({ identityCode: '040599-913L' }));
    expect(first.hasIdentityCode).toBe(true);
    expect(JSON.stringify(first)).not.toContain('040599');
    const stored = await getItem(harness.db, keys.participant(tenant.id, first.id));
    expect(JSON.stringify(stored)).not.toContain('040599-913L');
    const again = await coach('POST', '/v1/participants', {
      body: participantBody({ firstName: 'Other', identityCode: '040599-913L' }),
    });
    expect(again.status).toBe(409);
    expect(again.body.existingParticipantId).toBe(first.id);
  });

  it('refuses an identity code with a wrong check character or another birth date', async () => {
    const wrong = await coach('POST', '/v1/participants', {
      body: participantBody({ identityCode: '040599-913A' }),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].field).toBe('body.identityCode');
    const mismatch = await coach('POST', '/v1/participants', {
      body: participantBody({ birthDate: '1999-05-05', identityCode: '040599-913L' }),
    });
    expect(mismatch.status).toBe(400);
  });

  it('lists a large tenant newest first across shards without gaps or duplicates', async () => {
    const fresh = await createTestTenant(harness);
    const caller = fresh.as('coach');
    const ids: string[] = [];
    for (let i = 0; i < 31; i++) ids.push((await created(caller, '/v1/participants', participantBody())).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/participants?limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await caller('GET', url);
      expect(page.body.items.length).toBeLessThanOrEqual(7);
      expect(page.body.items[0]).not.toHaveProperty('esf');
      seen.push(...page.body.items.map((p: { id: string }) => p.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('records milestones such as a skills-based CV', async () => {
    const participant = await created(coach, '/v1/participants', participantBody());
    const milestone = await created(coach, `/v1/participants/${participant.id}/milestones`, {
      kind: 'skills-based-cv',
      date: '2026-10-01',
    });
    expect(milestone.participantId).toBe(participant.id);
    const list = await coach('GET', `/v1/participants/${participant.id}/milestones`);
    expect(list.body.items).toHaveLength(1);
  });
});

describe('small groups and enrolments', () => {
  it('refuses a fifth member of a four-person group until its capacity is raised', async () => {
    const { programme } = await smallGroupProgramme(admin);
    const group = await created(coach, `/v1/programmes/${programme.id}/groups`, { name: 'Tuesdays' });
    expect(group.capacity).toBe(4);
    const enrol = async () => {
      const participant = await created(coach, '/v1/participants', participantBody());
      return coach('POST', '/v1/enrolments', {
        body: {
          participantId: participant.id,
          programmeId: programme.id,
          groupId: group.id,
          coachId: 'c1',
          stage: 'enrolled',
        },
      });
    };
    for (let i = 0; i < 4; i++) expect((await enrol()).status).toBe(201);
    const fifth = await enrol();
    expect(fifth.status).toBe(409);
    expect(fifth.body.type).toContain('group-full');
    const current = await coach('GET', `/v1/programmes/${programme.id}/groups/${group.id}`);
    expect(current.body.seatsTaken).toBe(4);
    const lower = await coach('PATCH', `/v1/programmes/${programme.id}/groups/${group.id}`, {
      body: { capacity: 3 },
      headers: { 'If-Match': current.headers.get('etag')! },
    });
    expect(lower.status).toBe(409);
    const raised = await coach('PATCH', `/v1/programmes/${programme.id}/groups/${group.id}`, {
      body: { capacity: 5 },
      headers: { 'If-Match': current.headers.get('etag')! },
    });
    expect(raised.status).toBe(200);
    expect((await enrol()).status).toBe(201);
  });

  it('moves through the stages, lists the allowed ones on an illegal move, and frees the seat on exit', async () => {
    const { programme } = await smallGroupProgramme(admin);
    const group = await created(coach, `/v1/programmes/${programme.id}/groups`, {
      name: 'Thursdays',
      capacity: 1,
    });
    const participant = await created(coach, '/v1/participants', participantBody());
    const enrolment = await created(coach, '/v1/enrolments', {
      participantId: participant.id,
      programmeId: programme.id,
      groupId: group.id,
      coachId: 'c1',
    });
    expect(enrolment.stage).toBe('applied');
    const url = `/v1/enrolments/${enrolment.id}/stage`;
    const illegal = await coach('POST', url, {
      body: { stage: 'completed' },
      headers: { 'If-Match': '"1"' },
    });
    expect(illegal.status).toBe(409);
    expect(illegal.body.allowed).toEqual(['waitlisted', 'enrolled', 'discontinued']);
    const active = await coach('POST', url, {
      body: { stage: 'enrolled', date: '2026-09-01' },
      headers: { 'If-Match': '"1"' },
    });
    expect(active.status).toBe(200);
    const again = await coach('POST', '/v1/enrolments', {
      body: { participantId: participant.id, programmeId: programme.id, coachId: 'c1' },
    });
    expect(again.status).toBe(409);
    expect(again.body.existingEnrolmentId).toBe(enrolment.id);
    const noReason = await coach('POST', url, {
      body: { stage: 'discontinued' },
      headers: { 'If-Match': '"2"' },
    });
    expect(noReason.status).toBe(400);
    const stale = await coach('POST', url, { body: { stage: 'active' }, headers: { 'If-Match': '"1"' } });
    expect(stale.status).toBe(412);
    const out = await coach('POST', url, {
      body: { stage: 'discontinued', reason: 'moved away', date: '2026-09-15' },
      headers: { 'If-Match': '"2"' },
    });
    expect(out.body).toMatchObject({
      stage: 'discontinued',
      exitDate: '2026-09-15',
      discontinuationReason: 'moved away',
    });
    expect(out.body.history.map((h: { stage: string }) => h.stage)).toEqual([
      'applied',
      'enrolled',
      'discontinued',
    ]);
    expect((await coach('GET', `/v1/programmes/${programme.id}/groups/${group.id}`)).body.seatsTaken).toBe(0);
  });
});

describe('sessions and attendance', () => {
  it('generates the career-planning schedule: weekly ×4, then every two weeks ×6, at 10:00 Helsinki time', async () => {
    const { programme } = await smallGroupProgramme(admin);
    const participant = await created(coach, '/v1/participants', participantBody());
    await created(coach, '/v1/enrolments', {
      participantId: participant.id,
      programmeId: programme.id,
      coachId: 'c1',
    });
    const result = await created(coach, '/v1/sessions/schedule', {
      programmeId: programme.id,
      participantIds: [participant.id],
      kind: 'initial-assessment',
      durationMinutes: 60,
      startDate: '2026-10-05',
      time: '10:00',
      phases: [
        { frequency: 'weekly', interval: 1, count: 4 },
        { frequency: 'weekly', interval: 2, count: 6 },
      ],
    });
    const starts = result.items.map((s: { startsAt: string }) => s.startsAt);
    expect(starts).toEqual([
      '2026-10-05T07:00:00Z',
      '2026-10-12T07:00:00Z',
      '2026-10-19T07:00:00Z',
      '2026-10-26T08:00:00Z',
      '2026-11-09T08:00:00Z',
      '2026-11-23T08:00:00Z',
      '2026-12-07T08:00:00Z',
      '2026-12-21T08:00:00Z',
      '2027-01-04T08:00:00Z',
      '2027-01-18T08:00:00Z',
    ]);
    const listed = await coach(
      'GET',
      `/v1/sessions?programmeId=${programme.id}&from=2026-11-01&to=2026-12-31`,
    );
    expect(listed.body.items).toHaveLength(4);
  });

  it('replays a retried schedule and a retried session, creating nothing new', async () => {
    const { programme } = await smallGroupProgramme(admin);
    const group = await created(coach, `/v1/programmes/${programme.id}/groups`, { name: 'Retried' });
    const schedule = {
      programmeId: programme.id,
      groupId: group.id,
      kind: 'group-coaching',
      durationMinutes: 90,
      startDate: '2026-10-06',
      time: '12:00',
      phases: [{ frequency: 'weekly', interval: 1, days: ['TU', 'TH'], count: 4 }],
    };
    const headers = { 'Idempotency-Key': 'schedule-once' };
    const first = await coach('POST', '/v1/sessions/schedule', { body: schedule, headers });
    const retry = await coach('POST', '/v1/sessions/schedule', { body: schedule, headers });
    expect(first.status).toBe(201);
    expect(first.body.items).toHaveLength(4);
    expect(retry.body).toEqual(first.body);
    expect(retry.body.scheduleId).toEqual(expect.any(String));

    const one = { ...schedule, startsAt: '2026-12-01T10:00:00Z' } as Record<string, unknown>;
    for (const field of ['startDate', 'time', 'phases']) delete one[field];
    const oneHeaders = { 'Idempotency-Key': 'session-once' };
    const session = await coach('POST', '/v1/sessions', { body: one, headers: oneHeaders });
    const again = await coach('POST', '/v1/sessions', { body: one, headers: oneHeaders });
    expect(session.status).toBe(201);
    expect(again.body).toEqual(session.body);
    expect(again.body.id).toEqual(expect.any(String));
    expect(again.headers.get('location')).toBe(`/v1/sessions/${session.body.id}`);
    expect((await coach('GET', `/v1/sessions?groupId=${group.id}&limit=100`)).body.items).toHaveLength(5);
  });

  it('refuses a schedule of more sessions than one transaction holds, writing none', async () => {
    const { programme } = await smallGroupProgramme(admin);
    const group = await created(coach, `/v1/programmes/${programme.id}/groups`, { name: 'Daily' });
    const response = await coach('POST', '/v1/sessions/schedule', {
      body: {
        programmeId: programme.id,
        groupId: group.id,
        kind: 'group-coaching',
        durationMinutes: 60,
        startDate: '2026-10-05',
        time: '09:00',
        phases: [{ frequency: 'daily', interval: 1, count: 100 }],
      },
    });
    expect(response.status).toBe(400);
    expect((await coach('GET', `/v1/sessions?groupId=${group.id}`)).body.items).toHaveLength(0);
  });

  it('takes attendance for a whole group session in one call, members only, guarded by If-Match', async () => {
    const { programme } = await smallGroupProgramme(admin);
    const group = await created(coach, `/v1/programmes/${programme.id}/groups`, { name: 'Mondays' });
    const members = [];
    for (let i = 0; i < 3; i++) {
      const participant = await created(coach, '/v1/participants', participantBody());
      await created(coach, '/v1/enrolments', {
        participantId: participant.id,
        programmeId: programme.id,
        groupId: group.id,
        coachId: 'c1',
        stage: 'active',
      });
      members.push(participant.id);
    }
    const stranger = await created(coach, '/v1/participants', participantBody());
    const session = await created(coach, '/v1/sessions', {
      programmeId: programme.id,
      groupId: group.id,
      kind: 'group-coaching',
      startsAt: '2026-10-06T07:00:00Z',
      durationMinutes: 120,
    });
    const url = `/v1/sessions/${session.id}/attendance`;
    const records = [
      { participantId: members[0], status: 'present' },
      { participantId: members[1], status: 'excused-absence' },
      { participantId: members[2], status: 'unexcused-absence' },
    ];
    const withStranger = await coach('PUT', url, {
      body: { records: [...records, { participantId: stranger.id, status: 'present' }] },
      headers: { 'If-Match': '"1"' },
    });
    expect(withStranger.status).toBe(409);
    const taken = await coach('PUT', url, { body: { records }, headers: { 'If-Match': '"1"' } });
    expect(taken.status).toBe(200);
    expect(taken.body.records).toHaveLength(3);
    expect((await coach('GET', `/v1/sessions/${session.id}`)).body.attendanceTaken).toBe(true);
    const stale = await coach('PUT', url, { body: { records }, headers: { 'If-Match': '"1"' } });
    expect(stale.status).toBe(412);

    const future = await created(coach, '/v1/sessions', {
      programmeId: programme.id,
      groupId: group.id,
      kind: 'group-coaching',
      startsAt: '2099-01-06T07:00:00Z',
      durationMinutes: 120,
    });
    const early = await coach('PUT', `/v1/sessions/${future.id}/attendance`, {
      body: { records },
      headers: { 'If-Match': '"1"' },
    });
    expect(early.status).toBe(409);
    expect(early.body.type).toContain('session-not-started');
    expect((await coach('GET', `/v1/sessions/${future.id}/attendance`)).body.records).toHaveLength(0);
  });
});
