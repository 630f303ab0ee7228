/**
 * The benchmark's tenant: the demo tenant (programmes, groups, 51 participants with enrolments,
 * sessions, attendance and past cohorts' outcomes), plus an evening group of eight with its
 * sessions, twenty referrals in a partner's inbox, and metrics projected from all of it.
 * Written through the API, so the data obeys every rule real data does.
 */
import type { App, AppConfig } from '@polku/api';
import { DEMO_TENANT_ID, seedDemo } from '@polku/devstack';
import { dayOf, metrics } from '@polku/domain';
import { projectEveryone } from '../../functions/api/src/metrics/reconcile.ts';

type Json = Record<string, unknown> & { id: string; version: number };

export interface Tokens {
  tenant_admin: string;
  coach: string;
  partner: string;
  analyst: string;
}

/** What the benchmarked requests name: ids in the seeded tenant. */
export interface BenchTenant {
  tenantId: string;
  tokens: Tokens;
  /** A fresh token of the role, from the token endpoint. */
  mint: (role: keyof Tokens) => Promise<string>;
  /** A participant of the evening group: the one read. */
  participantId: string;
  careerCoachingId: string;
  eveningGroupId: string;
  /** In the evening group's programme, not yet enrolled: the one enrolled. */
  newcomerId: string;
  /** A started session of the evening group without attendance, and its ETag version. */
  session: { id: string; version: number; members: string[] };
  ohjaamoId: string;
  foundationId: string;
  fundingProjectId: string;
  /** Consent given, no referral yet: the one referred. */
  referableId: string;
  /** An enrolment of the evening group: where an outcome is recorded. */
  enrolment: { id: string; participantId: string };
}

export async function seedBenchTenant(app: App, config: AppConfig, today: Date): Promise<BenchTenant> {
  const { credentials } = await seedDemo(app, config, undefined, today);
  const tokenOf = async (role: keyof Tokens) => {
    const { clientId, clientSecret } = credentials[role]!;
    const response = await app.request('/v1/oauth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      }),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const tokens: Tokens = {
    tenant_admin: await tokenOf('tenant_admin'),
    coach: await tokenOf('coach'),
    partner: await tokenOf('partner'),
    analyst: await tokenOf('analyst'),
  };
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await app.request(path, {
      method,
      headers: {
        Authorization: `Bearer ${tokens.tenant_admin}`,
        'Content-Type': 'application/json',
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as Json;
    if (!response.ok)
      throw new Error(`seeding ${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const list = async (path: string) => (await call('GET', path)).items as Json[];
  const date = (daysAgo: number) => metrics.addDays(dayOf(today), -daysAgo);

  const organisations = await list('/v1/organisations?limit=100');
  const named = (prefix: string) => organisations.find((o) => String(o.name).startsWith(prefix))!.id;
  const ohjaamoId = named('Ohjaamo');
  const foundationId = named('Honkalampi');
  const programmes = await list('/v1/programmes?limit=100');
  const careerCoaching = programmes.find((p) => p.templateId === 'career-coaching')!;
  const fundingProjectId = String(careerCoaching.fundingProjectId);

  // The evening group: eight people coached together twice a week, and one more about to join.
  const group = await call('POST', `/v1/programmes/${careerCoaching.id}/groups`, {
    name: 'Evening group',
    leaderName: 'Group leader',
    meetingDays: ['MO', 'WE'],
    capacity: 10,
  });
  const people: string[] = [];
  for (let i = 0; i < 9; i++) {
    const person = await call(
      'POST',
      '/v1/participants',
      {
        firstName: ['Aada', 'Elias', 'Venla', 'Leo', 'Sofia', 'Eino', 'Ella', 'Niilo', 'Pihla'][i],
        lastName: [
          'Lehtonen',
          'Saarinen',
          'Salminen',
          'Heinonen',
          'Niemi',
          'Kinnunen',
          'Turunen',
          'Salo',
          'Laine',
        ][i],
        birthDate: `${1995 + i}-0${1 + i}-1${i}`,
        municipality: 'Joensuu',
        email: `evening${i}@example.invalid`,
        phone: '+358 40 123 4567',
        esf: {
          gender: i % 2 === 0 ? 'woman' : 'man',
          labourMarketStatus: 'unemployed',
          unemployedSince: date(400 + 20 * i),
          iscedLevel: 2 + (i % 4),
        },
        // Registered by the coach, so the coach may make itself responsible for the newcomer.
      },
      { Authorization: `Bearer ${tokens.coach}` },
    );
    people.push(person.id);
  }
  const newcomerId = people.pop()!;
  const enrolments: Json[] = [];
  for (const participantId of people) {
    enrolments.push(
      await call('POST', '/v1/enrolments', {
        participantId,
        programmeId: careerCoaching.id,
        groupId: group.id,
        coachId: 'bench-coach',
        stage: 'active',
        date: date(35),
      }),
    );
  }
  const schedule = (await call('POST', '/v1/sessions/schedule', {
    programmeId: careerCoaching.id,
    groupId: group.id,
    kind: 'group-coaching',
    durationMinutes: 90,
    startDate: date(35),
    time: '17:00',
    phases: [{ frequency: 'weekly', interval: 1, days: ['MO', 'WE'], count: 16 }],
  })) as unknown as { items: { id: string; version: number; startsAt: string }[] };
  const started = schedule.items.filter((s) => Date.parse(s.startsAt) < today.getTime());
  const measured = started.pop()!;
  const statuses = ['present', 'present', 'present', 'excused-absence', 'present', 'unexcused-absence'];
  for (const [n, session] of started.entries()) {
    await call(
      'PUT',
      `/v1/sessions/${session.id}/attendance`,
      {
        records: people.map((participantId, i) => ({
          participantId,
          status: statuses[(n + i) % statuses.length],
        })),
      },
      { 'If-Match': `"${session.version}"` },
    );
  }

  // A partner's inbox: twenty people referred to the foundation under their consent.
  const everyone = await list('/v1/participants?limit=100');
  const consent = (participantId: string) =>
    call('POST', `/v1/participants/${participantId}/consents`, {
      covers: { scope: 'network' },
      purpose: 'Referral to the next service and its follow-up',
      givenOn: date(30),
    });
  const referred = everyone.filter((p) => !people.includes(p.id) && p.id !== newcomerId).slice(0, 21);
  const referableId = referred.pop()!.id;
  for (const [i, person] of referred.entries()) {
    await consent(person.id);
    await call('POST', '/v1/referrals', {
      participantId: person.id,
      fromOrganisationId: ohjaamoId,
      toOrganisationId: foundationId,
      serviceKind: i % 2 === 0 ? 'work-try-out' : 'rehabilitative-work-activity',
      needsSummary: 'Wants to try warehouse work; needs support with mornings',
      desiredStart: date(-14),
      dueDate: date(-7),
    });
  }
  await consent(referableId);

  await projectEveryone(config.db, DEMO_TENANT_ID, today);
  return {
    tenantId: DEMO_TENANT_ID,
    tokens,
    mint: tokenOf,
    participantId: people[0]!,
    careerCoachingId: careerCoaching.id,
    eveningGroupId: group.id,
    newcomerId,
    session: { id: measured.id, version: measured.version, members: people },
    ohjaamoId,
    foundationId,
    fundingProjectId,
    referableId,
    enrolment: { id: enrolments[0]!.id, participantId: people[0]! },
  };
}
