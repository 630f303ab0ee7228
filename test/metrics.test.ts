/**
 * Outcome metrics end to end: writes through the API, the projector reading DynamoDB Local's
 * stream (as in `pnpm dev`), figures read back through GET /v1/metrics, and the reconciliation
 * recounting everything from the raw records. The projector runs on a clock the tests set: the
 * figures that change with time are checked on the day before and the day they change.
 */
import { type StreamPoller, startStreamPoller } from '@polku/devstack';
import { metricsStore } from '@polku/storage';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { reconcileTenant } from '../functions/api/src/metrics/reconcile.ts';
import { projectStreamRecords, runDueProjections } from '../functions/api/src/metrics/stream.ts';
import { created, organisationBody, outcomeBody, participantBody } from './support/fixtures.ts';
import {
  type Caller,
  createHarness,
  createTestTenant,
  type Harness,
  type TestTenant,
} from './support/harness.ts';

let harness: Harness;
let tenant: TestTenant;
let other: TestTenant;
let poller: StreamPoller;
let projectorNow = new Date('2026-05-09T12:00:00Z');
const projector = () => ({ db: harness.db, now: () => projectorNow, log: () => {} });

beforeAll(async () => {
  harness = await createHarness();
  tenant = await createTestTenant(harness, { name: 'Joensuu employment area' });
  other = await createTestTenant(harness, { name: 'Lieksa employment area' });
  poller = await startStreamPoller({
    endpoint: inject('dynamoEndpoint'),
    tableName: harness.tableName,
    intervalMs: 50,
    onRecords: (records) => projectStreamRecords(projector(), records),
  });
});

afterAll(async () => {
  await poller?.stop();
});

const admin = () => tenant.as('tenant_admin');

/** Waits until the projector has handled every change written so far. */
const settled = () => poller.drain();

/** Moves the projector's clock and runs the due projections, as the scheduled job does. */
async function dayPasses(to: string) {
  projectorNow = new Date(`${to}T12:00:00Z`);
  await runDueProjections(projector());
}

async function figures(caller: Caller, query: string) {
  const response = await caller('GET', `/v1/metrics?${query}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

/** A participant enrolled in the group, active from `start`, left on `exit` as `stage`. */
async function enrolledAndLeft(
  caller: Caller,
  ids: { programmeId: string; groupId?: string },
  dates: { start: string; exit?: string; stage?: 'completed' | 'discontinued' },
  person: Record<string, unknown> = {},
) {
  const participant = await created(caller, '/v1/participants', participantBody(person));
  const enrolment = await created(caller, '/v1/enrolments', {
    participantId: participant.id,
    ...ids,
    coachId: 'coach-anna',
    stage: 'active',
    date: dates.start,
  });
  if (dates.exit) {
    const response = await caller('POST', `/v1/enrolments/${enrolment.id}/stage`, {
      body: {
        stage: dates.stage ?? 'completed',
        date: dates.exit,
        ...(dates.stage === 'discontinued' ? { reason: 'moved away' } : {}),
      },
      headers: { 'If-Match': '"1"' },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  }
  return { participant, enrolment };
}

describe('the small-group headline', () => {
  let group: { id: string };
  let programme: { id: string };
  let project: { id: string };

  beforeAll(async () => {
    const organisation = await created(admin(), '/v1/organisations', organisationBody());
    project = await created(admin(), '/v1/funding-projects', {
      code: 'S20168',
      name: 'Pienryhmävalmennus',
      priorityAxis: 'Employment',
      specificObjective: 'Access to employment',
      periodStart: '2025-01-01',
      periodEnd: '2027-12-31',
    });
    programme = await created(admin(), '/v1/programmes', {
      templateId: 'small-group-coaching',
      organisationId: organisation.id,
      fundingProjectId: project.id,
    });
    group = await created(admin(), `/v1/programmes/${programme.id}/groups`, {
      name: 'Tiistairyhmä',
      capacity: 4,
    });
    const ids = { programmeId: programme.id, groupId: group.id };
    const jobs = [
      { startDate: '2026-01-10', endDate: null },
      { startDate: '2026-01-12', endDate: '2026-09-30' },
      { startDate: '2026-01-20', endDate: null },
    ];
    for (const [index, job] of jobs.entries()) {
      const { participant } = await enrolledAndLeft(
        admin(),
        ids,
        { start: '2025-09-01', exit: '2026-01-09' },
        { esf: { gender: index === 1 ? 'man' : 'woman', labourMarketStatus: 'unemployed', iscedLevel: 3 } },
      );
      await created(
        admin(),
        '/v1/outcomes',
        outcomeBody(participant.id, { ...job, verifiedOn: job.startDate }),
      );
    }
    await enrolledAndLeft(admin(), ids, { start: '2025-09-01', exit: '2025-11-15', stage: 'discontinued' });
    await settled();
  });

  const query = () => `scope=group&id=${group.id}&from=2025-09&to=2026-01`;

  it('does not count an ongoing job that started on 2026-01-10 on 2026-05-09, and counts it on 2026-05-10', async () => {
    expect((await figures(admin(), query())).figures.employed4Months).toEqual({
      value: 0,
      suppressed: false,
    });
    await dayPasses('2026-05-10');
    expect((await figures(admin(), query())).figures.employed4Months).toEqual({
      value: 1,
      suppressed: false,
    });
  });

  it('gives 75% employed for at least 4 months and one dropout once every job has lasted 120 days', async () => {
    await dayPasses('2026-06-30');
    const { figures: exact, suppression } = await figures(admin(), query());
    expect(suppression).toEqual({ threshold: 5, applied: false });
    expect(exact.participants.value).toBe(4);
    expect(exact.exited.value).toBe(4);
    expect(exact.employed4Months.value).toBe(3);
    expect(exact.employed4MonthsRate.value).toBe(0.75);
    expect(exact.discontinued.value).toBe(1);
    expect(exact.dropoutRate.value).toBe(0.25);
    expect(exact.employedUponLeaving.value).toBe(3);
    expect((await figures(tenant.as('coach'), query())).figures.employed4MonthsRate.value).toBe(0.75);
  });

  it('withholds the group of four from analysts at k = 5, and shows it at k = 3', async () => {
    const analyst = await figures(tenant.as('analyst'), query());
    expect(analyst.suppression).toEqual({ threshold: 5, applied: true });
    expect(analyst.figures.employed4MonthsRate).toEqual({ value: null, suppressed: true });
    expect(analyst.figures.employed4Months).toEqual({ value: null, suppressed: true });
    expect(analyst.figures.participants).toEqual({ value: null, suppressed: true });
    for (const month of analyst.series) expect(month.figures.exited.value ?? 0).not.toBeGreaterThan(0);

    const current = await admin()('GET', '/v1/tenant');
    const changed = await admin()('PATCH', '/v1/tenant', {
      body: { smallCountThreshold: 3 },
      headers: { 'If-Match': current.headers.get('ETag') as string },
    });
    expect(changed.status).toBe(200);
    try {
      const atThree = await figures(tenant.as('analyst'), query());
      expect(atThree.figures.employed4MonthsRate).toEqual({ value: 0.75, suppressed: false });
      expect(atThree.figures.discontinued).toEqual({ value: null, suppressed: true });
      // One dropout withheld, so the completions beside it are too: exited − discontinued.
      expect(atThree.figures.completed.suppressed).toBe(true);
    } finally {
      const reset = await admin()('PATCH', '/v1/tenant', {
        body: { smallCountThreshold: 5 },
        headers: { 'If-Match': changed.headers.get('ETag') as string },
      });
      expect(reset.status).toBe(200);
    }
  });

  it('counts the same people in the programme, funding project and tenant scopes', async () => {
    for (const scope of [`programme&id=${programme.id}`, `funding-project&id=${project.id}`]) {
      const read = await figures(admin(), `scope=${scope}&from=2025-09&to=2026-01`);
      expect(read.figures.employed4Months.value).toBe(3);
    }
  });

  it('answers the ESF+ report in JSON and CSV, each person once, small counts withheld in the export', async () => {
    const json = await admin()('GET', `/v1/reports/esf?funding-project=${project.id}`);
    expect(json.status).toBe(200);
    const total = json.body.entry.find((row: { indicator: string }) => row.indicator === 'total');
    expect(total.women.value + total.men.value).toBe(4);
    expect(total.total).toEqual({ value: 4, suppressed: false });
    const employed = json.body.results.find((row: { indicator: string }) => row.indicator === 'employed');
    expect(employed.total.value).toBe(3);

    const csv = await admin()('GET', `/v1/reports/esf?funding-project=${project.id}`, {
      headers: { Accept: 'text/csv' },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('Content-Type')).toContain('text/csv');
    const lines = String(csv.body).trim().split('\r\n');
    expect(lines[0]).toBe('section,indicator,label,women,men,non_binary,total');
    expect(lines.find((line) => line.startsWith('entry,total,'))).toMatch(
      /suppressed,suppressed,0,suppressed$/,
    );
  });

  it('lists whom to call, and drops a follow-up once an outcome is verified after its due date', async () => {
    const list = await admin()('GET', '/v1/follow-ups?due-before=2026-07-31&limit=100');
    expect(list.status).toBe(200);
    const mine = list.body.items.filter((f: { programmeId: string }) => f.programmeId === programme.id);
    // Four exits; the jobs were verified on their start dates, before any follow-up fell due.
    expect(mine.length).toBe(4 * 3);
    const first = mine[0];
    const outcomes = await admin()('GET', `/v1/outcomes?participantId=${first.participantId}`);
    const outcome = outcomes.body.items[0];
    if (outcome) {
      const amended = await admin()('PATCH', `/v1/outcomes/${outcome.id}`, {
        body: { verifiedOn: '2026-07-15', reason: 'called: still working' },
        headers: { 'If-Match': `"${outcome.version}"` },
      });
      expect(amended.status).toBe(200);
    } else {
      await created(
        admin(),
        '/v1/outcomes',
        outcomeBody(first.participantId, {
          kind: 'job-searching',
          startDate: '2026-01-10',
          verifiedOn: '2026-07-15',
          source: 'self-reported',
        }),
      );
    }
    await settled();
    const after = await admin()('GET', '/v1/follow-ups?due-before=2026-07-31&limit=100');
    const left = after.body.items.filter(
      (f: { participantId: string }) => f.participantId === first.participantId,
    );
    expect(
      left,
      JSON.stringify({
        first,
        outcomes: (await admin()('GET', `/v1/outcomes?participantId=${first.participantId}`)).body,
      }),
    ).toEqual([]);
    expect((await tenant.as('analyst')('GET', '/v1/follow-ups')).status).toBe(403);
  });
});

describe('a metrics read', () => {
  it('refuses bad periods and scopes with a clear 400', async () => {
    const bad = async (query: string, field: string) => {
      const response = await admin()('GET', `/v1/metrics?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    };
    await bad('from=2026-01-15&to=2026-03', 'query.from');
    await bad('from=2026-01&to=2026-03-30', 'query.to');
    await bad('from=2026-05&to=2026-03', 'query.to');
    await bad('from=2010-01&to=2026-03', 'query.from');
    await bad('scope=programme', 'query.id');
    await bad('scope=tenant&id=01KAQ4T0Z8X2N5W7P9R3M6B1CD', 'query.id');
    await bad('from=2026-13', 'query.from');
  });

  it('refuses an exit dated before the start, which would count a stay of less than nothing', async () => {
    const organisation = await created(admin(), '/v1/organisations', organisationBody('Typos'));
    const programme = await created(admin(), '/v1/programmes', {
      templateId: 'career-coaching',
      organisationId: organisation.id,
    });
    const person = await created(admin(), '/v1/participants', participantBody());
    const enrolment = await created(admin(), '/v1/enrolments', {
      participantId: person.id,
      programmeId: programme.id,
      coachId: 'coach-anna',
      stage: 'active',
      date: '2025-02-03',
    });
    const response = await admin()('POST', `/v1/enrolments/${enrolment.id}/stage`, {
      body: { stage: 'completed', date: '2024-11-19' },
      headers: { 'If-Match': '"1"' },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { field: 'body.date', message: 'must not be before 2025-02-03, when the enrolment became active' },
    ]);
  });

  it('refuses an outcome verified on a day still to come: it would clear follow-ups not yet made', async () => {
    const person = await created(admin(), '/v1/participants', participantBody());
    const response = await admin()('POST', '/v1/outcomes', {
      body: outcomeBody(person.id, { verifiedOn: '2099-01-01' }),
    });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].field).toBe('body.verifiedOn');
  });

  it("answers another tenant's programme id as unknown, and partners are not let in", async () => {
    const theirs = await created(
      other.as('tenant_admin'),
      '/v1/organisations',
      organisationBody('Lieksa Ohjaamo'),
    );
    const programme = await created(other.as('tenant_admin'), '/v1/programmes', {
      templateId: 'small-group-coaching',
      organisationId: theirs.id,
    });
    expect((await admin()('GET', `/v1/metrics?scope=programme&id=${programme.id}`)).status).toBe(404);
    expect((await admin()('GET', `/v1/metrics?scope=organisation&id=${theirs.id}`)).status).toBe(404);
    expect((await tenant.as('partner')('GET', '/v1/metrics')).status).toBe(403);
    expect(
      (await tenant.as('partner')('GET', `/v1/reports/esf?funding-project=${programme.id}`)).status,
    ).toBe(403);
  });
});

describe('exact under concurrency', () => {
  it('50 parallel outcome and enrolment writes into one programme leave the buckets equal to the recount', async () => {
    const organisation = await created(admin(), '/v1/organisations', organisationBody('Parallel'));
    const programme = await created(admin(), '/v1/programmes', {
      templateId: 'career-coaching',
      organisationId: organisation.id,
    });
    const people = await Promise.all(
      Array.from({ length: 25 }, () => created(admin(), '/v1/participants', participantBody())),
    );
    await Promise.all(
      people.flatMap((person, index) => [
        created(admin(), '/v1/enrolments', {
          participantId: person.id,
          programmeId: programme.id,
          coachId: 'coach-anna',
          stage: 'active',
          date: `2026-0${1 + (index % 4)}-15`,
        }),
        created(
          admin(),
          '/v1/outcomes',
          outcomeBody(person.id, { startDate: `2026-0${2 + (index % 5)}-01` }),
        ),
      ]),
    );
    // And projectors racing each other on the same people, as concurrent Lambda invocations would.
    await Promise.all(
      people.map((person) =>
        metricsStore.projectParticipant(harness.db, tenant.id, person.id, { now: projectorNow }),
      ),
    );
    await settled();
    const result = await reconcileTenant(harness.db, tenant.id, projectorNow);
    expect(result.differences).toEqual([]);
    const read = await figures(admin(), `scope=programme&id=${programme.id}&from=2026-01&to=2026-06`);
    expect(read.figures.participants.value).toBe(25);
    expect(read.figures.started.value).toBe(25);
  });
});
