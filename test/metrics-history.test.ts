/**
 * Randomized histories through the API, reconciled. For each seed a fresh tenant gets a random but
 * replayable history (people entering, leaving and coming back, outcomes amended and withdrawn,
 * licences, attendance, a programme moved to another funding project) while the projector reads the
 * table stream; the buckets must then equal a recount from the raw records: once the stream has
 * settled, on the projector's day, and 200 days later. Replay a seed: METRICS_HISTORY_SEEDS=<seed>.
 */
import { randomInt } from 'node:crypto';
import { type StreamPoller, startStreamPoller } from '@polku/devstack';
import { metrics, schemas, seededRandom } from '@polku/domain';
import { type Db, metricsStore } from '@polku/storage';
import { describe, expect, inject, it } from 'vitest';
import { reconcileTenant } from '../functions/api/src/metrics/reconcile.ts';
import { projectStreamRecords, runDueProjections } from '../functions/api/src/metrics/stream.ts';
import { created, organisationBody } from './support/fixtures.ts';
import { type Caller, createHarness, createTestTenant, type TestResponse } from './support/harness.ts';

const SEEDS = process.env.METRICS_HISTORY_SEEDS
  ? process.env.METRICS_HISTORY_SEEDS.split(',').map(Number)
  : Array.from({ length: 3 }, () => randomInt(1, 2 ** 31));
const PEOPLE = 25;
/** The projector's clock while the history is written, the day it is reconciled on, and 200 days on. */
const WRITTEN_ON = '2026-11-01';
const COUNTED_ON = '2026-12-01';
const LATER = metrics.addDays(COUNTED_ON, 200);
/** The last day an outcome is verified on: a day that has come whenever the test runs. */
const VERIFIED_BY = '2026-11-29';
const EMPLOYMENT = ['employed-open-market', 'employed-pay-subsidy', 'self-employed'] as const;

// ---------------------------------------------------------------------------------------------
// The draws the history is made of

function randomSource(seed: number) {
  const random = seededRandom(seed);
  return {
    ...random,
    date: (from: string, to: string) => metrics.addDays(from, random.int(0, metrics.daysBetween(from, to))),
  };
}
type Random = ReturnType<typeof randomSource>;

// ---------------------------------------------------------------------------------------------
// The plan: the whole history drawn up front, so it depends on the seed alone

type Stage = schemas.Enrolment['stage'];
interface Step {
  stage: Stage;
  date: string;
  reason?: string;
}
interface StintPlan {
  programme: number;
  group: number | null;
  /** The first step creates the enrolment; the rest move it on. */
  steps: Step[];
}
interface OutcomePlan {
  body: Record<string, unknown>;
  /** The enrolment (index into the person's stints) the outcome follows, if any. */
  stint: number | null;
  amend: Record<string, unknown> | null;
  withdraw: boolean;
}
interface PersonPlan {
  as: 'tenant_admin' | 'coach';
  body: Record<string, unknown>;
  stints: StintPlan[];
  outcomes: OutcomePlan[];
  milestones: { kind: string; date: string }[];
  /** ESF characteristics corrected afterwards. */
  esfChange: Record<string, unknown> | null;
}
interface ProgrammePlan {
  templateId: string;
  organisation: number;
  fundingProject: number | null;
  groups: number;
}
interface SessionPlan {
  programme: number;
  group: number;
  startsAt: string;
  marks: { person: number; status: (typeof schemas.ATTENDANCE_STATUSES)[number] }[];
}
interface HistoryPlan {
  programmes: ProgrammePlan[];
  people: PersonPlan[];
  sessions: SessionPlan[];
  /** A programme with people in it, moved to another funding project (or to none). */
  fundingMove: { programme: number; to: number | null };
}

const startOf = (stint: StintPlan) => stint.steps.find((step) => step.stage === 'active')?.date ?? null;
function exitOf(stint: StintPlan): Step | null {
  const last = stint.steps.at(-1) as Step;
  return last.stage === 'completed' || last.stage === 'discontinued' ? last : null;
}
const earlier = (a: string, b: string) => (a < b ? a : b);

function esfOf(r: Random): Record<string, unknown> {
  const status = r.pick(schemas.LABOUR_MARKET_STATUSES);
  return {
    gender: r.pick(schemas.GENDERS),
    labourMarketStatus: status,
    ...(status === 'unemployed' && r.chance(0.7)
      ? { unemployedSince: r.date('2019-01-01', '2025-06-30') }
      : {}),
    iscedLevel: r.int(0, 8),
    disability: r.chance(0.2),
    thirdCountNational: r.chance(0.15),
    foreignBackground: r.chance(0.25),
    minority: r.chance(0.1),
    homeless: r.chance(0.08),
    rural: r.chance(0.3),
  };
}

/** One enrolment: in through some of applied, waitlisted, enrolled; active on a day in [from, to]; maybe out. */
function planStint(r: Random, programme: number, group: number | null, from: string, to: string): StintPlan {
  const active = r.date(from, to);
  const entry = r.pick(['applied', 'waitlisted', 'enrolled', 'active'] as const);
  const before: Stage[] =
    entry === 'applied'
      ? ['applied', ...(r.chance(0.5) ? (['waitlisted'] as const) : []), 'enrolled']
      : entry === 'waitlisted'
        ? ['waitlisted', 'enrolled']
        : entry === 'enrolled'
          ? ['enrolled']
          : [];
  let day = metrics.addDays(active, -r.int(35, 60));
  const steps: Step[] = [];
  for (const stage of before) {
    steps.push({ stage, date: day });
    day = metrics.addDays(day, r.int(1, 10));
  }
  if (steps.length > 0 && r.chance(0.12)) {
    // Never becomes active: left waiting, or gives up before starting.
    if (r.chance(0.5)) steps.push({ stage: 'discontinued', date: day, reason: 'did not start' });
    return { programme, group, steps };
  }
  steps.push({ stage: 'active', date: active });
  const ending = r.int(0, 99);
  if (ending >= 35) {
    const exit = earlier(metrics.addDays(active, r.int(14, 330)), '2026-11-20');
    steps.push(
      ending < 75
        ? { stage: 'completed', date: exit }
        : { stage: 'discontinued', date: exit, reason: r.pick(['moved away', 'illness', 'found work']) },
    );
  }
  return { programme, group, steps };
}

function planOutcome(r: Random, exits: string[], stints: number): OutcomePlan {
  const kind = r.chance(0.5) ? r.pick(EMPLOYMENT) : r.pick(schemas.OUTCOME_KINDS);
  const startDate =
    exits.length > 0 && r.chance(0.75)
      ? metrics.addDays(r.pick(exits), r.int(-40, 220))
      : r.date('2025-01-01', '2026-12-31');
  const endDate = r.chance(0.45) ? null : metrics.addDays(startDate, r.int(0, 400));
  const body = {
    kind,
    startDate,
    ...(endDate ? { endDate } : {}),
    source: r.pick(schemas.OUTCOME_SOURCES),
    // A check is made on a day that has come: the API refuses a verifiedOn after today.
    ...(r.chance(0.6)
      ? { verifiedOn: earlier(r.date(startDate, metrics.addDays(startDate, 200)), VERIFIED_BY) }
      : {}),
    ...(r.chance(0.5) ? { hoursPerWeek: r.int(10, 40) } : {}),
  };
  const amendments = [
    () => ({ endDate: metrics.addDays(startDate, r.int(0, 300)) }),
    () => ({ endDate: null }),
    () => ({ kind: r.pick(schemas.OUTCOME_KINDS.filter((other) => other !== kind)) }),
    () => ({ startDate: metrics.addDays(startDate, -r.int(1, 60)) }),
  ];
  return {
    body,
    stint: stints > 0 && r.chance(0.3) ? r.int(0, stints - 1) : null,
    amend: r.chance(0.3) ? { ...r.pick(amendments)(), reason: 'corrected after a call' } : null,
    withdraw: r.chance(0.15),
  };
}

function planPerson(r: Random, programmes: ProgrammePlan[], anchor: boolean): PersonPlan {
  const groupIn = (programme: number) => {
    const groups = (programmes[programme] as ProgrammePlan).groups;
    return groups > 0 && r.chance(0.7) ? r.int(0, groups - 1) : null;
  };
  const first = r.int(0, programmes.length - 1);
  const person: PersonPlan = {
    as: r.chance(0.5) ? 'coach' : 'tenant_admin',
    body: {
      firstName: r.pick(['Aino', 'Eino', 'Helmi', 'Väinö', 'Sara', 'Ahmed', 'Olena', 'Kai']),
      lastName: r.pick(['Korhonen', 'Virtanen', 'Mäkinen', 'Nieminen', 'Hassan', 'Koval']),
      birthDate: r.date('1960-01-01', '2007-12-31'),
      municipality: r.pick(['Joensuu', 'Lieksa', 'Kitee', 'Outokumpu']),
      esf: esfOf(r),
    },
    stints: [],
    outcomes: [],
    milestones: [],
    esfChange: null,
  };
  if (anchor) {
    // Someone whose job reaches 120 days, and whose sixth month after leaving comes, between the two
    // days the figures are counted on: the later count must move.
    const exit = r.date('2026-08-10', '2026-09-30');
    person.stints.push({
      programme: first,
      group: groupIn(first),
      steps: [
        { stage: 'active', date: r.date('2026-02-01', '2026-04-30') },
        { stage: 'completed', date: exit },
      ],
    });
    person.outcomes.push({
      body: {
        kind: 'employed-open-market',
        startDate: metrics.addDays(exit, r.int(0, 27)),
        source: 'employer',
      },
      stint: 0,
      amend: null,
      withdraw: false,
    });
    return person;
  }
  const stint = planStint(r, first, groupIn(first), '2025-01-01', '2026-06-30');
  person.stints.push(stint);
  const left = exitOf(stint);
  if (left && r.chance(0.3)) {
    const from = metrics.addDays(left.date, r.int(14, 60));
    if (from <= '2026-09-30') {
      person.stints.push(
        planStint(r, first, groupIn(first), from, earlier(metrics.addDays(from, 150), '2026-09-30')),
      );
    }
  }
  if (programmes.length > 1 && r.chance(0.3)) {
    const other = (first + r.int(1, programmes.length - 1)) % programmes.length;
    person.stints.push(planStint(r, other, groupIn(other), '2025-01-01', '2026-09-30'));
  }
  const exits = person.stints.flatMap((s) => (exitOf(s) && startOf(s) ? [(exitOf(s) as Step).date] : []));
  const outcomes = r.int(0, 3);
  for (let i = 0; i < outcomes; i++) person.outcomes.push(planOutcome(r, exits, person.stints.length));
  const milestones = r.int(0, 2);
  for (let i = 0; i < milestones; i++) {
    person.milestones.push({
      kind: r.chance(0.65)
        ? 'licence-or-permit'
        : r.pick(['skills-identified', 'skills-based-cv', 'job-application', 'business-idea-tested']),
      date: r.date('2025-01-01', '2026-11-30'),
    });
  }
  if (r.chance(0.12)) person.esfChange = esfOf(r);
  return person;
}

/** Who may be marked at a group's session on `day`: seat holders now, and those who left on or after it. */
function membersOn(plan: HistoryPlan, programme: number, group: number, day: string): number[] {
  return plan.people.flatMap((person, index) =>
    person.stints.some((stint) => {
      if (stint.programme !== programme || stint.group !== group) return false;
      const stage = (stint.steps.at(-1) as Step).stage;
      if (stage === 'enrolled' || stage === 'active') return true;
      const exit = exitOf(stint);
      return exit !== null && startOf(stint) !== null && exit.date >= day;
    })
      ? [index]
      : [],
  );
}

function planHistory(r: Random, templateIds: string[]): HistoryPlan {
  const programmes: ProgrammePlan[] = Array.from({ length: 3 }, () => ({
    templateId: r.pick(templateIds),
    organisation: r.int(0, 1),
    fundingProject: r.chance(0.8) ? r.int(0, 1) : null,
    groups: r.int(0, 2),
  }));
  if (programmes.every((p) => p.groups === 0)) (programmes[0] as ProgrammePlan).groups = 1;
  const people = Array.from({ length: PEOPLE }, (_, index) => planPerson(r, programmes, index === 0));
  const plan: HistoryPlan = { programmes, people, sessions: [], fundingMove: { programme: 0, to: null } };
  programmes.forEach((programme, p) => {
    for (let group = 0; group < programme.groups; group++) {
      const sessions = r.int(1, 3);
      for (let i = 0; i < sessions; i++) {
        const day = r.date('2025-02-01', '2026-06-30');
        const marks = membersOn(plan, p, group, day)
          .filter(() => r.chance(0.8))
          .map((person) => ({
            person,
            status: r.chance(0.7)
              ? ('present' as const)
              : r.pick(['excused-absence', 'unexcused-absence'] as const),
          }));
        plan.sessions.push({ programme: p, group, startsAt: `${day}T07:30:00.000Z`, marks });
      }
    }
  });
  const busy = programmes
    .map((_, p) => p)
    .filter((p) => people.some((person) => person.stints.some((s) => s.programme === p && startOf(s))));
  const moved = r.pick(busy);
  const from = (programmes[moved] as ProgrammePlan).fundingProject;
  plan.fundingMove = {
    programme: moved,
    to: from === null ? r.int(0, 1) : r.chance(0.8) ? 1 - from : null,
  };
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Writing the plan through the API

interface Written {
  organisations: string[];
  fundingProjects: string[];
  programmes: { id: string; groups: string[] }[];
  participants: string[];
}

function ok(response: TestResponse, what: string, status = 200) {
  if (response.status !== status)
    throw new Error(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index] as T, index);
      }
    }),
  );
}

async function writeStructure(admin: Caller, plan: HistoryPlan, seed: number): Promise<Written> {
  const organisations = [
    (await created(admin, '/v1/organisations', organisationBody('Ohjaamo Joensuu'))).id,
    (await created(admin, '/v1/organisations', { name: 'Pohjois-Karjalan Setlementti', kind: 'ngo' })).id,
  ];
  const fundingProjects: string[] = [];
  for (const n of [0, 1]) {
    const project = await created(admin, '/v1/funding-projects', {
      code: `S${String(seed % 100_000).padStart(5, '0')}${n}`,
      name: `Project ${n} of seed ${seed}`,
      priorityAxis: 'Employment',
      specificObjective: 'Access to employment',
      periodStart: '2024-09-01',
      periodEnd: '2027-12-31',
    });
    fundingProjects.push(project.id);
  }
  const programmes: Written['programmes'] = [];
  for (const programme of plan.programmes) {
    const made = await created(admin, '/v1/programmes', {
      templateId: programme.templateId,
      organisationId: organisations[programme.organisation],
      ...(programme.fundingProject === null
        ? {}
        : { fundingProjectId: fundingProjects[programme.fundingProject] }),
    });
    const groups: string[] = [];
    for (let g = 0; g < programme.groups; g++) {
      groups.push(
        (await created(admin, `/v1/programmes/${made.id}/groups`, { name: `Group ${g}`, capacity: 60 })).id,
      );
    }
    programmes.push({ id: made.id, groups });
  }
  return { organisations, fundingProjects, programmes, participants: [] };
}

/** The person as `caller` writes them; the tenant admin enrols them, giving the coach the responsibility. */
async function writePerson(
  caller: Caller,
  admin: Caller,
  written: Written,
  person: PersonPlan,
): Promise<string> {
  const participant = await created(caller, '/v1/participants', person.body);
  const enrolments: string[] = [];
  for (const stint of person.stints) {
    const programme = written.programmes[stint.programme] as Written['programmes'][number];
    const [first, ...moves] = stint.steps as [Step, ...Step[]];
    let enrolment = await created(admin, '/v1/enrolments', {
      participantId: participant.id,
      programmeId: programme.id,
      ...(stint.group === null ? {} : { groupId: programme.groups[stint.group] }),
      coachId: 'coach-anna',
      stage: first.stage,
      date: first.date,
    });
    for (const move of moves) {
      const response = await caller('POST', `/v1/enrolments/${enrolment.id}/stage`, {
        body: move,
        headers: { 'If-Match': `"${enrolment.version}"` },
      });
      enrolment = ok(response, `enrolment to ${move.stage}`);
    }
    enrolments.push(enrolment.id);
  }
  for (const plan of person.outcomes) {
    let outcome = await created(caller, '/v1/outcomes', {
      participantId: participant.id,
      ...(plan.stint === null ? {} : { enrolmentId: enrolments[plan.stint] }),
      ...plan.body,
    });
    if (plan.amend) {
      const response = await caller('PATCH', `/v1/outcomes/${outcome.id}`, {
        body: plan.amend,
        headers: { 'If-Match': `"${outcome.version}"` },
      });
      outcome = ok(response, 'outcome amendment');
    }
    if (plan.withdraw) {
      const response = await caller('POST', `/v1/outcomes/${outcome.id}/withdraw`, {
        body: { reason: 'recorded for the wrong person' },
        headers: { 'If-Match': `"${outcome.version}"` },
      });
      ok(response, 'outcome withdrawal');
    }
  }
  for (const milestone of person.milestones) {
    await created(caller, `/v1/participants/${participant.id}/milestones`, {
      ...milestone,
      title: 'Licence',
    });
  }
  if (person.esfChange) {
    const response = await caller('PATCH', `/v1/participants/${participant.id}`, {
      body: { esf: person.esfChange },
      headers: { 'If-Match': `"${participant.version}"` },
    });
    ok(response, 'ESF correction');
  }
  return participant.id;
}

async function writeSessions(coach: Caller, written: Written, plan: HistoryPlan) {
  await eachLimited(plan.sessions, 4, async (session) => {
    const programme = written.programmes[session.programme] as Written['programmes'][number];
    const made = await created(coach, '/v1/sessions', {
      programmeId: programme.id,
      groupId: programme.groups[session.group],
      kind: 'group-coaching',
      durationMinutes: 90,
      startsAt: session.startsAt,
    });
    if (session.marks.length === 0) return;
    const response = await coach('PUT', `/v1/sessions/${made.id}/attendance`, {
      body: {
        records: session.marks.map((mark) => ({
          participantId: written.participants[mark.person],
          status: mark.status,
        })),
      },
      headers: { 'If-Match': `"${made.version}"` },
    });
    ok(response, 'attendance');
  });
}

// ---------------------------------------------------------------------------------------------
// What the test expects, from what it sent

function expectedCounts(plan: HistoryPlan) {
  const started = plan.people.flatMap((person, index) =>
    person.stints.filter((stint) => startOf(stint) !== null).map((stint) => ({ person: index, stint })),
  );
  const exits = started.map(({ stint }) => exitOf(stint)).filter((exit) => exit !== null);
  const marks = plan.sessions.flatMap((session) => session.marks);
  const fundingOf = (programme: number) =>
    programme === plan.fundingMove.programme
      ? plan.fundingMove.to
      : (plan.programmes[programme] as ProgrammePlan).fundingProject;
  return {
    started: started.length,
    participants: new Set(started.map(({ person }) => person)).size,
    exited: exits.length,
    discontinued: exits.filter((exit) => exit.stage === 'discontinued').length,
    present: marks.filter((mark) => mark.status === 'present').length,
    attendanceRecorded: marks.length,
    startedIn: (project: number) =>
      started.filter(({ stint }) => fundingOf(stint.programme) === project).length,
  };
}

type FigureValues = Record<string, number | null>;

async function figuresOf(admin: Caller, query: string): Promise<FigureValues> {
  const body = ok(await admin('GET', `/v1/metrics?${query}`), `GET /v1/metrics?${query}`);
  return Object.fromEntries(
    Object.entries(body.figures as Record<string, { value: number | null }>).map(([name, cell]) => [
      name,
      cell.value,
    ]),
  );
}

/** Every scope's figures over a few random periods, read through the API and recounted from the records. */
async function figuresAgreeWithRecount(
  r: Random,
  admin: Caller,
  db: Db,
  tenantId: string,
  written: Written,
  asOf: string,
) {
  const people = (
    await Promise.all(written.participants.map((id) => metricsStore.participantFacts(db, tenantId, id)))
  ).filter((facts) => facts !== undefined);
  const programmes = await metricsStore.programmesOf(
    db,
    tenantId,
    written.programmes.map((p) => p.id),
  );
  const scopes: [metrics.ScopeKind, string | undefined][] = [
    ['tenant', undefined],
    ...written.programmes.flatMap((p): [metrics.ScopeKind, string][] => [
      ['programme', p.id],
      ...p.groups.map((g): [metrics.ScopeKind, string] => ['group', g]),
    ]),
    ...written.fundingProjects.map((id): [metrics.ScopeKind, string] => ['funding-project', id]),
    ...written.organisations.map((id): [metrics.ScopeKind, string] => ['organisation', id]),
  ];
  const months = metrics.monthsFrom('2025-01', '2027-06');
  for (const [kind, id] of scopes) {
    for (let i = 0; i < 2; i++) {
      const a = r.pick(months);
      const b = r.pick(months);
      const [from, to] = a <= b ? [a, b] : [b, a];
      const read = await figuresOf(admin, `scope=${kind}${id ? `&id=${id}` : ''}&from=${from}&to=${to}`);
      const recount = metrics.recountFigures(
        people,
        (programme) => programmes.get(programme),
        metrics.scopeName(kind, id),
        from,
        to,
        asOf,
      );
      // As the API presents them: rates rounded, nothing withheld.
      const presented = metrics.presentFigures({ figures: recount, series: [] }, null).figures;
      const expected = Object.fromEntries(
        Object.entries(presented).map(([name, cell]) => [name, cell.value]),
      );
      expect(read, `${kind} ${id ?? ''} ${from}..${to} as of ${asOf}`).toEqual(expected);
    }
  }
  // The ESF+ report over each project's period (2024-09..2027-12), each person once.
  for (const id of written.fundingProjects) {
    const report = ok(await admin('GET', `/v1/reports/esf?funding-project=${id}`), 'ESF+ report');
    const recount = metrics.recountEsf(people, (p) => programmes.get(p), id, '2024-09', '2027-12', asOf);
    expect({ entry: report.entry, results: report.results }, `ESF+ report of ${id} as of ${asOf}`).toEqual(
      metrics.presentEsf(recount, null),
    );
  }
}

// ---------------------------------------------------------------------------------------------

describe('a random history written through the API', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: buckets equal the recount once the stream settles, on the day, and 200 days later`, async () => {
      const r = randomSource(seed);
      const harness = await createHarness();
      const tenant = await createTestTenant(harness, { name: `History ${seed}` });
      const admin = tenant.as('tenant_admin');
      const coach = tenant.as('coach');
      let clock = new Date(`${WRITTEN_ON}T12:00:00Z`);
      const projector = { db: harness.db, now: () => clock, log: () => {} };
      const poller: StreamPoller = await startStreamPoller({
        endpoint: inject('dynamoEndpoint'),
        tableName: harness.tableName,
        intervalMs: 50,
        onRecords: (records) => projectStreamRecords(projector, records),
      });
      const reconciled = async () => (await reconcileTenant(harness.db, tenant.id, clock)).differences;
      try {
        const { items: templates } = ok(await admin('GET', '/v1/programme-templates'), 'templates');
        const plan = planHistory(
          r,
          templates.map((template: { id: string }) => template.id),
        );
        const written = await writeStructure(admin, plan, seed);
        written.participants = new Array(plan.people.length);
        await eachLimited(plan.people, 8, async (person, index) => {
          written.participants[index] = await writePerson(tenant.as(person.as), admin, written, person);
        });
        await writeSessions(coach, written, plan);
        await poller.drain();

        // The programme changes funding project once people are in it: the stream recounts them all.
        const moved = written.programmes[plan.fundingMove.programme] as Written['programmes'][number];
        const current = ok(await admin('GET', `/v1/programmes/${moved.id}`), 'programme');
        const to = plan.fundingMove.to === null ? null : written.fundingProjects[plan.fundingMove.to];
        ok(
          await admin('PATCH', `/v1/programmes/${moved.id}`, {
            body: { fundingProjectId: to },
            headers: { 'If-Match': `"${current.version}"` },
          }),
          'funding move',
        );
        await poller.drain();
        expect(await reconciled(), `seed ${seed}, settled on ${WRITTEN_ON}`).toEqual([]);

        clock = new Date(`${COUNTED_ON}T12:00:00Z`);
        expect((await runDueProjections(projector)).failed).toBe(0);
        expect(await reconciled(), `seed ${seed} on ${COUNTED_ON}`).toEqual([]);

        const expected = expectedCounts(plan);
        const period = 'from=2025-01&to=2026-12';
        const before = await figuresOf(admin, `scope=tenant&${period}`);
        expect(before).toMatchObject({
          started: expected.started,
          participants: expected.participants,
          exited: expected.exited,
          discontinued: expected.discontinued,
          present: expected.present,
          attendanceRecorded: expected.attendanceRecorded,
        });
        expect(expected.started).toBeGreaterThan(PEOPLE / 2);
        for (const [n, id] of written.fundingProjects.entries()) {
          const read = await figuresOf(admin, `scope=funding-project&id=${id}&${period}`);
          expect(read.started, `started in funding project ${n}`).toBe(expected.startedIn(n));
        }
        await figuresAgreeWithRecount(r, admin, harness.db, tenant.id, written, COUNTED_ON);

        clock = new Date(`${LATER}T12:00:00Z`);
        const due = await runDueProjections(projector);
        expect(due).toMatchObject({ failed: 0 });
        expect(due.projected).toBeGreaterThan(0);
        await poller.drain();
        expect(await reconciled(), `seed ${seed} on ${LATER}`).toEqual([]);
        const after = await figuresOf(admin, `scope=tenant&${period}`);
        // Someone's job reached 120 days, and their sixth month after leaving came, in between.
        expect(after.employed4Months).toBeGreaterThan(before.employed4Months as number);
        expect(after.employed6Months).toBeGreaterThan(before.employed6Months as number);
        expect(after.started).toBe(before.started);
        await figuresAgreeWithRecount(r, admin, harness.db, tenant.id, written, LATER);
      } finally {
        await poller.stop();
      }
    }, 60_000);
  }
});
