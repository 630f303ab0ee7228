/**
 * GDPR art. 17: DELETE /v1/participants/{id} removes everything that identifies the person, read
 * back by scanning the whole table; the outcome metrics and the ESF+ report keep their counts and
 * the reconciliation still finds them exact; a tombstone says who erased whom, when and why. An
 * erasure cut short at any of its writes (aws-sdk-client-mock failing that write and every one
 * after it, as a crash would) completes when asked again.
 */
import { type StreamPoller, startStreamPoller } from '@polku/devstack';
import { createDb, type Db, startErasure } from '@polku/storage';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reconcileTenant } from '../functions/api/src/metrics/reconcile.ts';
import { projectStreamRecords } from '../functions/api/src/metrics/stream.ts';
import { type Fault, injector, LANDED_TIMEOUT, timeout } from './support/faults.ts';
import {
  created,
  fundedGroupProgramme,
  identityCode,
  outcomeBody,
  participantBody,
  partnerOf,
} from './support/fixtures.ts';
import {
  type Caller,
  createHarness,
  createTestTenant,
  type Harness,
  scanTable,
  type TestTenant,
} from './support/harness.ts';

let harness: Harness;
let tenant: TestTenant;
let admin: Caller;
let coach: Caller;
let partner: Caller;
let poller: StreamPoller;
/** The projector's own client: the faults below go on the API's writes only. */
let projectorDb: Db;
const ids = { organisation: '', foundation: '', project: '', programme: '', group: '' };

beforeAll(async () => {
  // One client for the platform and the tenant's requests, so the injected faults reach both.
  harness = await createHarness({ scoped: false });
  tenant = await createTestTenant(harness, { name: 'Pielinen employment area' });
  admin = tenant.as('tenant_admin');
  coach = tenant.as('coach');
  const organisation = await created(admin, '/v1/organisations', { name: 'Ohjaamo Lieksa', kind: 'ngo' });
  const foundation = await created(admin, '/v1/organisations', { name: 'Honkalampi', kind: 'ngo' });
  const { project, programme, group } = await fundedGroupProgramme(admin, coach, organisation.id);
  Object.assign(ids, {
    organisation: organisation.id,
    foundation: foundation.id,
    project: project.id,
    programme: programme.id,
    group: group.id,
  });
  // Room for everyone the tests enrol (the template's groups are small).
  await admin('PATCH', `/v1/programmes/${programme.id}/groups/${group.id}`, {
    body: { capacity: 99 },
    headers: { 'If-Match': `"${group.version}"` },
  }).then(ok(200));
  partner = await partnerOf(harness, admin, foundation.id);
  projectorDb = createDb({
    tableName: harness.tableName,
    endpoint: inject('dynamoEndpoint'),
    dataKeys: harness.db.dataKeys,
  });
  poller = await startStreamPoller({
    endpoint: inject('dynamoEndpoint'),
    tableName: harness.tableName,
    intervalMs: 50,
    onRecords: (records) =>
      projectStreamRecords({ db: projectorDb, now: () => new Date(), log: () => {} }, records),
  });
}, 60_000);

afterAll(async () => {
  await poller?.stop();
});

interface Person {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  referralId: string;
  /** A session without a group they were invited to and attended (its version is 2). */
  sessionId: string;
}

const ok = (status: number) => (response: { status: number; body: unknown }) => {
  if (response.status !== status) throw new Error(`${response.status} ${JSON.stringify(response.body)}`);
  return response;
};

/**
 * A person with a history in every part of Polku: registered with an identity code (and an
 * Idempotency-Key, so a stored response names them), enrolled twice in the funded group (the second
 * enrolment holds a seat), a milestone, a consent, a referral the partner accepted, a network
 * meeting with an action, an outcome, two sessions they were invited to and attended.
 */
async function personWithHistory(n: number): Promise<Person> {
  const names = { firstName: `Erkki${n}x`, lastName: `Pyyhittävä${n}x` };
  const contact = { email: `erkki${n}x@example.fi`, phone: `+358 40 555 ${String(1000 + n)}` };
  const registered = await coach('POST', '/v1/participants', {
    body: participantBody({ ...names, ...contact, identityCode: identityCode(n) }),
    // A key the client made of the person's name: the erasure removes it from the audit trail too.
    headers: { 'Idempotency-Key': `register-${names.firstName}-${tenant.id}` },
  }).then(ok(201));
  const person = {
    id: (registered.body as { id: string }).id,
    ...names,
    ...contact,
    referralId: '',
    sessionId: '',
  };
  // Enrolled twice: the tenant admin gives the responsibility each time (a coach cannot take it).
  const enrol = (date: string) =>
    created(admin, '/v1/enrolments', {
      participantId: person.id,
      programmeId: ids.programme,
      groupId: ids.group,
      coachId: 'coach-anna',
      stage: 'active',
      date,
    });
  const first = await enrol('2026-03-02');
  await coach('POST', `/v1/enrolments/${first.id}/stage`, {
    body: { stage: 'completed', date: '2026-06-30' },
    headers: { 'If-Match': `"${first.version}"` },
  }).then(ok(200));
  await enrol('2026-09-01');
  await created(coach, `/v1/participants/${person.id}/milestones`, {
    kind: 'licence-or-permit',
    date: '2026-05-20',
    title: 'Hygiene passport',
  });
  await created(coach, `/v1/participants/${person.id}/consents`, {
    covers: { scope: 'network' },
    purpose: 'Referral to the next service and its follow-up',
    givenOn: '2026-04-01',
  });
  const referral = await created(coach, '/v1/referrals', {
    participantId: person.id,
    fromOrganisationId: ids.organisation,
    toOrganisationId: ids.foundation,
    serviceKind: 'work-try-out',
    needsSummary: `Wants to try warehouse work (${names.firstName})`,
    desiredStart: '2026-12-01',
    dueDate: '2026-12-15',
  });
  person.referralId = referral.id;
  await partner('POST', `/v1/referrals/${referral.id}/accept`, { headers: { 'If-Match': '"1"' } }).then(
    ok(200),
  );
  await created(coach, '/v1/network-meetings', {
    participantId: person.id,
    date: '2026-09-14',
    organisationsPresent: [ids.organisation, ids.foundation],
    summary: `Agreed a work try-out for ${names.firstName}`,
    actions: [
      { description: 'Start the try-out', ownerOrganisationId: ids.foundation, dueDate: '2026-10-01' },
    ],
  });
  await created(coach, '/v1/outcomes', outcomeBody(person.id, { startDate: '2026-07-01' }));
  const schedule = await created(coach, '/v1/sessions/schedule', {
    programmeId: ids.programme,
    participantIds: [person.id],
    kind: 'group-coaching',
    durationMinutes: 60,
    startDate: '2026-09-07',
    time: '10:00',
    phases: [{ frequency: 'weekly', interval: 1, count: 2 }],
  });
  person.sessionId = schedule.items[0].id;
  for (const session of schedule.items) {
    await coach('PUT', `/v1/sessions/${session.id}/attendance`, {
      body: {
        records: [{ participantId: person.id, status: 'present', note: `${names.firstName} on time` }],
      },
      headers: { 'If-Match': '"1"' },
    }).then(ok(200));
  }
  return person;
}

/** Every figure Polku shows of the tenant's work: each scope's metrics and the ESF+ report. */
async function everyFigure() {
  await poller.drain();
  const period = 'from=2026-01&to=2026-12';
  const scopes = [
    'scope=tenant',
    `scope=programme&id=${ids.programme}`,
    `scope=group&id=${ids.group}`,
    `scope=funding-project&id=${ids.project}`,
    `scope=organisation&id=${ids.organisation}`,
  ];
  const figures: Record<string, unknown> = {};
  for (const scope of scopes) figures[scope] = (await admin('GET', `/v1/metrics?${scope}&${period}`)).body;
  figures.esf = (await admin('GET', `/v1/reports/esf?funding-project=${ids.project}`)).body;
  return figures;
}

const seatsTaken = async () =>
  (await admin('GET', `/v1/programmes/${ids.programme}/groups/${ids.group}`)).body.seatsTaken as number;

const erase = (id: string) =>
  admin('DELETE', `/v1/participants/${id}`, {
    body: { reason: 'The person asked on 2026-11-30 (case 4411)' },
  });

/** What the table still holds of each person: items naming them, their hash, their id anywhere. */
async function traces(people: Person[], hashes: string[]) {
  const items = (await scanTable(harness)).map((item) => ({ item, text: JSON.stringify(item) }));
  const found: string[] = [];
  for (const person of people) {
    for (const value of [person.firstName, person.lastName, person.email, person.phone]) {
      for (const { item } of items.filter(({ text }) => text.includes(value))) {
        found.push(`${value} in ${item.entity} ${item.PK} ${item.SK}`);
      }
    }
    // Only the audit trail and the tombstone still name the id: ids and actors, nothing else.
    for (const { item } of items.filter(({ text }) => text.includes(person.id))) {
      if (item.entity !== 'audit-event' && item.entity !== 'erasure') {
        found.push(`${person.id} in ${item.entity} ${item.PK} ${item.SK}`);
      }
    }
  }
  for (const hash of hashes) {
    for (const { item } of items.filter(({ text }) => text.includes(hash))) {
      found.push(`identity-code hash in ${item.entity} ${item.PK} ${item.SK}`);
    }
  }
  return found;
}

/** The `referral.erased` events in the outbox: which referral, to which organisations. */
async function erasedReferrals() {
  return (await scanTable(harness))
    .filter((item) => item.entity === 'domain-event' && item.type === 'referral.erased')
    .map((item) => ({
      referralId: (item.resource as { id: string }).id,
      organisationIds: item.organisationIds,
    }));
}

/** The identity-code hash of each person, as stored (one scan for all of them). */
async function identityHashesOf(people: Person[]): Promise<string[]> {
  const participants = (await scanTable(harness)).filter((item) => item.entity === 'participant');
  return people.map((person) => String(participants.find((item) => item.id === person.id)?.identityCodeHash));
}

describe('erasing a participant', () => {
  let kept: Person;
  let gone: Person;
  let before: Record<string, unknown>;

  beforeAll(async () => {
    kept = await personWithHistory(1);
    gone = await personWithHistory(2);
    before = await everyFigure();
  }, 120_000);

  it('leaves nothing that identifies them, and every count as it was', async () => {
    const [hash] = (await identityHashesOf([gone])) as [string];
    expect(hash).toMatch(/^[\w-]{20,}$/);
    expect(await traces([gone], [hash])).not.toEqual([]);
    const seats = await seatsTaken();

    const response = await erase(gone.id);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      participantId: gone.id,
      source: 'request',
      reason: 'The person asked on 2026-11-30 (case 4411)',
      requestedBy: { kind: 'client', role: 'tenant_admin' },
      step: 'done',
    });

    expect(await traces([gone], [hash])).toEqual([]);
    // The check sees what it looks for: the person kept is all there.
    expect((await traces([kept], [])).length).toBeGreaterThan(10);
    expect(await everyFigure()).toEqual(before);
    expect((await reconcileTenant(harness.db, tenant.id, new Date())).differences).toEqual([]);
    expect(await seatsTaken()).toBe(seats - 1);
    // The organisations the person was referred between are told, by ids only (GDPR art. 19).
    expect(await erasedReferrals()).toEqual([
      { referralId: gone.referralId, organisationIds: [ids.foundation, ids.organisation] },
    ]);
  });

  it('keeps a tombstone and the audit trail, and answers a repeat with the same tombstone', async () => {
    expect((await admin('GET', `/v1/participants/${gone.id}`)).status).toBe(404);
    const erasures = await admin('GET', '/v1/erasures');
    expect(erasures.body.items).toContainEqual(
      expect.objectContaining({ participantId: gone.id, step: 'done' }),
    );
    const again = await erase(gone.id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(
      erasures.body.items.find((e: { participantId: string }) => e.participantId === gone.id),
    );
    const trail = await admin('GET', `/v1/audit-events?participantId=${gone.id}&limit=100`);
    const actions = trail.body.items.map((event: { action: string }) => event.action);
    expect(actions).toContain('participant.erase');
    expect(actions).toContain('participant.create');
  });

  it('is for the tenant admin alone, with a reason', async () => {
    expect((await coach('DELETE', `/v1/participants/${kept.id}`, { body: { reason: 'x' } })).status).toBe(
      403,
    );
    expect((await admin('DELETE', `/v1/participants/${kept.id}`, { body: {} })).status).toBe(400);
    const stranger = await createTestTenant(harness, { name: 'Another area' });
    const foreign = await stranger.as('tenant_admin')('DELETE', `/v1/participants/${kept.id}`, {
      body: { reason: 'x' },
    });
    expect(foreign.status).toBe(404);
    expect((await admin('GET', `/v1/participants/${kept.id}`)).status).toBe(200);
  });
});

describe('a person being erased', () => {
  it('takes no attendance and no session invitation, though the write checks many people at once', async () => {
    const person = await personWithHistory(90);
    // Begun, its steps not yet run (as when a failure stopped it there).
    await startErasure(harness.db, tenant.id, person.id, {
      reason: 'The person asked',
      source: 'request',
      actor: { kind: 'client', id: 'admin', role: 'tenant_admin' },
      requestId: 'r-90',
      now: new Date(),
    });
    const marked = await coach('PUT', `/v1/sessions/${person.sessionId}/attendance`, {
      body: { records: [{ participantId: person.id, status: 'unexcused-absence' }] },
      headers: { 'If-Match': '"2"' },
    });
    expect(marked.status).toBe(409);
    expect(marked.body).toMatchObject({ type: expect.stringMatching(/participant-gone$/) });
    const invited = await coach('POST', '/v1/sessions', {
      body: {
        programmeId: ids.programme,
        participantIds: [person.id],
        kind: 'group-coaching',
        startsAt: '2026-12-07T08:00:00Z',
        durationMinutes: 60,
      },
    });
    expect(invited.status).toBe(409);
    expect((await erase(person.id)).body.step).toBe('done');
    expect(await traces([person], [])).toEqual([]);
  });
});

describe('an erasure cut short', () => {
  it('completes when asked again, whichever write it stopped at, the write landed or not', async () => {
    const faults = injector(harness);
    try {
      // How many writes a whole erasure takes, counted on a person like the ones below.
      const first = await personWithHistory(100);
      await poller.drain();
      const counted = faults.arm(undefined, Number.POSITIVE_INFINITY, true);
      expect((await erase(first.id)).status).toBe(200);
      const writes = counted.seen;
      expect(writes).toBeGreaterThan(5);

      // A crash at each write (it and every later one fail), and a timeout after each write landed.
      const crash: Fault = { name: 'a crash', error: timeout };
      const cases = [crash, LANDED_TIMEOUT].flatMap((fault) =>
        Array.from({ length: writes }, (_, at) => ({ fault, at })),
      );
      console.log(`an erasure takes ${writes} writes: ${cases.length} erasures cut short`);
      const people: Person[] = [];
      faults.disarm();
      for (const [n] of cases.entries()) people.push(await personWithHistory(101 + n));
      const before = await everyFigure();
      const hashes = await identityHashesOf(people);
      for (const hash of hashes) expect(hash).toMatch(/^[\w-]{20,}$/);
      for (const [n, { fault, at }] of cases.entries()) {
        const person = people[n] as Person;
        const label = `${fault.name} at write ${at}`;
        const armed = faults.arm(fault, at, true);
        const cut = await erase(person.id);
        expect(cut.status, label).toBe(503);
        expect(armed.injected).toBeGreaterThan(0);
        faults.disarm();
        // Begun: the person is gone for everyone, and takes no new records.
        if (at > 0 || fault.landed) {
          expect((await coach('GET', `/v1/participants/${person.id}`)).status, label).toBe(404);
          const milestone = await coach('POST', `/v1/participants/${person.id}/milestones`, {
            body: { kind: 'job-application', date: '2026-11-01' },
          });
          expect(milestone.status, label).toBe(404);
        }
        await poller.drain();
        const resumed = await erase(person.id);
        expect(resumed.status, `resumed after ${label}: ${JSON.stringify(resumed.body)}`).toBe(200);
        expect(resumed.body.step).toBe('done');
      }
      expect(await traces([first, ...people], hashes)).toEqual([]);
      // Each erased referral announced once, however often its erasure was cut short.
      const announced = (await erasedReferrals()).map((event) => event.referralId).sort();
      const referrals = [first, ...people].map((person) => person.referralId);
      expect(announced.filter((id) => referrals.includes(id))).toEqual(referrals.sort());
      expect(await everyFigure()).toEqual(before);
      expect((await reconcileTenant(harness.db, tenant.id, new Date())).differences).toEqual([]);
    } finally {
      faults.restore();
    }
  }, 300_000);
});
