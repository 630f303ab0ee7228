/**
 * The tenants the load runs against: each made in storage with an admin and two coach clients (as
 * signup and an operator's approval would leave it), then built through the API like a new tenant
 * would: organisations (a partner client of two of them, made in storage too), a funding project,
 * two programmes from templates, groups, a few participants enrolled in them, consents, and a
 * session already started in each group. The load itself makes the rest.
 */
import { randomUUID } from 'node:crypto';
import { hashSecret } from '@polku/auth';
import { businessIdFrom, dayOf, type SeededRandom } from '@polku/domain';
import { createClient, createTenant, type Db } from '@polku/storage';
import type { LoadClient, Reply } from './client.ts';
import type { Group, Ledger, Participant, Programme, Tenant } from './world.ts';

export const INITIAL_PARTICIPANTS = 4;
const GROUPS_PER_PROGRAMME = 2;
const GROUP_CAPACITY = 12;

export class SetupError extends Error {
  override name = 'SetupError';
}

export function must(reply: Reply, status: number, what: string): Reply {
  if (reply.status !== status) {
    throw new SetupError(`${what}: expected ${status}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  }
  return reply;
}

/** A valid business id (Y-tunnus) per tenant index: seven digits and their check digit. */
function businessIdOf(index: number): string {
  for (let n = 2_000_000 + index * 11; ; n++) {
    const id = businessIdFrom(String(n).padStart(7, '0'));
    if (id) return id;
  }
}

export async function tokenOf(http: LoadClient, clientId: string, clientSecret: string): Promise<string> {
  const reply = await http.send('setup: token', undefined, 'POST', '/v1/oauth/token', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    }).toString(),
  });
  return must(reply, 200, 'token').body.access_token as string;
}

/** Today and offsets from it as dates in Europe/Helsinki, the API's default calendar. */
export function helsinkiDate(at: Date): string {
  return dayOf(at);
}

export function participantBody(r: SeededRandom, n: number) {
  return {
    firstName: 'Load',
    lastName: `Person ${n}`,
    birthDate: `${r.int(1965, 2006)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`,
    municipality: r.pick(['Joensuu', 'Ii', 'Espoo', 'Kuopio']),
    esf: {
      gender: r.pick(['woman', 'man', 'non-binary'] as const),
      labourMarketStatus: r.pick(['unemployed', 'unemployed', 'inactive', 'employed'] as const),
      iscedLevel: r.int(0, 8),
      foreignBackground: r.chance(0.2),
      thirdCountNational: r.chance(0.1),
      disability: r.chance(0.08),
      rural: r.chance(0.3),
    },
  };
}

/** One client secret for every client of the run, hashed once (scrypt is slow on purpose). */
export async function loadCredentials(): Promise<{ secret: string; hash: string }> {
  const secret = `load-${randomUUID()}`;
  return { secret, hash: await hashSecret(secret) };
}

export async function setUpTenant(
  db: Db,
  credentials: { secret: string; hash: string },
  http: LoadClient,
  ledger: Ledger,
  index: number,
  r: SeededRandom,
  now: Date,
): Promise<Tenant> {
  const tenant = await createTenant(db, {
    name: `Load employment area ${index}`,
    kind: 'employment-area',
    businessId: businessIdOf(index),
    region: 'eu-north-1',
    status: 'active',
  });
  const { secret, hash } = credentials;
  const admin = await createClient(db, tenant.id, { name: 'admin', role: 'tenant_admin' }, hash);
  const coaches = await Promise.all(
    [1, 2].map((n) => createClient(db, tenant.id, { name: `coach ${n}`, role: 'coach' }, hash)),
  );
  const adminToken = await tokenOf(http, admin.clientId, secret);
  const coachTokens = await Promise.all(coaches.map((c) => tokenOf(http, c.clientId, secret)));

  let keyCount = 0;
  const post = async (path: string, body: unknown, what: string, token = adminToken) => {
    const reply = await http.send(`setup: ${what}`, token, 'POST', path, {
      body,
      headers: { 'Idempotency-Key': `setup-${index}-${++keyCount}` },
    });
    return must(reply, 201, what).body;
  };

  const organisation = async (name: string, kind: string) => {
    const org = await post('/v1/organisations', { name, kind, municipality: 'Joensuu' }, 'organisation');
    ledger.created('organisation', tenant.id, [org.id]);
    return org.id as string;
  };
  const [runner, foundation, educationProvider] = await Promise.all([
    organisation('Ohjaamo', 'one-stop-guidance-centre'),
    organisation('Foundation', 'foundation'),
    organisation('Education provider', 'education-provider'),
  ]);
  // Partner clients are made in storage too: one scrypt hash for all of them keeps setup short.
  const partners = await Promise.all(
    [foundation!, educationProvider!].map(async (organisationId) => {
      const client = await createClient(
        db,
        tenant.id,
        { name: 'partner case system', role: 'partner', organisationId },
        hash,
      );
      return { organisationId, token: await tokenOf(http, client.clientId, secret) };
    }),
  );

  const project = await post(
    '/v1/funding-projects',
    {
      code: `S2${String(index).padStart(4, '0')}`,
      name: 'Load project',
      priorityAxis: '3. Employment and labour mobility',
      specificObjective: '6.1',
      fundingAuthority: 'ELY Centre',
      periodStart: '2025-01-01',
      periodEnd: '2027-12-31',
    },
    'funding project',
  );
  ledger.created('funding-project', tenant.id, [project.id]);

  const programmes: Programme[] = await Promise.all(
    ['small-group-coaching', 'career-coaching'].map(async (templateId) => {
      const programme = await post(
        '/v1/programmes',
        { templateId, organisationId: runner, fundingProjectId: project.id, startDate: '2025-01-01' },
        'programme',
      );
      ledger.created('programme', tenant.id, [programme.id]);
      const groups = await Promise.all(
        Array.from({ length: GROUPS_PER_PROGRAMME }, async (_, g): Promise<Group> => {
          const group = await post(
            `/v1/programmes/${programme.id}/groups`,
            { name: `Group ${g + 1}`, leaderName: 'Leader', capacity: GROUP_CAPACITY, meetingDays: ['TU'] },
            'group',
          );
          ledger.created('group', tenant.id, [group.id]);
          return {
            id: group.id,
            programmeId: programme.id,
            capacity: GROUP_CAPACITY,
            seats: 0,
            members: new Set(),
          };
        }),
      );
      return { id: programme.id, groups };
    }),
  );

  const world: Tenant = {
    index,
    id: tenant.id,
    adminToken,
    coachTokens,
    runnerOrganisationId: runner!,
    partners,
    fundingProjectId: project.id,
    programmes,
    participants: [],
    enrolments: [],
    sessions: [],
    referrals: [],
    outcomes: [],
  };

  const coach = coachTokens[0]!;
  const bodies = Array.from({ length: INITIAL_PARTICIPANTS }, (_, n) => participantBody(r, n));
  await Promise.all(
    bodies.map(async (body, n) => {
      const created = await post('/v1/participants', body, 'participant', coach);
      ledger.created('participant', tenant.id, [created.id]);
      const participant: Participant = {
        id: created.id,
        consent: false,
        openProgrammes: new Set(),
        enrolmentIds: [],
      };
      world.participants.push(participant);
      const group = programmes[n % programmes.length]!.groups[n % GROUPS_PER_PROGRAMME]!;
      const enrolment = await post(
        '/v1/enrolments',
        {
          participantId: participant.id,
          programmeId: group.programmeId,
          groupId: group.id,
          coachId: 'coach-1',
          stage: 'active',
        },
        'enrolment',
        coach,
      );
      ledger.created('enrolment', tenant.id, [enrolment.id]);
      group.seats++;
      group.members.add(participant.id);
      participant.openProgrammes.add(group.programmeId);
      participant.enrolmentIds.push(enrolment.id);
      world.enrolments.push({
        id: enrolment.id,
        participantId: participant.id,
        programmeId: group.programmeId,
        groupId: group.id,
        stage: 'active',
        version: enrolment.version,
        busy: false,
      });
      if (n % 2 === 0) {
        const consent = await post(
          `/v1/participants/${participant.id}/consents`,
          { covers: { scope: 'network' }, purpose: 'Referrals in the network', givenOn: helsinkiDate(now) },
          'consent',
          coach,
        );
        ledger.created('consent', tenant.id, [consent.id]);
        participant.consent = true;
      }
    }),
  );

  const startsAt = new Date(now.getTime() - 26 * 3_600_000).toISOString();
  await Promise.all(
    programmes.flatMap((programme) =>
      programme.groups.map(async (group) => {
        const session = await post(
          '/v1/sessions',
          {
            programmeId: programme.id,
            groupId: group.id,
            kind: 'group-coaching',
            durationMinutes: 90,
            startsAt,
          },
          'session',
          coach,
        );
        ledger.created('session', tenant.id, [session.id]);
        world.sessions.push({
          id: session.id,
          programmeId: programme.id,
          groupId: group.id,
          version: session.version,
          started: true,
          busy: false,
        });
      }),
    ),
  );
  return world;
}
