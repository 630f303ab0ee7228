/**
 * The demo tenant: the seeds' partner organisations and funding projects, the five programmes,
 * groups, synthetic participants, enrolments, schedules and attendance. Written through the API
 * itself so the demo data obeys every rule real data does. Idempotent: a second run changes nothing.
 */
import type { App, AppConfig } from '@polku/api';
import { generateSecret, hashSecret, verifySecretAmong } from '@polku/auth';
import { dayOf, metrics, PROGRAMME_TEMPLATES, type schemas } from '@polku/domain';
import {
  clientIdOf,
  createClient,
  createTenant,
  findClient,
  findClientCredentials,
  findTenant,
  newClient,
  organisations,
  revokeClient,
} from '@polku/storage';

type TenantRole = (typeof schemas.TENANT_ROLES)[number];

export const DEMO_TENANT_ID = '01KAQ0DEM0000000000000000T';

export type DemoCredentials = Record<string, { clientId: string; clientSecret: string }>;

const ORGANISATIONS = [
  { name: 'North Karelia Employment Services', kind: 'employment-services', municipality: 'Joensuu' },
  { name: 'Ohjaamo Joensuu', kind: 'one-stop-guidance-centre', municipality: 'Joensuu' },
  { name: 'Riveria', kind: 'education-provider', municipality: 'Joensuu' },
  { name: 'Honkalampi Foundation – KASKI Työvalmennus', kind: 'foundation', municipality: 'Joensuu' },
  { name: 'ELY Centre for North Karelia', kind: 'ely-centre', municipality: 'Joensuu' },
  { name: 'Municipality of Ii – technical services', kind: 'employer', municipality: 'Ii' },
  { name: 'Omnia', kind: 'education-provider', municipality: 'Espoo' },
] as const;

const FUNDING_PROJECTS = [
  { code: 'S20168', name: 'Ohjaamo 2.0', axis: '3. Employment and labour mobility', so: '6.1' },
  {
    code: 'S20738',
    name: 'Career planning',
    axis: '4. Education, professional skills and lifelong learning',
    so: '9.1',
  },
  { code: 'S20665', name: 'Small-group coaching', axis: '3. Employment and labour mobility', so: '6.1' },
  {
    code: 'S20708',
    name: 'Job coaching in Ii',
    axis: '5. Social inclusion and combating poverty',
    so: '10.1',
  },
];

const FIRST = [
  'Aino',
  'Eetu',
  'Helmi',
  'Juho',
  'Lotta',
  'Mikko',
  'Sara',
  'Onni',
  'Iida',
  'Ville',
  'Amina',
  'Omar',
];
const LAST = ['Korhonen', 'Virtanen', 'Mäkinen', 'Nieminen', 'Hämäläinen', 'Laine', 'Heikkinen', 'Koskinen'];

async function call(app: App, token: string, method: string, path: string, body?: unknown, headers = {}) {
  const response = await app.request(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok)
    throw new Error(`seeding ${method} ${path} failed: ${response.status} ${JSON.stringify(json)}`);
  return json as Record<string, unknown> & { id: string; version: number };
}

/**
 * The demo tenant's data. Every write carries an Idempotency-Key, and the tenant item is written
 * last, so a run cut off halfway is completed by the next one without duplicates.
 */
async function seedDemoData(app: App, token: string, today: Date): Promise<void> {
  const post = (path: string, body: unknown, key: string) =>
    call(app, token, 'POST', path, body, { 'Idempotency-Key': `seed-${key}` });

  const organisations = [];
  for (const [i, organisation] of ORGANISATIONS.entries()) {
    organisations.push(await post('/v1/organisations', organisation, `org-${i}`));
  }
  const funding = [];
  for (const project of FUNDING_PROJECTS) {
    funding.push(
      await post(
        '/v1/funding-projects',
        {
          code: project.code,
          name: project.name,
          priorityAxis: project.axis,
          specificObjective: project.so,
          fundingAuthority: 'ELY Centre',
          periodStart: '2024-01-01',
          periodEnd: '2027-12-31',
        },
        `fp-${project.code}`,
      ),
    );
  }
  const runner = organisations[1]!.id;
  const programmes: Awaited<ReturnType<typeof post>>[] = [];
  for (const [i, template] of PROGRAMME_TEMPLATES.entries()) {
    programmes.push(
      await post(
        '/v1/programmes',
        {
          templateId: template.id,
          organisationId: i === 3 ? organisations[5]!.id : runner,
          ...(funding[i] ? { fundingProjectId: funding[i].id } : {}),
          startDate: '2026-01-01',
        },
        `programme-${template.id}`,
      ),
    );
  }
  const smallGroups = programmes[2]!;
  const group = await post(
    `/v1/programmes/${smallGroups.id}/groups`,
    { name: 'Tuesday group', leaderName: 'Group leader', meetingDays: ['TU'] },
    'group-small',
  );

  const start = metrics.addDays(dayOf(today), -56);
  await eachConcurrently(24, async (i) => {
    const participant = await post(
      '/v1/participants',
      {
        firstName: FIRST[i % FIRST.length],
        lastName: LAST[i % LAST.length],
        birthDate: `${1990 + (i % 15)}-0${1 + (i % 9)}-1${i % 10}`,
        municipality: i % 3 === 0 ? 'Joensuu' : 'Ii',
        email: `participant${i}@example.invalid`,
        esf: {
          gender: i % 5 === 0 ? 'non-binary' : i % 2 === 0 ? 'woman' : 'man',
          labourMarketStatus: i % 4 === 0 ? 'inactive' : 'unemployed',
          iscedLevel: i % 8,
          foreignBackground: i % 6 === 0,
          thirdCountNational: i % 12 === 0,
          rural: i % 3 === 1,
        },
      },
      `participant-${i}`,
    );
    const programme = i < 4 ? smallGroups : programmes[i % programmes.length]!;
    await post(
      '/v1/enrolments',
      {
        participantId: participant.id,
        programmeId: programme.id,
        ...(i < 4 ? { groupId: group.id } : {}),
        coachId: 'demo-coach',
        stage: 'active',
        date: start,
      },
      `enrolment-${i}`,
    );
  });
  await seedPastCohorts(app, token, programmes, today);

  const schedule = (await post(
    '/v1/sessions/schedule',
    {
      programmeId: smallGroups.id,
      groupId: group.id,
      kind: 'group-coaching',
      durationMinutes: 120,
      startDate: start,
      time: '10:00',
      phases: [{ frequency: 'weekly', interval: 1, days: ['TU'], count: 12 }],
    },
    'schedule-small',
  )) as unknown as { items: { id: string; version: number; startsAt: string }[] };
  const members = (await call(app, token, 'GET', `/v1/enrolments?groupId=${group.id}`)) as unknown as {
    items: { participantId: string }[];
  };
  // Mostly present, with the odd absence, varying by week and person.
  const statuses = [
    'present',
    'present',
    'present',
    'excused-absence',
    'present',
    'unexcused-absence',
  ] as const;
  const past = schedule.items.filter((session) => new Date(session.startsAt) <= today);
  await eachConcurrently(past.length, async (n) => {
    const session = past[n]!;
    await call(
      app,
      token,
      'PUT',
      `/v1/sessions/${session.id}/attendance`,
      {
        records: members.items.map((m, i) => ({
          participantId: m.participantId,
          status: statuses[(n * 5 + i) % statuses.length],
        })),
      },
      { 'If-Match': `"${session.version}"` },
    );
  });
}

/** What a past participant of a programme went on to: an outcome kind, its start and length in days. */
type Result = { kind: string; after: number; days: number | null } | null;

/**
 * Each programme's finished cohort, shaped like its seed's headline: in small-group coaching three
 * of four in jobs of four months or more and one dropout; in job coaching a third moving from the
 * pay-subsidised job to the open market; in the entrepreneurship group four in ten starting a
 * business. They started about ten months ago and left about seven months ago, so every figure,
 * six months after leaving included, has something to count.
 */
const PAST_COHORTS: Record<string, { results: Result[]; dropouts: number[]; qualified?: number[] }> = {
  'career-coaching': {
    results: [
      { kind: 'work-try-out', after: 5, days: 60 },
      { kind: 'training', after: 10, days: 150 },
      { kind: 'employed-open-market', after: 20, days: null },
      { kind: 'rehabilitative-work', after: 3, days: 90 },
      { kind: 'study-place', after: 14, days: null },
      null,
    ],
    dropouts: [5],
  },
  'career-planning': {
    results: [
      { kind: 'employed-open-market', after: 7, days: null },
      { kind: 'study-place', after: 21, days: null },
      { kind: 'self-employed', after: 30, days: null },
      { kind: 'job-searching', after: 1, days: null },
      { kind: 'employed-open-market', after: 12, days: 90 },
      { kind: 'training', after: 5, days: 120 },
    ],
    dropouts: [],
    qualified: [0, 4],
  },
  'small-group-coaching': {
    results: [
      { kind: 'employed-open-market', after: 1, days: null },
      { kind: 'employed-open-market', after: 3, days: 200 },
      { kind: 'employed-pay-subsidy', after: 10, days: null },
      null,
    ],
    dropouts: [3],
  },
  'pay-subsidised-job-coaching': {
    results: [
      { kind: 'employed-open-market', after: 14, days: null },
      { kind: 'employed-open-market', after: 30, days: null },
      { kind: 'employed-pay-subsidy', after: 0, days: 60 },
      { kind: 'job-searching', after: 0, days: null },
      { kind: 'employed-open-market', after: 20, days: 100 },
      null,
    ],
    dropouts: [5],
  },
  'peer-mentoring-entrepreneurship': {
    results: [
      { kind: 'self-employed', after: 10, days: null },
      { kind: 'self-employed', after: 40, days: null },
      { kind: 'work-try-out', after: 5, days: 30 },
      { kind: 'employed-open-market', after: 15, days: null },
      { kind: 'training', after: 2, days: 90 },
    ],
    dropouts: [],
  },
};

async function seedPastCohorts(
  app: App,
  token: string,
  programmes: (Record<string, unknown> & { id: string })[],
  today: Date,
): Promise<void> {
  const post = (path: string, body: unknown, key: string, headers = {}) =>
    call(app, token, 'POST', path, body, { 'Idempotency-Key': `seed-${key}`, ...headers });
  const daysAgo = (days: number) => metrics.addDays(dayOf(today), -days);
  const plus = metrics.addDays;
  const people: { p: number; programme: (typeof programmes)[number]; group?: { id: string }; i: number }[] =
    [];
  for (const [p, programme] of programmes.entries()) {
    const cohort = PAST_COHORTS[String(programme.templateId)];
    if (!cohort) continue;
    const group =
      programme.templateId === 'small-group-coaching'
        ? await post(
            `/v1/programmes/${programme.id}/groups`,
            { name: 'Spring group', leaderName: 'Group leader', meetingDays: ['TU', 'TH'], capacity: 4 },
            'group-spring',
          )
        : undefined;
    for (const i of cohort.results.keys()) people.push({ p, programme, ...(group ? { group } : {}), i });
  }
  await eachConcurrently(people.length, async (person) => {
    const { p, programme, group, i } = people[person]!;
    const templateId = String(programme.templateId);
    const cohort = PAST_COHORTS[templateId]!;
    const result = cohort.results[i];
    const key = `past-${templateId}-${i}`;
    const n = p * 7 + i;
    const participant = await post(
      '/v1/participants',
      {
        firstName: FIRST[(n + 5) % FIRST.length],
        lastName: LAST[(n + 3) % LAST.length],
        birthDate: `${1970 + (n % 35)}-0${1 + (n % 9)}-2${n % 8}`,
        municipality: n % 2 === 0 ? 'Joensuu' : 'Liperi',
        esf: {
          gender: n % 7 === 0 ? 'non-binary' : n % 2 === 0 ? 'woman' : 'man',
          labourMarketStatus: n % 5 === 0 ? 'inactive' : 'unemployed',
          ...(n % 5 === 0 ? {} : { unemployedSince: daysAgo(300 + 40 * (n % 12)) }),
          iscedLevel: n % 9,
          disability: n % 9 === 4,
          foreignBackground: templateId === 'peer-mentoring-entrepreneurship' || n % 6 === 0,
          thirdCountNational: templateId === 'peer-mentoring-entrepreneurship' && i % 2 === 0,
          rural: n % 3 === 1,
        },
      },
      `${key}-participant`,
    );
    const started = daysAgo(320 - 3 * i);
    const enrolment = await post(
      '/v1/enrolments',
      {
        participantId: participant.id,
        programmeId: programme.id,
        ...(group ? { groupId: group.id } : {}),
        coachId: 'demo-coach',
        stage: 'active',
        date: started,
      },
      `${key}-enrolment`,
    );
    const dropout = cohort.dropouts.includes(i);
    const exit = dropout ? daysAgo(260) : daysAgo(215 - 2 * i);
    await post(
      `/v1/enrolments/${enrolment.id}/stage`,
      dropout
        ? { stage: 'discontinued', date: exit, reason: 'Moved to another municipality' }
        : { stage: 'completed', date: exit },
      `${key}-exit`,
      { 'If-Match': `"${enrolment.version}"` },
    );
    if (cohort.qualified?.includes(i)) {
      await post(
        `/v1/participants/${participant.id}/milestones`,
        {
          kind: 'licence-or-permit',
          date: plus(exit, -7),
          enrolmentId: enrolment.id,
          title: 'Hygiene passport',
        },
        `${key}-licence`,
      );
    }
    if (templateId === 'pay-subsidised-job-coaching') {
      // The subsidised job during the coaching: what "progressed" is measured after.
      await post(
        '/v1/outcomes',
        {
          participantId: participant.id,
          enrolmentId: enrolment.id,
          kind: 'employed-pay-subsidy',
          startDate: started,
          endDate: plus(exit, 10),
          employerOrInstitution: 'City of Joensuu',
          source: 'employer',
          verifiedOn: plus(exit, 10),
        },
        `${key}-subsidised`,
      );
    }
    if (!result) return;
    const startDate = plus(exit, result.after + (templateId === 'pay-subsidised-job-coaching' ? 10 : 0));
    await post(
      '/v1/outcomes',
      {
        participantId: participant.id,
        enrolmentId: enrolment.id,
        kind: result.kind,
        startDate,
        ...(result.days === null ? {} : { endDate: plus(startDate, result.days) }),
        source: result.kind.startsWith('employed') ? 'employer' : 'self-reported',
        verifiedOn: daysAgo(20),
      },
      `${key}-outcome`,
    );
  });
}

/**
 * Runs task(0) … task(count - 1), a few at a time: the seed's people and sessions are independent of
 * one another, and the API and DynamoDB Local work on several at once.
 */
async function eachConcurrently(count: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(SEED_CONCURRENCY, count) }, worker));
}

/** How many of the seed's people are written at once. */
const SEED_CONCURRENCY = 6;

const SEED_CLIENT = '01KAQ0DEM00000000000SEED00';
/** The seeding client never gets a token from the token endpoint: its "hash" matches no secret. */
const NO_SECRET = 'none';

const DEMO_ROLES: { role: TenantRole; organisation?: string }[] = [
  { role: 'tenant_admin' },
  { role: 'coach' },
  { role: 'partner', organisation: 'Honkalampi Foundation – KASKI Työvalmennus' },
  { role: 'analyst' },
];

export interface SeedResult {
  seeded: boolean;
  credentials: DemoCredentials;
}

/**
 * Seeds the demo tenant if it is absent, and makes one API client per role unless `existing`
 * credentials still work. Client secrets exist in clear only in the returned credentials.
 */
export async function seedDemo(
  app: App,
  config: AppConfig,
  existing: DemoCredentials | undefined,
  today = new Date(),
): Promise<SeedResult> {
  const { db } = config;
  const seedClientId = clientIdOf(DEMO_TENANT_ID, SEED_CLIENT);
  if (!(await findTenant(db, DEMO_TENANT_ID))) {
    // The seeding client comes with the tenant and is revoked when seeding is done: an active
    // one means a run was cut off, and the next run completes it (every write is idempotent).
    await createTenant(
      db,
      {
        name: 'Demo employment area',
        kind: 'employment-area',
        businessId: '0201256-6',
        contactEmail: 'polku-demo@example.org',
        region: config.region,
        status: 'active',
      },
      {
        id: DEMO_TENANT_ID,
        by: 'pnpm dev',
        with: (tenantId) => [
          newClient(tenantId, { name: 'Demo seeding', role: 'tenant_admin' }, NO_SECRET, { id: SEED_CLIENT })
            .op,
        ],
      },
    );
  }
  const seedClient = await findClient(db, seedClientId);
  const seeded = seedClient?.status === 'active';
  if (seedClient?.status === 'active') {
    const token = await config.tokens.issue({
      tenantId: DEMO_TENANT_ID,
      role: 'tenant_admin',
      subject: seedClientId,
    });
    await seedDemoData(app, token, today);
  }
  const credentials =
    !seeded && existing && (await stillWork(config, existing)) ? existing : await demoClients(config);
  // Revoked last: a run cut off before this seeds nothing twice and makes its clients again.
  if (seedClient?.status === 'active') {
    await revokeClient(db, DEMO_TENANT_ID, SEED_CLIENT, 'seeding finished', seedClient.version);
  }
  return { seeded, credentials };
}

/** Whether every demo role's saved credentials still get a token. */
async function stillWork(config: AppConfig, existing: DemoCredentials): Promise<boolean> {
  for (const { role } of DEMO_ROLES) {
    const saved = existing[role];
    if (!saved) return false;
    const found = await findClientCredentials(config.db, saved.clientId, config.now());
    const valid = found && (await verifySecretAmong(saved.clientSecret, found.secretHashes));
    if (!valid || found.client.status !== 'active' || found.tenantId !== DEMO_TENANT_ID) return false;
  }
  return true;
}

/** One API client per demo role, read straight from storage: no token needed. */
async function demoClients(config: AppConfig): Promise<DemoCredentials> {
  const { db } = config;
  const organisationList = await organisations.list(db, DEMO_TENANT_ID, { limit: 100 });
  const credentials: DemoCredentials = {};
  for (const { role, organisation } of DEMO_ROLES) {
    const clientSecret = generateSecret();
    const organisationId = organisation && organisationList.items.find((o) => o.name === organisation)?.id;
    const client = await createClient(
      db,
      DEMO_TENANT_ID,
      { name: `Demo ${role}`, role, ...(organisationId ? { organisationId } : {}) },
      await hashSecret(clientSecret),
    );
    credentials[role] = { clientId: client.clientId, clientSecret };
  }
  return credentials;
}
