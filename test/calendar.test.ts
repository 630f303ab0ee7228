/**
 * "Today" is the day in Finland, everywhere: for a stage's date, the metrics' month and asOf, the
 * month an attendance mark counts in, and the retention clock. Told at Finnish midnight, when UTC
 * is still on the day before (00:30 on 1 April in Helsinki is 21:30 UTC on 31 March).
 */
import { type StreamPoller, startStreamPoller } from '@polku/devstack';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectStreamRecords } from '../functions/api/src/metrics/stream.ts';
import { created, participantBody, smallGroupProgramme } from './support/fixtures.ts';
import {
  type Caller,
  createHarness,
  createTestTenant,
  type Harness,
  manualClock,
} from './support/harness.ts';

const clock = manualClock(new Date('2021-04-01T10:00:00Z'));
const at = (instant: string) => clock.advance((Date.parse(instant) - clock.now().getTime()) / 1000);
/** 00:30 on 1 April 2026 in Helsinki (summer time, UTC+3). */
const HELSINKI_MIDNIGHT_PAST = '2026-03-31T21:30:00Z';

let harness: Harness;
let coach: Caller;
let admin: Caller;
let poller: StreamPoller;
let programmeId: string;
let earlyBird: { id: string };

beforeAll(async () => {
  harness = await createHarness({ now: clock.now, tokenTtlSeconds: 10 * 365 * 24 * 3600 });
  const tenant = await createTestTenant(harness, { name: 'Kontiolahti' });
  admin = tenant.as('tenant_admin');
  coach = tenant.as('coach');
  poller = await startStreamPoller({
    endpoint: inject('dynamoEndpoint'),
    tableName: harness.tableName,
    intervalMs: 50,
    onRecords: (records) => projectStreamRecords({ db: harness.db, now: clock.now, log: () => {} }, records),
  });
  programmeId = (await smallGroupProgramme(admin)).programme.id;
  // Registered at 13:00 on 1 April 2021 in Helsinki, and nothing since.
  earlyBird = await created(coach, '/v1/participants', participantBody({ firstName: 'Aamu' }));
  at(HELSINKI_MIDNIGHT_PAST);
});

afterAll(() => poller?.stop());

describe('at 00:30 on 1 April in Finland (21:30 UTC on 31 March)', () => {
  it('dates a stage change without a date 1 April', async () => {
    const person = await created(coach, '/v1/participants', participantBody());
    const enrolment = await created(coach, '/v1/enrolments', {
      participantId: person.id,
      programmeId,
      coachId: 'coach-1',
      stage: 'active',
    });
    expect(enrolment.startDate).toBe('2026-04-01');
  });

  it('counts the metrics as on 1 April, in a period ending with April', async () => {
    const response = await admin('GET', '/v1/metrics');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ asOf: '2026-04-01', from: '2025-05', to: '2026-04' });
  });

  it('counts attendance at a session that starts at 00:30 in April, not March', async () => {
    const person = await created(coach, '/v1/participants', participantBody({ firstName: 'Yö' }));
    await created(coach, '/v1/enrolments', {
      participantId: person.id,
      programmeId,
      coachId: 'c',
      stage: 'active',
    });
    const session = await created(coach, '/v1/sessions', {
      programmeId,
      participantIds: [person.id],
      kind: 'individual-coaching',
      durationMinutes: 60,
      startsAt: HELSINKI_MIDNIGHT_PAST,
    });
    const marked = await coach('PUT', `/v1/sessions/${session.id}/attendance`, {
      body: { records: [{ participantId: person.id, status: 'present' }] },
      headers: { 'If-Match': '"1"' },
    });
    expect(marked.status).toBe(200);
    await poller.drain();
    const figures = await admin(
      'GET',
      `/v1/metrics?scope=programme&id=${programmeId}&from=2026-03&to=2026-04`,
    );
    const present = Object.fromEntries(
      figures.body.series.map((month: { month: string; figures: { present: { value: number } } }) => [
        month.month,
        month.figures.present.value,
      ]),
    );
    expect(present).toEqual({ '2026-03': 0, '2026-04': 1 });
  });

  it('finds due for erasure a person last active on 1 April 2021, five years on to the Finnish day', async () => {
    await poller.drain();
    const due = await admin('GET', '/v1/retention/due');
    expect(due.status).toBe(200);
    expect(due.body.asOf).toBe('2026-04-01');
    expect(due.body.items).toEqual([
      expect.objectContaining({ participantId: earlyBird.id, lastActiveOn: '2021-04-01' }),
    ]);
  });

  it('but not one minute before Finnish midnight', async () => {
    at('2026-03-31T20:59:00Z');
    const due = await admin('GET', '/v1/retention/due');
    expect(due.body.asOf).toBe('2026-03-31');
    expect(due.body.items).toEqual([]);
    at(HELSINKI_MIDNIGHT_PAST);
  });
});
