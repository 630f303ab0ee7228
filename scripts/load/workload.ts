/**
 * The mixed traffic: what coaches do in a working day (new people, enrolments, sessions and
 * attendance, outcomes, consents and referrals, reading and listing, metrics) and what partner
 * systems do (poll the inbox, accept, start, complete, record outcomes for the people referred to
 * them), with cross-tenant and cross-organisation probes mixed in. Each operation picks its records
 * from what the load has seen, and holds the ones it changes so that no two requests race on a version.
 */
import type { SeededRandom } from '@polku/domain';
import type { LoadClient, Reply } from './client.ts';
import { helsinkiDate, participantBody } from './setup.ts';
import type { Sample } from './stats.ts';
import type { CountedEntity, Enrolment, Ledger, Referral, Session, Tenant } from './world.ts';

export interface Probes {
  sent: number;
  leaks: number;
  samples: Sample[];
}

export interface Load {
  http: LoadClient;
  ledger: Ledger;
  tenants: Tenant[];
  probes: Probes;
  /** Consents and referrals on their way, so two workers do not send the same one. */
  pending: Set<string>;
  nextKey: () => string;
}

/** Runs one operation for the tenant; false when it has nothing to act on (nothing was sent). */
type Operation = (load: Load, tenant: Tenant, r: SeededRandom) => Promise<boolean>;

const REPLAY_CHANCE = 0.03;
const OPEN = new Set(['sent', 'accepted', 'in-progress', 'on-hold']);
const isOk = (reply: Reply) => reply.status >= 200 && reply.status < 300;

const coachOf = (t: Tenant, r: SeededRandom) => r.pick(t.coachTokens);
const any = <T>(r: SeededRandom, items: readonly T[]): T | undefined =>
  items.length === 0 ? undefined : r.pick(items);
/** A random item that passes the test, from a bounded number of tries (lists only grow). */
function find<T>(r: SeededRandom, items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let i = 0; i < 12 && items.length > 0; i++) {
    const item = r.pick(items);
    if (test(item)) return item;
  }
  return items.find(test);
}

/**
 * A POST that creates records, with a fresh Idempotency-Key; now and then sent a second time with
 * the same key, which must replay the first answer and write nothing.
 */
async function create(
  load: Load,
  r: SeededRandom,
  op: string,
  token: string,
  path: string,
  body: unknown,
  entity: CountedEntity,
  tenant: Tenant,
  idsOf: (body: Reply['body']) => string[] = (b) => [b.id],
): Promise<Reply['body'] | undefined> {
  const key = load.nextKey();
  const send = (name: string) =>
    load.http.send(name, token, 'POST', path, { body, headers: { 'Idempotency-Key': key }, expect: [201] });
  const reply = await send(op);
  if (reply.status !== 201) return undefined;
  const ids = idsOf(reply.body);
  load.ledger.created(entity, tenant.id, ids);
  if (r.chance(REPLAY_CHANCE)) {
    const again = await send(`replay: ${op}`);
    load.ledger.replays++;
    const same = JSON.stringify(idsOf(again.body ?? {})) === JSON.stringify(ids);
    if (again.status !== 201 || again.headers.get('idempotent-replayed') !== 'true' || !same) {
      load.ledger.replayMismatches++;
      if (again.status === 201 && !same) load.ledger.created(entity, tenant.id, idsOf(again.body));
    }
  }
  return reply.body;
}

// ---------------------------------------------------------------------------------------------
// Coaches

const createParticipant: Operation = async (load, t, r) => {
  const body = await create(
    load,
    r,
    'participant: create',
    coachOf(t, r),
    '/v1/participants',
    participantBody(r, t.participants.length),
    'participant',
    t,
  );
  if (body) t.participants.push({ id: body.id, consent: false, openProgrammes: new Set(), enrolmentIds: [] });
  return true;
};

const readParticipant: Operation = async (load, t, r) => {
  const p = any(r, t.participants);
  if (!p) return false;
  await load.http.send('participant: read', coachOf(t, r), 'GET', `/v1/participants/${p.id}`, {
    expect: [200],
  });
  return true;
};

const listParticipants: Operation = async (load, t, r) => {
  const token = coachOf(t, r);
  const page = await load.http.send('participant: list', token, 'GET', '/v1/participants?limit=25', {
    expect: [200],
  });
  if (isOk(page) && page.body.nextCursor && r.chance(0.3)) {
    const cursor = encodeURIComponent(page.body.nextCursor);
    await load.http.send(
      'participant: list next page',
      token,
      'GET',
      `/v1/participants?limit=25&cursor=${cursor}`,
      {
        expect: [200],
      },
    );
  }
  return true;
};

const enrol: Operation = async (load, t, r) => {
  const programme = r.pick(t.programmes);
  const group = r.pick(programme.groups);
  const person = find(r, t.participants, (p) => !p.openProgrammes.has(programme.id));
  if (!person || group.seats >= group.capacity) return false;
  // Responsibility is given, not taken: any coach enrols a person coach-1 is responsible for (an open
  // enrolment names it); a person nobody is responsible for is enrolled by the tenant admin.
  const token = person.openProgrammes.size > 0 ? coachOf(t, r) : t.adminToken;
  person.openProgrammes.add(programme.id);
  group.seats++;
  const body = await create(
    load,
    r,
    'enrolment: create',
    token,
    '/v1/enrolments',
    {
      participantId: person.id,
      programmeId: programme.id,
      groupId: group.id,
      coachId: 'coach-1',
      stage: 'active',
    },
    'enrolment',
    t,
  );
  if (!body) {
    person.openProgrammes.delete(programme.id);
    group.seats--;
    return true;
  }
  group.members.add(person.id);
  person.enrolmentIds.push(body.id);
  t.enrolments.push({
    id: body.id,
    participantId: person.id,
    programmeId: programme.id,
    groupId: group.id,
    stage: 'active',
    version: body.version,
    busy: false,
  });
  return true;
};

const readEnrolment: Operation = async (load, t, r) => {
  const e = any(r, t.enrolments);
  if (!e) return false;
  await load.http.send('enrolment: read', coachOf(t, r), 'GET', `/v1/enrolments/${e.id}`, { expect: [200] });
  return true;
};

const listEnrolments: Operation = async (load, t, r) => {
  const group = r.pick(r.pick(t.programmes).groups);
  await load.http.send(
    'enrolment: list of group',
    coachOf(t, r),
    'GET',
    `/v1/enrolments?groupId=${group.id}`,
    {
      expect: [200],
    },
  );
  return true;
};

const exitEnrolment: Operation = async (load, t, r) => {
  const e = find(r, t.enrolments, (x: Enrolment) => x.stage === 'active' && !x.busy);
  if (!e) return false;
  e.busy = true;
  const body = r.chance(0.8) ? { stage: 'completed' } : { stage: 'discontinued', reason: 'moved away' };
  const reply = await load.http.send(
    'enrolment: exit',
    coachOf(t, r),
    'POST',
    `/v1/enrolments/${e.id}/stage`,
    {
      body,
      headers: { 'If-Match': `"${e.version}"` },
      expect: [200],
    },
  );
  if (isOk(reply)) {
    e.stage = reply.body.stage;
    e.version = reply.body.version;
    t.participants.find((p) => p.id === e.participantId)?.openProgrammes.delete(e.programmeId);
    const group = t.programmes.flatMap((p) => p.groups).find((g) => g.id === e.groupId);
    if (group) group.seats--;
  }
  e.busy = false;
  return true;
};

const createSession: Operation = async (load, t, r) => {
  const programme = r.pick(t.programmes);
  const group = r.pick(programme.groups);
  // Sessions of the past days, so that attendance can be taken for them.
  const startsAt = new Date(
    Math.floor((Date.now() - r.int(1, 96) * 3_600_000) / 60_000) * 60_000,
  ).toISOString();
  const body = await create(
    load,
    r,
    'session: create',
    coachOf(t, r),
    '/v1/sessions',
    { programmeId: programme.id, groupId: group.id, kind: 'group-coaching', durationMinutes: 90, startsAt },
    'session',
    t,
  );
  if (body) {
    t.sessions.push({
      id: body.id,
      programmeId: programme.id,
      groupId: group.id,
      version: body.version,
      started: true,
      busy: false,
    });
  }
  return true;
};

const scheduleSessions: Operation = async (load, t, r) => {
  const programme = r.pick(t.programmes);
  const group = r.pick(programme.groups);
  const startDate = helsinkiDate(new Date(Date.now() + r.int(7, 60) * 86_400_000));
  const body = await create(
    load,
    r,
    'session: schedule',
    coachOf(t, r),
    '/v1/sessions/schedule',
    {
      programmeId: programme.id,
      groupId: group.id,
      kind: 'group-coaching',
      durationMinutes: 90,
      startDate,
      time: '10:00',
      phases: [
        { frequency: 'weekly', days: ['TU'], count: 4 },
        { frequency: 'weekly', interval: 2, days: ['TU'], count: 2 },
      ],
    },
    'session',
    t,
    (b) => (b.items ?? []).map((s: { id: string }) => s.id),
  );
  for (const s of body?.items ?? []) {
    t.sessions.push({
      id: s.id,
      programmeId: programme.id,
      groupId: group.id,
      version: s.version,
      started: false,
      busy: false,
    });
  }
  return true;
};

const ATTENDANCE = [
  'present',
  'present',
  'present',
  'present',
  'excused-absence',
  'unexcused-absence',
] as const;

const takeAttendance: Operation = async (load, t, r) => {
  const groups = new Map(t.programmes.flatMap((p) => p.groups).map((g) => [g.id, g]));
  const s = find(
    r,
    t.sessions,
    (x: Session) => x.started && !x.busy && (groups.get(x.groupId)?.members.size ?? 0) > 0,
  );
  if (!s) return false;
  s.busy = true;
  const token = coachOf(t, r);
  const members = [...(groups.get(s.groupId)?.members ?? [])].slice(0, 49);
  const read = await load.http.send('attendance: read session', token, 'GET', `/v1/sessions/${s.id}`, {
    expect: [200],
  });
  if (isOk(read)) {
    const records = members.map((participantId) => ({ participantId, status: r.pick(ATTENDANCE) }));
    const reply = await load.http.send('attendance: take', token, 'PUT', `/v1/sessions/${s.id}/attendance`, {
      body: { records },
      headers: { 'If-Match': read.headers.get('etag') ?? `"${s.version}"` },
      expect: [200],
    });
    if (isOk(reply)) {
      s.version = Number(String(reply.headers.get('etag')).replaceAll('"', ''));
      load.ledger.created(
        'attendance',
        t.id,
        records.map((record) => `${s.id}|${record.participantId}`),
      );
    }
  }
  s.busy = false;
  return true;
};

const readAttendance: Operation = async (load, t, r) => {
  const s = find(r, t.sessions, (x: Session) => x.started);
  if (!s) return false;
  await load.http.send('attendance: read', coachOf(t, r), 'GET', `/v1/sessions/${s.id}/attendance`, {
    expect: [200],
  });
  return true;
};

const listSessions: Operation = async (load, t, r) => {
  const programme = r.pick(t.programmes);
  const filter = r.chance(0.5) ? `programmeId=${programme.id}` : `groupId=${r.pick(programme.groups).id}`;
  await load.http.send('session: list', coachOf(t, r), 'GET', `/v1/sessions?${filter}`, { expect: [200] });
  return true;
};

const OUTCOME_KINDS = [
  'employed-open-market',
  'employed-pay-subsidy',
  'self-employed',
  'study-place',
  'training',
  'job-searching',
] as const;

const recordOutcome: Operation = async (load, t, r) => {
  const e = any(r, t.enrolments);
  if (!e) return false;
  const startDate = helsinkiDate(new Date(Date.now() - r.int(0, 60) * 86_400_000));
  const body = await create(
    load,
    r,
    'outcome: record',
    coachOf(t, r),
    '/v1/outcomes',
    {
      participantId: e.participantId,
      ...(r.chance(0.7) ? { enrolmentId: e.id } : {}),
      kind: r.pick(OUTCOME_KINDS),
      startDate,
      source: r.pick(['self-reported', 'employer', 'register'] as const),
    },
    'outcome',
    t,
  );
  if (body) t.outcomes.push({ id: body.id, participantId: e.participantId, recordedBy: undefined });
  return true;
};

const listOutcomes: Operation = async (load, t, r) => {
  const p = any(r, t.participants);
  if (!p) return false;
  await load.http.send(
    'outcome: list of person',
    coachOf(t, r),
    'GET',
    `/v1/outcomes?participantId=${p.id}`,
    {
      expect: [200],
    },
  );
  return true;
};

const giveConsent: Operation = async (load, t, r) => {
  const p = find(r, t.participants, (x) => !x.consent && !load.pending.has(`consent ${x.id}`));
  if (!p) return false;
  load.pending.add(`consent ${p.id}`);
  const body = await create(
    load,
    r,
    'consent: give',
    coachOf(t, r),
    `/v1/participants/${p.id}/consents`,
    { covers: { scope: 'network' }, purpose: 'Referrals in the network', givenOn: helsinkiDate(new Date()) },
    'consent',
    t,
  );
  if (body) p.consent = true;
  load.pending.delete(`consent ${p.id}`);
  return true;
};

const SERVICES = ['work-try-out', 'training-trial', 'rehabilitative-work-activity', 'education'] as const;

const sendReferral: Operation = async (load, t, r) => {
  const partner = r.pick(t.partners);
  const pairOf = (id: string) => `referral ${id} ${partner.organisationId}`;
  const p = find(
    r,
    t.participants,
    (x) =>
      x.consent &&
      !load.pending.has(pairOf(x.id)) &&
      !t.referrals.some(
        (f) =>
          f.participantId === x.id && f.toOrganisationId === partner.organisationId && OPEN.has(f.status),
      ),
  );
  if (!p) return false;
  load.pending.add(pairOf(p.id));
  const body = await create(
    load,
    r,
    'referral: send',
    coachOf(t, r),
    '/v1/referrals',
    {
      participantId: p.id,
      fromOrganisationId: t.runnerOrganisationId,
      toOrganisationId: partner.organisationId,
      serviceKind: r.pick(SERVICES),
      needsSummary: 'Synthetic load-test referral',
      desiredStart: helsinkiDate(new Date(Date.now() + 14 * 86_400_000)),
    },
    'referral',
    t,
  );
  if (body) {
    t.referrals.push({
      id: body.id,
      participantId: p.id,
      toOrganisationId: partner.organisationId,
      status: body.status,
      version: body.version,
      busy: false,
    });
  }
  load.pending.delete(pairOf(p.id));
  return true;
};

const followReferrals: Operation = async (load, t, r) => {
  const f = any(r, t.referrals);
  if (!f) return false;
  await load.http.send(
    'referral: follow person',
    coachOf(t, r),
    'GET',
    `/v1/participants/${f.participantId}/referrals`,
    {
      expect: [200],
    },
  );
  return true;
};

const readMetrics: Operation = async (load, t, r) => {
  const programme = r.pick(t.programmes);
  const query = r.pick([
    '',
    `?scope=programme&id=${programme.id}`,
    `?scope=group&id=${r.pick(programme.groups).id}`,
    `?scope=funding-project&id=${t.fundingProjectId}`,
    `?scope=organisation&id=${t.runnerOrganisationId}`,
  ]);
  await load.http.send('metrics: read', coachOf(t, r), 'GET', `/v1/metrics${query}`, { expect: [200] });
  return true;
};

// ---------------------------------------------------------------------------------------------
// Partners

const inbox: Operation = async (load, t, r) => {
  const partner = r.pick(t.partners);
  const query = r.chance(0.7) ? '?status=sent' : '';
  await load.http.send('partner: inbox', partner.token, 'GET', `/v1/referrals${query}`, { expect: [200] });
  return true;
};

const readReferral: Operation = async (load, t, r) => {
  const f = any(r, t.referrals);
  if (!f) return false;
  const partner = t.partners.find((p) => p.organisationId === f.toOrganisationId)!;
  await load.http.send('partner: referral read', partner.token, 'GET', `/v1/referrals/${f.id}`, {
    expect: [200],
  });
  return true;
};

const viewPerson: Operation = async (load, t, r) => {
  const f = find(r, t.referrals, (x: Referral) => OPEN.has(x.status) && !x.busy);
  if (!f) return false;
  const partner = t.partners.find((p) => p.organisationId === f.toOrganisationId)!;
  await load.http.send('partner: person view', partner.token, 'GET', `/v1/referrals/${f.id}/participant`, {
    expect: [200],
  });
  return true;
};

/** The receiver moves one of its referrals from `from` by `action`. */
const move =
  (action: string, from: string, body?: unknown): Operation =>
  async (load, t, r) => {
    const f = find(r, t.referrals, (x: Referral) => x.status === from && !x.busy);
    if (!f) return false;
    f.busy = true;
    const partner = t.partners.find((p) => p.organisationId === f.toOrganisationId)!;
    const reply = await load.http.send(
      `partner: ${action}`,
      partner.token,
      'POST',
      `/v1/referrals/${f.id}/${action}`,
      {
        ...(body ? { body } : {}),
        headers: { 'If-Match': `"${f.version}"` },
        expect: [200],
      },
    );
    if (isOk(reply)) {
      f.status = reply.body.status;
      f.version = reply.body.version;
    }
    f.busy = false;
    return true;
  };

const partnerOutcome: Operation = async (load, t, r) => {
  const f = find(r, t.referrals, (x: Referral) => ['accepted', 'in-progress'].includes(x.status) && !x.busy);
  if (!f) return false;
  f.busy = true;
  const partner = t.partners.find((p) => p.organisationId === f.toOrganisationId)!;
  const body = await create(
    load,
    r,
    'partner: outcome record',
    partner.token,
    '/v1/outcomes',
    {
      participantId: f.participantId,
      kind: r.pick(['work-try-out', 'training', 'rehabilitative-work'] as const),
      startDate: helsinkiDate(new Date()),
      source: 'employer',
    },
    'outcome',
    t,
  );
  if (body)
    t.outcomes.push({ id: body.id, participantId: f.participantId, recordedBy: partner.organisationId });
  f.busy = false;
  return true;
};

const partnerOutcomes: Operation = async (load, t, r) => {
  const o = find(r, t.outcomes, (x) => x.recordedBy !== undefined);
  if (!o) return false;
  const partner = t.partners.find((p) => p.organisationId === o.recordedBy)!;
  await load.http.send(
    'partner: outcome list',
    partner.token,
    'GET',
    `/v1/outcomes?participantId=${o.participantId}`,
    {
      expect: [200],
    },
  );
  return true;
};

// ---------------------------------------------------------------------------------------------
// Probes: a 2xx that shows anything is a read across a boundary that must hold.

const hasItems = (reply: Reply) =>
  isOk(reply) && Array.isArray(reply.body?.items) && reply.body.items.length > 0;

async function probe(
  load: Load,
  kind: string,
  token: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; leaked?: (reply: Reply) => boolean } = {},
): Promise<boolean> {
  load.probes.sent++;
  const reply = await load.http.send(`probe: ${kind}`, token, method, path, {
    ...(options.body ? { body: options.body } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    expect: [400, 403, 404, 200],
  });
  if ((options.leaked ?? isOk)(reply)) {
    load.probes.leaks++;
    if (load.probes.samples.length < 20)
      load.probes.samples.push({ op: `probe: ${kind}`, method, path, status: reply.status });
  }
  return true;
}

const otherTenant = (load: Load, t: Tenant, r: SeededRandom) => {
  const others = load.tenants.filter((x) => x !== t);
  return r.pick(others);
};

const crossTenantProbe: Operation = async (load, t, r) => {
  const y = otherTenant(load, t, r);
  const token = coachOf(t, r);
  const p = any(r, y.participants);
  const e = any(r, y.enrolments);
  const s = any(r, y.sessions);
  const o = any(r, y.outcomes);
  const f = any(r, y.referrals);
  const programme = r.pick(y.programmes);
  const candidates: (() => Promise<boolean>)[] = [
    () => probe(load, 'participant of another tenant', token, 'GET', `/v1/participants/${p?.id}`),
    () => probe(load, 'enrolment of another tenant', token, 'GET', `/v1/enrolments/${e?.id}`),
    () => probe(load, 'session of another tenant', token, 'GET', `/v1/sessions/${s?.id}`),
    () => probe(load, 'attendance of another tenant', token, 'GET', `/v1/sessions/${s?.id}/attendance`),
    () =>
      probe(
        load,
        'group of another tenant',
        token,
        'GET',
        `/v1/programmes/${programme.id}/groups/${programme.groups[0]!.id}`,
      ),
    () => probe(load, 'programme of another tenant', token, 'GET', `/v1/programmes/${programme.id}`),
    () =>
      probe(
        load,
        "metrics of another tenant's programme",
        token,
        'GET',
        `/v1/metrics?scope=programme&id=${programme.id}`,
      ),
    () =>
      probe(
        load,
        "ESF+ report of another tenant's project",
        token,
        'GET',
        `/v1/reports/esf?funding-project=${y.fundingProjectId}`,
      ),
    () =>
      probe(
        load,
        "another tenant's person's enrolments",
        token,
        'GET',
        `/v1/enrolments?participantId=${p?.id}`,
        {
          leaked: hasItems,
        },
      ),
    () =>
      probe(
        load,
        "another tenant's group's enrolments",
        token,
        'GET',
        `/v1/enrolments?groupId=${programme.groups[0]!.id}`,
        {
          leaked: hasItems,
        },
      ),
    () =>
      probe(load, "another tenant's person's outcomes", token, 'GET', `/v1/outcomes?participantId=${p?.id}`, {
        leaked: hasItems,
      }),
    () =>
      probe(
        load,
        "another tenant's programme's sessions",
        token,
        'GET',
        `/v1/sessions?programmeId=${programme.id}`,
        {
          leaked: hasItems,
        },
      ),
    () =>
      probe(load, 'outcome write for another tenant', token, 'POST', '/v1/outcomes', {
        body: {
          participantId: p?.id,
          kind: 'training',
          startDate: helsinkiDate(new Date()),
          source: 'register',
        },
      }),
  ];
  if (o)
    candidates.push(() => probe(load, 'outcome of another tenant', token, 'GET', `/v1/outcomes/${o.id}`));
  if (f) {
    candidates.push(() => probe(load, 'referral of another tenant', token, 'GET', `/v1/referrals/${f.id}`));
    const partner = r.pick(t.partners);
    candidates.push(() =>
      probe(load, "partner: another tenant's referral", partner.token, 'GET', `/v1/referrals/${f.id}`),
    );
  }
  if (!p || !e || !s) return false;
  return r.pick(candidates)();
};

const crossOrganisationProbe: Operation = async (load, t, r) => {
  const f = any(r, t.referrals);
  if (!f) return false;
  const stranger = t.partners.find((p) => p.organisationId !== f.toOrganisationId)!;
  const staffOutcome = find(r, t.outcomes, (o) => o.recordedBy !== stranger.organisationId);
  const candidates: (() => Promise<boolean>)[] = [
    () =>
      probe(load, "partner: another organisation's referral", stranger.token, 'GET', `/v1/referrals/${f.id}`),
    () =>
      probe(
        load,
        "partner: person of another organisation's referral",
        stranger.token,
        'GET',
        `/v1/referrals/${f.id}/participant`,
      ),
    () =>
      probe(
        load,
        "partner: another organisation's inbox",
        stranger.token,
        'GET',
        `/v1/referrals?organisationId=${f.toOrganisationId}`,
      ),
    () =>
      probe(
        load,
        'partner: a participant record',
        stranger.token,
        'GET',
        `/v1/participants/${f.participantId}`,
      ),
    () =>
      probe(
        load,
        "partner: accept another organisation's referral",
        stranger.token,
        'POST',
        `/v1/referrals/${f.id}/accept`,
        {
          headers: { 'If-Match': `"${f.version}"` },
        },
      ),
  ];
  if (staffOutcome) {
    candidates.push(() =>
      probe(
        load,
        'partner: an outcome it did not record',
        stranger.token,
        'GET',
        `/v1/outcomes/${staffOutcome.id}`,
      ),
    );
  }
  return r.pick(candidates)();
};

/** Weights: about three quarters coaches' work, a fifth partners' systems, 4% probes. */
export const OPERATIONS: [Operation, number][] = [
  [createParticipant, 7],
  [readParticipant, 10],
  [listParticipants, 6],
  [enrol, 6],
  [readEnrolment, 3],
  [listEnrolments, 3],
  [exitEnrolment, 2],
  [createSession, 3],
  [scheduleSessions, 0.5],
  [takeAttendance, 5],
  [readAttendance, 2],
  [listSessions, 3],
  [recordOutcome, 5],
  [listOutcomes, 2],
  [giveConsent, 2.5],
  [sendReferral, 4],
  [followReferrals, 2],
  [readMetrics, 4],
  [inbox, 7],
  [readReferral, 3],
  [viewPerson, 2],
  [move('accept', 'sent'), 3],
  [move('decline', 'sent', { reason: 'No places this month' }), 0.5],
  [move('start', 'accepted'), 2.5],
  [move('complete', 'in-progress', { outcome: 'Finished the try-out' }), 1.5],
  [partnerOutcome, 2],
  [partnerOutcomes, 1],
  [crossTenantProbe, 2.5],
  [crossOrganisationProbe, 1.5],
];

const TOTAL_WEIGHT = OPERATIONS.reduce((sum, [, w]) => sum + w, 0);

/** One step of a worker: a tenant, an operation by weight, or a read when it has nothing to act on. */
export async function step(load: Load, r: SeededRandom): Promise<void> {
  const tenant = r.pick(load.tenants);
  let at = r.next() * TOTAL_WEIGHT;
  let chosen = OPERATIONS[0]![0];
  for (const [operation, weight] of OPERATIONS) {
    at -= weight;
    if (at < 0) {
      chosen = operation;
      break;
    }
  }
  if (!(await chosen(load, tenant, r))) await readParticipant(load, tenant, r);
}
