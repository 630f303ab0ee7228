/**
 * Retention: a tenant keeps a person for `retentionYears` (default 5) after the last day anything
 * happened to them, then the retention job erases them the way an admin's erasure does. Tested on
 * a clock the test moves over six years: the job erases exactly the people due, on the day they
 * fall due and not the day before; the dry run lists the same people; a shorter period set by the
 * tenant applies at once; the metrics keep their counts.
 */

import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type StreamPoller, startStreamPoller } from '@polku/devstack';
import { type RetentionOptions, runRetention, startErasure } from '@polku/storage';
import { keys } from '@polku/table';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reconcileTenant } from '../functions/api/src/metrics/reconcile.ts';
import { projectStreamRecords } from '../functions/api/src/metrics/stream.ts';
import { created, participantBody, smallGroupProgramme } from './support/fixtures.ts';
import {
  type Caller,
  createHarness,
  createTestTenant,
  type Harness,
  manualClock,
  type TestTenant,
} from './support/harness.ts';

const clock = manualClock(new Date('2019-06-03T09:00:00Z'));
/** Moves the clock to nine o'clock (UTC) on the day. */
const on = (day: string) => clock.advance((Date.parse(`${day}T09:00:00Z`) - clock.now().getTime()) / 1000);

let harness: Harness;
let tenant: TestTenant;
let admin: Caller;
let coach: Caller;
let poller: StreamPoller;
const people: Record<'a' | 'b' | 'c' | 'd' | 'g', { id: string }> = {} as never;

const ok = (status: number) => (response: { status: number; body: unknown }) => {
  if (response.status !== status) throw new Error(`${response.status} ${JSON.stringify(response.body)}`);
  return response;
};

beforeAll(async () => {
  // Tokens that outlive the six years the clock moves.
  harness = await createHarness({ now: clock.now, tokenTtlSeconds: 10 * 365 * 24 * 3600 });
  tenant = await createTestTenant(harness, { name: 'Outokumpu employment area' });
  admin = tenant.as('tenant_admin');
  coach = tenant.as('coach');
  poller = await startStreamPoller({
    endpoint: inject('dynamoEndpoint'),
    tableName: harness.tableName,
    intervalMs: 50,
    onRecords: (records) => projectStreamRecords({ db: harness.db, now: clock.now, log: () => {} }, records),
  });
  const { organisation, programme } = await smallGroupProgramme(admin);
  const enrol = (participantId: string) =>
    created(coach, '/v1/enrolments', {
      participantId,
      programmeId: programme.id,
      coachId: 'c1',
      stage: 'active',
    });
  const leave = (enrolment: { id: string }) =>
    coach('POST', `/v1/enrolments/${enrolment.id}/stage`, {
      body: { stage: 'completed' },
      headers: { 'If-Match': '"1"' },
    }).then(ok(200));

  // A: enrolled, left on 30 September 2019.
  people.a = await created(coach, '/v1/participants', participantBody({ firstName: 'Anni' }));
  const a = await enrol(people.a.id);
  // B: enrolled, attended a session in March 2020, left on 15 March 2020.
  people.b = await created(coach, '/v1/participants', participantBody({ firstName: 'Bertta' }));
  const b = await enrol(people.b.id);
  // C: registered, their record last changed in January 2023.
  people.c = await created(coach, '/v1/participants', participantBody({ firstName: 'Cecilia' }));
  // D: registered, enrolled in 2024: nobody's period runs out in this test.
  people.d = await created(coach, '/v1/participants', participantBody({ firstName: 'Doris' }));
  // G: left with A in 2019, then a network meeting about them in May 2021.
  people.g = await created(coach, '/v1/participants', participantBody({ firstName: 'Greta' }));
  const g = await enrol(people.g.id);

  on('2019-09-30');
  await leave(a);
  await leave(g);
  on('2021-05-05');
  await created(coach, '/v1/network-meetings', {
    participantId: people.g.id,
    date: '2021-05-05',
    organisationsPresent: [organisation.id],
    summary: 'Agreed to look for apprenticeships',
  });
  on('2020-03-10');
  const schedule = await created(coach, '/v1/sessions/schedule', {
    programmeId: programme.id,
    participantIds: [people.b.id],
    kind: 'group-coaching',
    durationMinutes: 60,
    startDate: '2020-03-10',
    time: '10:00',
    phases: [{ frequency: 'daily', interval: 1, count: 1 }],
  });
  await coach('PUT', `/v1/sessions/${schedule.items[0].id}/attendance`, {
    body: { records: [{ participantId: people.b.id, status: 'present' }] },
    headers: { 'If-Match': '"1"' },
  }).then(ok(200));
  on('2020-03-15');
  await leave(b);
  on('2023-01-10');
  await coach('PATCH', `/v1/participants/${people.c.id}`, {
    body: { municipality: 'Polvijärvi' },
    headers: { 'If-Match': '"1"' },
  }).then(ok(200));
  on('2024-02-01');
  await enrol(people.d.id);
  await poller.drain();
}, 120_000);

afterAll(async () => {
  await poller?.stop();
});

const due = async () => {
  const response = await admin('GET', '/v1/retention/due');
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as {
    asOf: string;
    retentionYears: number;
    items: { participantId: string; dueOn: string }[];
  };
};
const exists = async (person: { id: string }) =>
  (await admin('GET', `/v1/participants/${person.id}`)).status === 200;
/** The job; its erasures wait before their second pass no longer than the API's do here. */
const retention = (options: Partial<RetentionOptions> = {}) =>
  runRetention(harness.db, tenant.id, {
    now: clock.now(),
    settleMs: harness.config.erasureSettleMs,
    ...options,
  });
/** The tenant's figures of 2019–2024 (without the day they were read). */
const figures = async () => {
  const { asOf: _, ...body } = (await admin('GET', '/v1/metrics?scope=tenant&from=2019-01&to=2024-12')).body;
  return body;
};

describe('the retention job', () => {
  let before: unknown;

  it('erases nobody the day before the first period runs out', async () => {
    before = await figures();
    on('2024-09-29');
    expect(await due()).toEqual({ asOf: '2024-09-29', retentionYears: 5, items: [], nextCursor: null });
    expect(await retention()).toMatchObject({ erased: 0, due: [] });
    for (const person of Object.values(people)) expect(await exists(person)).toBe(true);
  });

  it('erases exactly the person due, on the day, as the dry run listed', async () => {
    on('2024-09-30');
    expect((await due()).items).toEqual([
      { participantId: people.a.id, lastActiveOn: '2019-09-30', dueOn: '2024-09-30' },
    ]);
    expect(await retention()).toMatchObject({ erased: 1, stillActive: 0 });
    expect(await exists(people.a)).toBe(false);
    // G left on the same day as A, but a network meeting about them since keeps them.
    expect([
      await exists(people.b),
      await exists(people.c),
      await exists(people.d),
      await exists(people.g),
    ]).toEqual([true, true, true, true]);

    on('2025-03-14');
    expect(await retention()).toMatchObject({ erased: 0 });
    on('2025-03-15');
    expect((await due()).items.map((item) => item.participantId)).toEqual([people.b.id]);
    expect(await retention()).toMatchObject({ erased: 1 });
    expect(await exists(people.b)).toBe(false);
    expect(await exists(people.c)).toBe(true);
  });

  it('applies a shorter period as soon as the tenant sets it', async () => {
    on('2025-03-16');
    const tenantNow = await admin('GET', '/v1/tenant');
    await admin('PATCH', '/v1/tenant', {
      body: { retentionYears: 2 },
      headers: { 'If-Match': String(tenantNow.headers.get('etag')) },
    }).then(ok(200));
    expect(await due()).toMatchObject({
      retentionYears: 2,
      items: [
        { participantId: people.g.id, lastActiveOn: '2021-05-05', dueOn: '2023-05-05' },
        { participantId: people.c.id, lastActiveOn: '2023-01-10', dueOn: '2025-01-10' },
      ],
    });
    expect(await retention()).toMatchObject({ erased: 2 });
    expect(await exists(people.g)).toBe(false);
    expect(await exists(people.c)).toBe(false);
    expect(await exists(people.d)).toBe(true);
  });

  it('erases the way an erasure by request does, and the metrics keep their counts', async () => {
    const erasures = (await admin('GET', '/v1/erasures')).body.items;
    expect(erasures).toHaveLength(4);
    for (const erasure of erasures) {
      expect(erasure).toMatchObject({
        source: 'retention',
        step: 'done',
        requestedBy: { kind: 'system', id: 'retention', role: 'system' },
      });
      expect(erasure.reason).toMatch(/^No activity since \d{4}-\d{2}-\d{2}; the tenant keeps data \d years/);
    }
    await poller.drain();
    expect(await figures()).toEqual(before);
    expect((await reconcileTenant(harness.db, tenant.id, clock.now())).differences).toEqual([]);
  });

  it('checks the records before erasing, and resumes an erasure cut short', async () => {
    // The index says D was last active long ago (as if it lagged a change): their records say 2024.
    await harness.db.doc.send(
      new PutCommand({
        TableName: harness.tableName,
        Item: {
          ...keys.retentionMarker(tenant.id, people.d.id),
          GSI1PK: `T#${tenant.id}#RETENTION`,
          GSI1SK: `2020-01-01#${people.d.id}`,
          entity: 'retention-marker',
          tenantId: tenant.id,
          participantId: people.d.id,
          lastActiveOn: '2020-01-01',
        },
      }),
    );
    expect((await due()).items.map((item) => item.participantId)).toEqual([people.d.id]);
    expect(await retention()).toMatchObject({ erased: 0, stillActive: 1 });
    expect(await exists(people.d)).toBe(true);
    expect((await due()).items).toEqual([]);

    // An admin's erasure that began and stopped (its steps never ran): the next run completes it.
    const stopped = await startErasure(harness.db, tenant.id, people.d.id, {
      reason: 'The person asked',
      source: 'request',
      actor: { kind: 'client', id: 'admin', role: 'tenant_admin' },
      requestId: 'r-1',
      now: clock.now(),
    });
    expect(stopped.step).toBe('metrics');
    expect(await retention()).toMatchObject({ resumed: 1, erased: 0 });
    const erasure = (await admin('GET', '/v1/erasures')).body.items.find(
      (item: { participantId: string }) => item.participantId === people.d.id,
    );
    expect(erasure).toMatchObject({ source: 'request', step: 'done' });
    expect(await retention()).toMatchObject({ resumed: 0 });
  });

  it('goes on with everyone else when one erasure fails, and tries it again next run', async () => {
    // Two more people, then two years: they fall due under the tenant's two-year period.
    const e = await created(coach, '/v1/participants', participantBody({ firstName: 'Eeva' }));
    const f = await created(coach, '/v1/participants', participantBody({ firstName: 'Fanni' }));
    await poller.drain();
    on('2027-03-17');
    // E's sealed characteristics are damaged: nothing of E can be read, so E cannot be counted or erased.
    await harness.db.doc.send(
      new UpdateCommand({
        TableName: harness.tableName,
        Key: keys.participant(tenant.id, e.id),
        UpdateExpression: 'SET sealedEsf = :garbage',
        ExpressionAttributeValues: { ':garbage': new Uint8Array(64) },
      }),
    );
    const failures: string[] = [];
    const run = await retention({ onFailure: (participantId) => failures.push(participantId) });
    expect(run).toMatchObject({ erased: 1, failed: 1 });
    expect(failures).toEqual([e.id]);
    expect(await exists(f)).toBe(false);
    expect((await due()).items.map((item) => item.participantId)).toEqual([e.id]);
    expect(await retention()).toMatchObject({ erased: 0, failed: 1 });
  });
});
