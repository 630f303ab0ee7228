/**
 * The isolation proof. Every route of the OpenAPI document is called with tenant A's real ids by
 * each principal that must not see A's records: tenant B's four roles, as API clients and as staff
 * signed on through B's identity provider, A's partner of one organisation (a client and a staff
 * user), A's analyst and the operator. A route added to the API joins the matrix by itself; one whose
 * path names an id this file cannot supply fails until it is given one.
 */
import { randomInt } from 'node:crypto';
import type { PrincipalKind, Role } from '@polku/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { created, fundedGroupProgramme, participantBody } from './support/fixtures.ts';
import {
  type Caller,
  type Credentials,
  call,
  createHarness,
  createTestTenant,
  type Harness,
  requestToken,
  scanTable,
  type TestResponse,
  type TestTenant,
} from './support/harness.ts';
import {
  addWhoami,
  type IdentityProviders,
  startIdentityProviders,
  type TestProvider,
  WHOAMI,
} from './support/identity-provider.ts';
import { bodiesFor, type OpenApiDocument, type Route, routesOf, sampleOf } from './support/openapi.ts';

/** What a principal may be shown of A: tenant metadata, organisations, other records, personal data. */
type Kind = 'tenant' | 'organisation' | 'record' | 'personal';

interface Secret {
  kind: Kind;
  value: string;
}

interface PrincipalSpec {
  name: string;
  role: Role;
  /** An API client, a staff user signed on through the tenant's identity provider, or the operator. */
  kind: PrincipalKind;
  /** A's own principals and the operator; the others are tenant B's. */
  ofA: boolean;
  sees: readonly Kind[];
}

// PERMISSIONS: partners read the tenant, its organisations and the templates; nothing else.
const PARTNER_SEES: readonly Kind[] = ['tenant', 'organisation'];

const PRINCIPALS: readonly PrincipalSpec[] = [
  { name: "B's tenant_admin", role: 'tenant_admin', kind: 'client', ofA: false, sees: [] },
  { name: "B's coach", role: 'coach', kind: 'client', ofA: false, sees: [] },
  { name: "B's partner", role: 'partner', kind: 'client', ofA: false, sees: [] },
  { name: "B's analyst", role: 'analyst', kind: 'client', ofA: false, sees: [] },
  { name: "B's staff tenant_admin (SSO)", role: 'tenant_admin', kind: 'user', ofA: false, sees: [] },
  { name: "B's staff coach (SSO)", role: 'coach', kind: 'user', ofA: false, sees: [] },
  { name: "B's staff partner (SSO)", role: 'partner', kind: 'user', ofA: false, sees: [] },
  { name: "B's staff analyst (SSO)", role: 'analyst', kind: 'user', ofA: false, sees: [] },
  { name: "A's partner of organisation X", role: 'partner', kind: 'client', ofA: true, sees: PARTNER_SEES },
  {
    name: "A's staff partner of organisation X (SSO)",
    role: 'partner',
    kind: 'user',
    ofA: true,
    sees: PARTNER_SEES,
  },
  {
    name: "A's analyst",
    role: 'analyst',
    kind: 'client',
    ofA: true,
    sees: ['tenant', 'organisation', 'record'],
  },
  { name: 'the operator', role: 'platform_admin', kind: 'operator', ofA: true, sees: ['tenant'] },
];

/** The group in a staff user's token that the tenant's identity provider maps to the role. */
const groupFor = (role: Role) => `polku-${role}`;
const staffSubject = (principal: PrincipalSpec) =>
  `${principal.role}@${principal.ofA ? 'ilomantsi' : 'lieksa'}.example`;

const ULID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID = /[0-9A-HJKMNP-TV-Z]{26}/g;
const randomUlid = () =>
  `01${Array.from({ length: 24 }, () => ULID_ALPHABET[randomInt(ULID_ALPHABET.length)]).join('')}`;

let harness: Harness;
let identityProviders: IdentityProviders;
let a: TestTenant;
let b: TestTenant;
let document: OpenApiDocument;
const tokens = new Map<string, string>();

/** Tenant A as the matrix addresses it. */
const world = {
  /** By the path segment before the parameter and the parameter's name, e.g. `groups/{groupId}`. */
  pathIds: {} as Record<string, string>,
  /** Ids of A named in queries and bodies, by field name. */
  namedIds: {} as Record<string, string>,
  /** Every id of A: what the ghost requests replace. */
  ids: [] as string[],
  secrets: [] as Secret[],
  /** ETags of A's records by path, as A reads them: B attacks with the current version. */
  etags: new Map<string, string>(),
  x: { id: '' },
  y: { id: '' },
  z: { id: '' },
  participants: [] as { id: string }[],
  snapshot: [] as Record<string, unknown>[],
};

async function tokenOf(credentials: Credentials): Promise<string> {
  const response = await requestToken(harness, credentials);
  if (response.status !== 200) throw new Error(`token: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.access_token;
}

function secrets(kind: Kind, ...values: (string | undefined)[]) {
  for (const value of values) if (value) world.secrets.push({ kind, value });
}

/** Every item of A's partitions but its idempotency records, in a stable order. */
async function itemsOfA(): Promise<Record<string, unknown>[]> {
  const own = (pk: string) => pk === `T#${a.id}` || pk.startsWith(`T#${a.id}#`);
  return (await scanTable(harness))
    .filter((item) => own(String(item.PK)) && !String(item.PK).startsWith(`T#${a.id}#IDEM#`))
    .sort((p, q) => `${p.PK}|${p.SK}`.localeCompare(`${q.PK}|${q.SK}`));
}

const people = [
  {
    firstName: 'Ilmatar',
    lastName: 'Vänskä-Kivioja',
    email: 'ilmatar.vk@koti.example',
    phone: '+358 40 765 4321',
    birthDate: '1998-03-14',
    identityCode: '140398-123P',
    municipality: 'Rääkkylä',
  },
  {
    firstName: 'Väinämö',
    lastName: 'Rautasuo',
    email: 'vaino.rautasuo@koti.example',
    phone: '+358 50 111 2233',
    birthDate: '2001-11-02',
    identityCode: '021101A4564',
    municipality: 'Rääkkylä',
  },
];

/** Tenant A with a little of everything, built through the API as its own staff would. */
async function buildTenantA() {
  const admin = a.as('tenant_admin');
  const coach = a.as('coach');
  const x = await created(admin, '/v1/organisations', {
    name: 'Ohjaamo Ilomantsi',
    kind: 'one-stop-guidance-centre',
    municipality: 'Ilomantsi',
    contactEmail: 'ohjaamo@ilomantsi.example',
  });
  const y = await created(admin, '/v1/organisations', {
    name: 'Kaski Kontiolahti ry',
    kind: 'ngo',
    contactEmail: 'kaski@kontiolahti.example',
    contactPhone: '+358 13 555 0101',
  });
  const { project, programme, group } = await fundedGroupProgramme(admin, coach, y.id);
  const participants = [];
  const enrolments = [];
  for (const person of people) {
    const participant = await created(coach, '/v1/participants', participantBody(person));
    participants.push(participant);
    enrolments.push(
      await created(coach, '/v1/enrolments', {
        participantId: participant.id,
        programmeId: programme.id,
        groupId: group.id,
        coachId: 'coach-helmi-sarvas',
        stage: 'active',
        date: '2026-09-01',
      }),
    );
  }
  const session = await created(coach, '/v1/sessions', {
    programmeId: programme.id,
    groupId: group.id,
    kind: 'group-coaching',
    title: 'Tiistaitapaaminen',
    location: 'Kontiolahden kirjasto',
    startsAt: '2026-10-06T07:00:00Z',
    durationMinutes: 120,
  });
  const attendance = await coach('PUT', `/v1/sessions/${session.id}/attendance`, {
    body: {
      records: [
        { participantId: participants[0].id, status: 'present' },
        { participantId: participants[1].id, status: 'excused-absence', note: 'Lääkärissä' },
      ],
    },
    headers: { 'If-Match': '"1"' },
  });
  if (attendance.status !== 200) throw new Error(`attendance: ${attendance.status}`);
  const milestone = await created(coach, `/v1/participants/${participants[0].id}/milestones`, {
    kind: 'job-application',
    date: '2026-10-10',
    title: 'Varastotyöntekijä, Kesko Joensuu',
    enrolmentId: enrolments[0].id,
  });
  const partner = await created(admin, '/v1/clients', {
    name: 'Ohjaamo case system',
    role: 'partner',
    organisationId: x.id,
  });
  const clients = (await admin('GET', '/v1/clients?limit=100')).body.items as { id: string; role: string }[];
  const client = clients.find((c) => c.role === 'coach')!;

  world.x = x;
  world.y = y;
  world.participants = participants;
  world.pathIds = {
    'tenants/{id}': a.id,
    'clients/{id}': client.id,
    'organisations/{id}': y.id,
    'funding-projects/{id}': project.id,
    'programmes/{id}': programme.id,
    'groups/{groupId}': group.id,
    'participants/{id}': participants[0].id,
    'enrolments/{id}': enrolments[0].id,
    'sessions/{id}': session.id,
    'programme-templates/{templateId}': 'small-group-coaching',
  };
  world.namedIds = {
    organisationId: y.id,
    fundingProjectId: project.id,
    programmeId: programme.id,
    groupId: group.id,
    participantId: participants[0].id,
    enrolmentId: enrolments[0].id,
    sessionId: session.id,
    clientId: client.id,
    actorId: a.credentials.coach!.clientId,
    coachId: 'coach-helmi-sarvas',
  };
  world.ids = [
    a.id,
    x.id,
    y.id,
    project.id,
    programme.id,
    group.id,
    session.id,
    milestone.id,
    partner.id,
    client.id,
    ...participants.map((p) => p.id),
    ...enrolments.map((e) => e.id),
  ];
  secrets('tenant', a.id, 'Ilomantsi employment area');
  secrets('organisation', x.id, x.name, x.contactEmail, y.id, y.name, y.contactEmail, y.contactPhone);
  secrets(
    'record',
    project.id,
    project.name,
    programme.id,
    programme.name,
    group.id,
    group.name,
    group.leaderName,
    session.id,
    session.title,
    session.location,
    milestone.id,
    partner.id,
    partner.name,
    client.id,
    'coach-helmi-sarvas',
    ...enrolments.map((e) => e.id),
    ...participants.map((p) => p.id),
  );
  secrets('personal', 'Lääkärissä', milestone.title);
  // A network meeting organisation X had no part in: X's partner must not see it or its action.
  const meeting = await created(coach, '/v1/network-meetings', {
    participantId: participants[0].id,
    date: '2026-10-12',
    organisationsPresent: [y.id],
    summary: 'Työkokeilu Kaskella sovittu, kuljetus järjestettävä',
    actions: [
      { description: 'Työkokeilun aloitus Kaskella', ownerOrganisationId: y.id, dueDate: '2026-11-02' },
    ],
  });
  const action = meeting.actions[0];
  Object.assign(world.pathIds, { 'network-meetings/{id}': meeting.id, 'actions/{actionId}': action.id });
  world.ids.push(meeting.id, action.id);
  secrets('record', meeting.id, action.id);
  secrets('personal', meeting.summary, action.description);
  // A referral from Y to Z under the participant's consent: X's partner is neither side of it.
  const z = await created(admin, '/v1/organisations', { name: 'Honkalammen säätiö', kind: 'foundation' });
  const consent = await created(coach, `/v1/participants/${participants[0].id}/consents`, {
    covers: { scope: 'organisations', organisationIds: [y.id, z.id] },
    purpose: 'Työkokeilu Honkalammella ja sen seuranta',
    givenOn: '2026-10-01',
  });
  const referral = await created(coach, '/v1/referrals', {
    participantId: participants[0].id,
    fromOrganisationId: y.id,
    toOrganisationId: z.id,
    serviceKind: 'work-try-out',
    needsSummary: 'Haluaa kokeilla puutöitä; tarvitsee tukea aamuihin',
    desiredStart: '2026-12-01',
  });
  world.z = z;
  Object.assign(world.pathIds, { 'consents/{consentId}': consent.id, 'referrals/{id}': referral.id });
  world.ids.push(z.id, consent.id, referral.id);
  secrets('organisation', z.id, z.name);
  secrets('record', consent.id, referral.id);
  secrets('personal', consent.purpose, referral.needsSummary);
  // The person's outcome, recorded by A's coach: X's partner did not record it, so must not see it.
  const outcome = await created(coach, '/v1/outcomes', {
    participantId: participants[0].id,
    enrolmentId: enrolments[0].id,
    kind: 'work-try-out',
    startDate: '2026-12-01',
    employerOrInstitution: 'Honkalammen puutyöverstas',
    source: 'employer',
  });
  Object.assign(world.pathIds, { 'outcomes/{id}': outcome.id });
  world.ids.push(outcome.id);
  secrets('record', outcome.id);
  secrets('personal', outcome.employerOrInstitution);
  // A webhook endpoint of Y's partner system: only A's tenant_admin manages it.
  const webhook = await created(admin, '/v1/webhooks', {
    organisationId: y.id,
    url: 'https://kaski.kontiolahti.example/polku/webhooks',
    eventTypes: ['referral.created', 'action.assigned'],
  });
  Object.assign(world.pathIds, { 'webhooks/{id}': webhook.id });
  world.ids.push(webhook.id);
  secrets('record', webhook.id, webhook.url, webhook.signingSecret);
  for (const person of people) secrets('personal', ...Object.values(person));
  return partner as Credentials;
}

// ---- requests built from the document

/** Bodies the generic sample would get refused before the route looks at A's ids. */
const bodies = () =>
  bodiesFor({
    // B's administrator tries to bind a partner client to A's organisation; B maps its own staff to it.
    partnerOrganisationId: world.x.id,
    // Y refers A's participant to Z: no principal under test may send for Y.
    organisationId: world.y.id,
    toOrganisationId: world.z.id,
    fundingProjectId: world.namedIds.fundingProjectId!,
    programmeId: world.namedIds.programmeId!,
    groupId: world.namedIds.groupId!,
    participantId: world.namedIds.participantId!,
  });

interface Probe {
  method: string;
  path: string;
  body?: unknown;
  /** The path or body names a record of A (not only a query filter). */
  namesA: boolean;
}

/** The requests of one route: the path with A's ids, once bare and once per id filter of its query. */
function probesOf(route: Route): Probe[] {
  const path = route.path.replace(/([^/]+)\/\{(\w+)\}/g, (_, segment: string, param: string) => {
    const id = world.pathIds[`${segment}/{${param}}`];
    if (!id) throw new Error(`add an id for ${route.path} (${segment}/{${param}})`);
    return `${segment}/${id}`;
  });
  if (path.includes('{')) throw new Error(`add an id for ${route.path}`);
  const schema = route.operation.requestBody?.content?.['application/json']?.schema;
  const override = bodies()[`${route.method} ${route.path}`];
  const body =
    route.method === 'GET'
      ? undefined
      : override
        ? override()
        : schema
          ? sampleOf(schema, { document, namedIds: world.namedIds })
          : {};
  const named = (text: string) => world.ids.some((id) => text.includes(id));
  const namesA = named(path) || named(JSON.stringify(body ?? null));
  const filters = (route.operation.parameters ?? []).filter((p) => p.in === 'query' && p.name.endsWith('Id'));
  return [
    { method: route.method, path, body, namesA },
    ...filters.map((filter) => {
      const id = world.namedIds[filter.name];
      if (!id) throw new Error(`add an id for the query parameter ${filter.name} of ${route.path}`);
      return { method: route.method, path: `${path}?${filter.name}=${encodeURIComponent(id)}`, body, namesA };
    }),
  ];
}

/** The same probe with every id of A replaced by one that exists nowhere. */
function ghostOf(probe: Probe, ghosts: Map<string, string>): Probe {
  const swap = (text: string) =>
    text.replace(ULID, (id) => {
      if (!world.ids.includes(id)) return id;
      if (!ghosts.has(id)) ghosts.set(id, randomUlid());
      return ghosts.get(id)!;
    });
  return {
    ...probe,
    path: swap(probe.path),
    ...(probe.body === undefined ? {} : { body: JSON.parse(swap(JSON.stringify(probe.body))) }),
  };
}

/** A's current ETag of the record a write addresses: the path itself, or the nearest parent read. */
function etagFor(path: string): string {
  for (let p = path; p.includes('/'); p = p.slice(0, p.lastIndexOf('/'))) {
    const etag = world.etags.get(p);
    if (etag) return etag;
  }
  return '"1"';
}

let keys = 0;
/** How the matrix was answered, for its summary line. */
const statuses = new Map<number, number>();
async function send(principal: PrincipalSpec, probe: Probe): Promise<TestResponse> {
  const headers: Record<string, string> = {};
  if (probe.method !== 'GET') {
    // A's own principals send a stale version: what their role may write (an operator's tenant
    // actions) must not change A. B sends A's current one: the strongest attempt.
    headers['If-Match'] = principal.ofA ? '"0"' : etagFor(probe.path.split('?')[0]!);
  }
  if (probe.method === 'POST') headers['Idempotency-Key'] = `isolation-${++keys}`;
  return call(harness, tokens.get(principal.name), probe.method, probe.path, {
    headers,
    ...(probe.body === undefined ? {} : { body: probe.body }),
  });
}

/** What of A a response shows that the principal may not see and did not send itself. */
function leaksIn(principal: PrincipalSpec, probe: Probe, response: TestResponse): string[] {
  const shown = `${JSON.stringify(response.body ?? null)} ${response.headers.get('location') ?? ''}`;
  const sent = `${probe.path} ${JSON.stringify(probe.body ?? null)}`;
  return world.secrets
    .filter((s) => !principal.sees.includes(s.kind) && shown.includes(s.value) && !sent.includes(s.value))
    .map((s) => `${s.kind} "${s.value}"`);
}

const is2xx = (status: number) => status >= 200 && status < 300;
const problemType = (response: TestResponse) => (response.body as { type?: string } | undefined)?.type;

/** Everything wrong with one principal's answer to one probe. */
async function checkProbe(principal: PrincipalSpec, route: Route, probe: Probe): Promise<string[]> {
  const label = `${principal.name}: ${probe.method} ${probe.path}`;
  const response = await send(principal, probe);
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  const problems: string[] = [];
  const { status } = response;
  if (status >= 500) problems.push(`${label} → ${status}`);
  // A refused token would pass every check below without testing anything.
  if (status === 401) problems.push(`${label} → 401: the principal's token was refused`);
  if (route.roles && !route.roles.includes(principal.role) && status !== 403) {
    problems.push(`${label} → ${status}, not 403: the role lacks the permission`);
  }
  const leaks = leaksIn(principal, probe, response);
  if (leaks.length > 0) problems.push(`${label} → ${status} shows ${leaks.join(', ')}`);
  if (principal.ofA) return problems;

  if (probe.namesA && is2xx(status)) problems.push(`${label} → ${status}: B reached a record of A`);
  const ghost = await send(principal, ghostOf(probe, new Map()));
  if (ghost.status !== status || problemType(ghost) !== problemType(response)) {
    problems.push(
      `${label} → ${status} ${problemType(response) ?? ''}, but ${ghost.status} ${problemType(ghost) ?? ''} ` +
        'for ids that exist nowhere: the answer tells that A has the record',
    );
  }
  const location = response.headers.get('location');
  if (probe.method !== 'GET' && is2xx(status) && location) {
    const inB = await b.as('tenant_admin')('GET', location);
    if (inB.status !== 200)
      problems.push(`${label} created ${location}, which B cannot read (${inB.status})`);
  }
  return problems;
}

async function inChunks<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size)
    results.push(...(await Promise.all(items.slice(i, i + size).map(run))));
  return results;
}

/**
 * Registers the tenant's identity provider with a mapping per role (a partner's to its
 * organisation): the first registration, or a replacement of the version given.
 */
async function registerIdentityProvider(
  tenant: TestTenant,
  provider: TestProvider,
  roles: { role: Role; organisationId?: string }[],
  version?: number,
) {
  const response = await tenant.as('tenant_admin')('PUT', '/v1/identity-provider', {
    body: {
      issuer: provider.issuer,
      jwksUri: provider.jwksUri,
      audience: 'polku',
      roleClaim: 'groups',
      roleMappings: roles.map((mapping) => ({ value: groupFor(mapping.role), ...mapping })),
    },
    ...(version === undefined ? {} : { headers: { 'If-Match': `"${version}"` } }),
  });
  if (!is2xx(response.status))
    throw new Error(`identity provider: ${response.status} ${JSON.stringify(response.body)}`);
}

/** A tenant as its staff sign on: its identity provider, and the organisation its partner staff act for. */
interface SignOn {
  tenant: TestTenant;
  provider: TestProvider;
  partnerOf: string;
}

/** A staff user's token from the tenant's identity provider, checked to sign on as the principal. */
async function staffToken(principal: PrincipalSpec, { tenant, provider, partnerOf }: SignOn) {
  const subject = staffSubject(principal);
  const token = await provider.token({ sub: subject, groups: [groupFor(principal.role)] });
  const whoami = await call(harness, token, 'GET', WHOAMI);
  expect(whoami.body, principal.name).toEqual({
    tenantId: tenant.id,
    role: principal.role,
    subject,
    kind: 'user',
    ...(principal.role === 'partner' ? { organisationId: partnerOf } : {}),
  });
  return token;
}

beforeAll(async () => {
  identityProviders = await startIdentityProviders();
  harness = await createHarness({ staffSignOn: { allowLoopbackHttp: true, jwksCooldownMs: 0 } });
  addWhoami(harness);
  a = await createTestTenant(harness, { name: 'Ilomantsi employment area' });
  b = await createTestTenant(harness, { name: 'Lieksa employment area' });
  const partnerOfX = await buildTenantA();

  const bAdmin = b.as('tenant_admin');
  const bOrganisation = await created(bAdmin, '/v1/organisations', {
    name: 'Ohjaamo Lieksa',
    kind: 'one-stop-guidance-centre',
  });
  const bPartner = await created(bAdmin, '/v1/clients', {
    name: 'Lieksa partner',
    role: 'partner',
    organisationId: bOrganisation.id,
  });
  await created(b.as('coach'), '/v1/participants', participantBody());

  const [aIdp, bIdp] = await Promise.all([
    identityProviders.provider('ilomantsi'),
    identityProviders.provider('lieksa'),
  ]);
  await registerIdentityProvider(a, aIdp, [{ role: 'partner', organisationId: world.x.id }]);
  const staff = PRINCIPALS.filter((p) => p.kind === 'user');
  secrets('record', aIdp.issuer, ...staff.filter((p) => p.ofA).map(staffSubject));
  // B registers two roles, then all four: at version 2, its registration is out of reach of the
  // If-Match "1" the matrix's writes send, so DELETE /v1/identity-provider cannot sign B's staff out.
  await registerIdentityProvider(b, bIdp, [{ role: 'tenant_admin' }, { role: 'coach' }]);
  await registerIdentityProvider(
    b,
    bIdp,
    [
      { role: 'tenant_admin' },
      { role: 'coach' },
      { role: 'analyst' },
      { role: 'partner', organisationId: bOrganisation.id },
    ],
    1,
  );

  // B's tenant settings move past version 1 too: the matrix's If-Match "1" cannot change them.
  const bSettings = await b.as('tenant_admin')('PATCH', '/v1/tenant', {
    body: { smallCountThreshold: 5 },
    headers: { 'If-Match': '"1"' },
  });
  expect(bSettings.status).toBe(200);

  const [bAdminToken, bCoach, bAnalyst, bPartnerToken, aPartner, aAnalyst, operator] = await Promise.all([
    b.token('tenant_admin'),
    b.token('coach'),
    b.token('analyst'),
    tokenOf(bPartner),
    tokenOf(partnerOfX),
    a.token('analyst'),
    tokenOf(harness.operator),
  ]);
  for (const [name, token] of [
    ["B's tenant_admin", bAdminToken],
    ["B's coach", bCoach],
    ["B's partner", bPartnerToken],
    ["B's analyst", bAnalyst],
    ["A's partner of organisation X", aPartner],
    ["A's analyst", aAnalyst],
    ['the operator', operator],
  ] as const)
    tokens.set(name, token);
  const signOnA: SignOn = { tenant: a, provider: aIdp, partnerOf: world.x.id };
  const signOnB: SignOn = { tenant: b, provider: bIdp, partnerOf: bOrganisation.id };
  for (const principal of staff)
    tokens.set(principal.name, await staffToken(principal, principal.ofA ? signOnA : signOnB));

  document = (await call(harness, undefined, 'GET', '/v1/openapi.json')).body;
  const aAdmin = a.as('tenant_admin');
  for (const route of routesOf(document).filter((r) => r.method === 'GET' && r.path.includes('{'))) {
    const path = probesOf(route)[0]!.path;
    const etag = (await aAdmin('GET', path)).headers.get('etag');
    if (etag) world.etags.set(path, etag);
  }
  world.snapshot = await itemsOfA();
});

afterAll(() => identityProviders?.stop());

describe('the isolation matrix: every route of the OpenAPI document × every principal', () => {
  let cases = 0;
  let requests = 0;
  const found: string[] = [];

  it.each(PRINCIPALS)('$name reaches nothing of tenant A it may not see', async (principal) => {
    const routes = routesOf(document);
    const probes = routes.flatMap((route) => probesOf(route).map((probe) => ({ route, probe })));
    const problems = (
      await inChunks(probes, 20, ({ route, probe }) => checkProbe(principal, route, probe))
    ).flat();
    cases += routes.length;
    requests += probes.length * (principal.ofA ? 1 : 2);
    found.push(...problems);
    expect(problems).toEqual([]);
  });

  it('covered every route for every principal', () => {
    const routes = routesOf(document).length;
    const count = (kind: PrincipalKind) => PRINCIPALS.filter((p) => p.kind === kind).length;
    console.log(
      `isolation matrix: ${cases} cases (${routes} routes × ${PRINCIPALS.length} principals: ` +
        `${count('client')} API clients, ${count('user')} SSO staff users, ${count('operator')} operator), ` +
        `${requests} requests (${[...statuses]
          .sort(([p], [q]) => p - q)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}), ` +
        `${found.length} leaks`,
    );
    expect(cases).toBe(routes * PRINCIPALS.length);
    expect(cases).toBeGreaterThan(100);
  });

  it('left every item of tenant A as it was', async () => {
    expect(world.snapshot.length).toBeGreaterThan(20);
    expect(await itemsOfA()).toEqual(world.snapshot);
  });
});

describe('what tenant A mints is useless in tenant B', () => {
  /** The cursor with one character of its signed data changed. */
  const tampered = (cursor: string) => {
    const i = Math.floor(cursor.indexOf('.') / 2);
    return `${cursor.slice(0, i)}${cursor[i] === 'A' ? 'B' : 'A'}${cursor.slice(i + 1)}`;
  };

  it.each(['/v1/participants', '/v1/organisations'])(
    "a cursor of A's %s is refused in B's, and a tampered one in A's",
    async (list) => {
      const mine = a.as('tenant_admin');
      const { nextCursor } = (await mine('GET', `${list}?limit=1`)).body;
      expect(nextCursor).toEqual(expect.any(String));
      const page = (caller: Caller, cursor: string) =>
        caller('GET', `${list}?limit=1&cursor=${encodeURIComponent(cursor)}`);
      expect((await page(mine, nextCursor)).status).toBe(200);
      expect((await page(b.as('tenant_admin'), nextCursor)).status).toBe(400);
      expect((await page(mine, tampered(nextCursor))).status).toBe(400);
    },
  );

  it("an ETag of A's record opens nothing in B: If-Match is a version, never an address", async () => {
    const aCoach = a.as('coach');
    const bCoach = b.as('coach');
    const target = world.participants[1]!.id;
    const before = await aCoach('GET', `/v1/participants/${target}`);
    const etag = before.headers.get('etag')!;
    const own = await created(bCoach, '/v1/participants', participantBody());
    expect(own.version).toBe(Number(etag.replaceAll('"', '')));

    const patch = { body: { municipality: 'Lieksa' }, headers: { 'If-Match': etag } };
    const attack = await bCoach('PATCH', `/v1/participants/${target}`, patch);
    expect(attack.status).toBe(404);
    const mine = await bCoach('PATCH', `/v1/participants/${own.id}`, patch);
    expect(mine.status).toBe(200);
    expect(mine.body.id).toBe(own.id);

    const after = await aCoach('GET', `/v1/participants/${target}`);
    expect(after.body).toEqual(before.body);
    expect(after.headers.get('etag')).toBe(etag);
  });

  it("an Idempotency-Key A used runs afresh in B, replaying nothing of A's", async () => {
    const aCoach = a.as('coach');
    const bCoach = b.as('coach');
    const request = {
      body: participantBody({ firstName: 'Sama', lastName: 'Avain' }),
      headers: { 'Idempotency-Key': 'shared-between-tenants' },
    };
    const first = await aCoach('POST', '/v1/participants', request);
    expect(first.status).toBe(201);
    const retry = await aCoach('POST', '/v1/participants', request);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.id).toBe(first.body.id);

    const theirs = await bCoach('POST', '/v1/participants', request);
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.id).not.toBe(first.body.id);
    expect((await bCoach('GET', `/v1/participants/${theirs.body.id}`)).status).toBe(200);
    expect((await bCoach('GET', `/v1/participants/${first.body.id}`)).status).toBe(404);
    expect((await aCoach('GET', `/v1/participants/${theirs.body.id}`)).status).toBe(404);
  });
});
