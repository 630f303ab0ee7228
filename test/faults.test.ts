/**
 * Faults injected below the API with aws-sdk-client-mock (every other call goes to DynamoDB Local).
 * Every write route of the OpenAPI document meets throttling, a cancelled transaction, a timeout and
 * a 500 on the first and the last write it sends: it answers 503 with Retry-After and leaves the
 * table as it was, and the same request sent again (the same Idempotency-Key) has its effect exactly
 * once. A timeout after the write landed must not apply it twice either. Each route runs in a copy
 * of one tenant, in a table of its own, so routes run side by side without seeing each other's faults.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createApp } from '@polku/api';
import { ensureTable } from '@polku/devstack';
import { createClient, createDb, createTenant, type TenantStatus } from '@polku/storage';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  FAULTS,
  type Fault,
  injector,
  LANDED_TIMEOUT,
  READS,
  type Stub,
  timeout,
  WRITES,
} from './support/faults.ts';
import {
  created,
  identityCode,
  organisationBody,
  outcomeBody,
  participantBody,
  smallGroupProgramme,
} from './support/fixtures.ts';
import {
  type Caller,
  type CallOptions,
  call,
  createHarness,
  createTestTenant,
  type Harness,
  randomBusinessId,
  requestToken,
  SOURCE_ADDRESS_HEADER,
  scanTable,
  type TestResponse,
  type TestTenant,
} from './support/harness.ts';

// ---- what the table holds, and how a request changed it

type Snapshot = Map<string, Record<string, unknown>>;

/**
 * Every item of the table by key. Rate-limit counters are left out: a limit counts attempts, and a
 * request that met a fault was one.
 */
async function snapshotOf(harness: Harness): Promise<Snapshot> {
  const items = (await scanTable(harness)).filter((item) => item.entity !== 'rate-counter');
  return new Map(items.map((item) => [`${item.PK}|${item.SK}`, item]));
}

/**
 * What a request did, by entity: `+ participant`, `- open-enrolment`, `~ group seatsTaken+1 version+1`
 * (a change names each number that moved, and by how much; a new one moved from zero).
 */
function effectOf(before: Snapshot, after: Snapshot): string[] {
  const effect: string[] = [];
  for (const [key, item] of after) {
    const old = before.get(key);
    if (!old) effect.push(`+ ${item.entity}`);
    else if (!isDeepStrictEqual(old, item)) {
      const moved = Object.keys(item)
        .filter((name) => typeof item[name] === 'number' && item[name] !== old[name])
        .sort()
        .map((name) => {
          const delta = (item[name] as number) - (typeof old[name] === 'number' ? old[name] : 0);
          return ` ${name}${delta > 0 ? '+' : ''}${delta}`;
        });
      effect.push(`~ ${item.entity}${moved.join('')}`);
    }
  }
  for (const [key, item] of before) if (!after.has(key)) effect.push(`- ${item.entity}`);
  return effect.sort();
}

// ---- a tenant to write in, and the requests

interface World {
  harness: Harness;
  tenant: TestTenant;
  admin: Caller;
  coach: Caller;
  /** A partner system of organisation Z, the receiver of the referrals. */
  partner: Caller;
  operator: Caller;
  anonymous: Caller;
  y: { id: string };
  z: { id: string };
  programme: { id: string };
}

interface Request {
  caller: Caller;
  method: string;
  path: string;
  options: CallOptions;
}

interface WriteCase {
  /** `METHOD /path` as the OpenAPI document names the route. */
  route: string;
  variant?: string;
  /** Builds what the request needs, afresh for every run, and returns the request. */
  prepare(world: World): Promise<Request>;
  /** What the request does to the table, once. */
  effect: string[];
  /** The route writes nothing: the faults go on its reads. */
  writesNothing?: true;
  /**
   * The route works in steps that each may run again (an erasure): a fault may leave part of its
   * effect, and the same request sent again completes it, once.
   */
  resumable?: true;
}

let keys = 0;
let addresses = 0;
const nextKey = () => `fault-${++keys}`;

/** A POST with its own Idempotency-Key, and If-Match when it changes a resource. */
const post = (caller: Caller, path: string, body?: unknown, etag?: string): Request => ({
  caller,
  method: 'POST',
  path,
  options: {
    ...(body === undefined ? {} : { body }),
    headers: { 'Idempotency-Key': nextKey(), ...(etag ? { 'If-Match': etag } : {}) },
  },
});

const change = (caller: Caller, method: string, path: string, etag: string, body?: unknown): Request => ({
  caller,
  method,
  path,
  options: { ...(body === undefined ? {} : { body }), headers: { 'If-Match': etag } },
});

let people = 0;
const erasing = { body: { reason: 'The person asked (case 17)' } };

const newParticipant = (w: World) =>
  created(w.coach, '/v1/participants', participantBody({ firstName: `Aino ${++people}` }));

async function newGroup(w: World) {
  return created(w.coach, `/v1/programmes/${w.programme.id}/groups`, { name: 'Tiistairyhmä', capacity: 10 });
}

/** A participant active (or only enrolled: holding a seat, not yet started) in a fresh group. */
async function newMember(w: World, stage: 'active' | 'enrolled' = 'active') {
  const group = await newGroup(w);
  const participant = await newParticipant(w);
  const enrolment = await created(w.coach, '/v1/enrolments', {
    participantId: participant.id,
    programmeId: w.programme.id,
    groupId: group.id,
    coachId: 'coach-helmi',
    stage,
    ...(stage === 'active' ? { date: '2026-01-12' } : {}),
  });
  return { group, participant, enrolment };
}

async function newConsent(w: World, participantId: string) {
  return created(w.coach, `/v1/participants/${participantId}/consents`, {
    covers: { scope: 'organisations', organisationIds: [w.y.id, w.z.id] },
    purpose: 'Työkokeilu ja sen seuranta',
    givenOn: '2025-01-01',
  });
}

/** A referral from Y to Z under the participant's consent, moved by the receiver through `moves`. */
async function newReferral(w: World, moves: { action: string; body?: unknown }[] = []) {
  const participant = await newParticipant(w);
  const consent = await newConsent(w, participant.id);
  const referral = await created(w.coach, '/v1/referrals', {
    participantId: participant.id,
    fromOrganisationId: w.y.id,
    toOrganisationId: w.z.id,
    serviceKind: 'work-try-out',
    needsSummary: 'Haluaa kokeilla puutöitä',
    desiredStart: '2026-12-01',
  });
  for (const [i, move] of moves.entries()) {
    const moved = await w.partner('POST', `/v1/referrals/${referral.id}/${move.action}`, {
      body: move.body ?? {},
      headers: { 'If-Match': `"${i + 1}"` },
    });
    if (moved.status !== 200)
      throw new Error(`${move.action}: ${moved.status} ${JSON.stringify(moved.body)}`);
  }
  return { participant, consent, referral, etag: `"${moves.length + 1}"` };
}

async function newMeeting(w: World) {
  const participant = await newParticipant(w);
  return created(w.coach, '/v1/network-meetings', {
    participantId: participant.id,
    date: '2026-10-12',
    organisationsPresent: [w.y.id],
    summary: 'Työkokeilu sovittu',
    actions: [{ description: 'Työkokeilun aloitus', ownerOrganisationId: w.y.id, dueDate: '2026-11-02' }],
  });
}

const newWebhook = (w: World) =>
  created(w.admin, '/v1/webhooks', {
    organisationId: w.y.id,
    url: 'https://kaski.example/polku/webhooks',
    eventTypes: ['referral.created'],
  });

async function newOutcome(w: World) {
  const participant = await newParticipant(w);
  return created(w.coach, '/v1/outcomes', outcomeBody(participant.id));
}

async function newTenantIn(w: World, status: TenantStatus) {
  return createTenant(w.harness.db, {
    name: 'Kiteen kaupunki',
    kind: 'municipality',
    businessId: randomBusinessId(),
    region: 'eu-north-1',
    status,
  });
}

/** A client written straight to the table: the API would hash a secret for each. */
const newClient = (w: World) =>
  createClient(w.harness.db, w.tenant.id, { name: 'Case system', role: 'coach' }, 'scrypt$unused');

let issuers = 0;
const identityProviderBody = () => ({
  issuer: `https://login-${++issuers}.kitee.example`,
  jwksUri: `https://login-${issuers}.kitee.example/jwks.json`,
  audience: 'polku',
  roleClaim: 'groups',
  roleMappings: [{ value: 'polku-coaches', role: 'coach' }],
});

/** The tenant's identity provider's ETag, registering one first if it has none. */
async function registeredIdentityProvider(w: World): Promise<string> {
  const current = await w.admin('GET', '/v1/identity-provider');
  if (current.status === 200) return current.headers.get('etag')!;
  const registered = await w.admin('PUT', '/v1/identity-provider', { body: identityProviderBody() });
  if (registered.status !== 201) throw new Error(`identity provider: ${registered.status}`);
  return registered.headers.get('etag')!;
}

const AUDITED = ['+ audit-event', '+ idempotency'];
const referralMove = (
  action: string,
  moves: { action: string; body?: unknown }[],
  effect: string[],
  body?: unknown,
): WriteCase => ({
  route: `POST /v1/referrals/{id}/${action}`,
  prepare: async (w) => {
    const { referral, etag } = await newReferral(w, moves);
    return post(
      action === 'cancel' ? w.coach : w.partner,
      `/v1/referrals/${referral.id}/${action}`,
      body ?? {},
      etag,
    );
  },
  effect: ['~ referral version+1', '~ referral-summary version+1', ...AUDITED, ...effect],
});
const reason = { reason: 'Ei tarvetta enää' };

const CASES: readonly WriteCase[] = [
  {
    route: 'POST /v1/oauth/token',
    prepare: async (w) => ({
      caller: w.anonymous,
      method: 'POST',
      path: '/v1/oauth/token',
      options: {
        raw: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: w.tenant.credentials.coach!.clientId,
          client_secret: w.tenant.credentials.coach!.clientSecret,
        }).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      },
    }),
    effect: [],
    writesNothing: true,
  },
  {
    route: 'POST /v1/signup',
    prepare: async (w) => ({
      caller: w.anonymous,
      method: 'POST',
      path: '/v1/signup',
      options: {
        body: {
          name: 'Kiteen kaupunki',
          kind: 'municipality',
          businessId: randomBusinessId(),
          contactEmail: 'tyollisyys@kitee.example',
        },
        headers: { [SOURCE_ADDRESS_HEADER]: `198.51.100.${++addresses}` },
      },
    }),
    effect: ['+ business-id', '+ client', '+ tenant'],
  },
  {
    route: 'PATCH /v1/tenant',
    prepare: async (w) => {
      const current = await w.admin('GET', '/v1/tenant');
      const threshold: number = current.body.smallCountThreshold;
      return change(w.admin, 'PATCH', '/v1/tenant', current.headers.get('etag')!, {
        smallCountThreshold: threshold + 1,
      });
    },
    effect: ['~ tenant smallCountThreshold+1 version+1'],
  },
  ...(['activate', 'reject', 'suspend', 'reactivate'] as const).map(
    (action): WriteCase => ({
      route: `POST /v1/admin/tenants/{id}/${action}`,
      prepare: async (w) => {
        const from = action === 'suspend' ? 'active' : action === 'reactivate' ? 'suspended' : 'pending';
        const tenant = await newTenantIn(w, from);
        return post(w.operator, `/v1/admin/tenants/${tenant.id}/${action}`, { reason: 'Sopimus' }, '"1"');
      },
      effect: ['+ idempotency', '~ tenant version+1', ...(action === 'reject' ? ['- business-id'] : [])],
    }),
  ),
  {
    route: 'POST /v1/clients',
    prepare: async (w) => post(w.admin, '/v1/clients', { name: 'Case system', role: 'coach' }),
    effect: ['+ client', '+ idempotency'],
  },
  {
    route: 'POST /v1/clients/{id}/rotate-secret',
    prepare: async (w) => {
      const client = await newClient(w);
      return post(w.admin, `/v1/clients/${client.id}/rotate-secret`, {}, '"1"');
    },
    effect: ['+ idempotency', '~ client version+1'],
  },
  {
    route: 'POST /v1/clients/{id}/revoke',
    prepare: async (w) => {
      const client = await newClient(w);
      return post(w.admin, `/v1/clients/${client.id}/revoke`, { reason: 'Retired' }, '"1"');
    },
    effect: ['+ idempotency', '~ client version+1'],
  },
  {
    route: 'PUT /v1/identity-provider',
    variant: 'registering',
    prepare: async (w) => {
      const current = await w.admin('GET', '/v1/identity-provider');
      if (current.status === 200) {
        const etag = current.headers.get('etag')!;
        const removed = await w.admin('DELETE', '/v1/identity-provider', { headers: { 'If-Match': etag } });
        if (removed.status !== 204) throw new Error(`identity provider: ${removed.status}`);
      }
      return {
        caller: w.admin,
        method: 'PUT',
        path: '/v1/identity-provider',
        options: { body: identityProviderBody() },
      };
    },
    effect: ['+ identity-provider', '+ issuer'],
  },
  {
    route: 'PUT /v1/identity-provider',
    variant: 'replacing, with another issuer',
    prepare: async (w) =>
      change(
        w.admin,
        'PUT',
        '/v1/identity-provider',
        await registeredIdentityProvider(w),
        identityProviderBody(),
      ),
    effect: ['+ issuer', '- issuer', '~ identity-provider version+1'],
  },
  {
    route: 'DELETE /v1/identity-provider',
    prepare: async (w) =>
      change(w.admin, 'DELETE', '/v1/identity-provider', await registeredIdentityProvider(w)),
    effect: ['- identity-provider', '- issuer'],
  },
  {
    route: 'POST /v1/organisations',
    prepare: async (w) => post(w.admin, '/v1/organisations', organisationBody()),
    effect: ['+ idempotency', '+ organisation'],
  },
  {
    route: 'PATCH /v1/organisations/{id}',
    prepare: async (w) => {
      const organisation = await created(w.admin, '/v1/organisations', organisationBody());
      return change(w.admin, 'PATCH', `/v1/organisations/${organisation.id}`, '"1"', {
        municipality: 'Kitee',
      });
    },
    effect: ['~ organisation version+1'],
  },
  {
    route: 'POST /v1/funding-projects',
    prepare: async (w) => post(w.admin, '/v1/funding-projects', fundingProjectBody()),
    effect: ['+ funding-project', '+ idempotency'],
  },
  {
    route: 'PATCH /v1/funding-projects/{id}',
    prepare: async (w) => {
      const project = await created(w.admin, '/v1/funding-projects', fundingProjectBody());
      return change(w.admin, 'PATCH', `/v1/funding-projects/${project.id}`, '"1"', { name: 'Polku 2' });
    },
    effect: ['~ funding-project version+1'],
  },
  {
    route: 'POST /v1/programmes',
    prepare: async (w) =>
      post(w.admin, '/v1/programmes', { templateId: 'small-group-coaching', organisationId: w.y.id }),
    effect: ['+ idempotency', '+ programme'],
  },
  {
    route: 'PATCH /v1/programmes/{id}',
    prepare: async (w) => {
      const { programme } = await smallGroupProgramme(w.admin);
      return change(w.admin, 'PATCH', `/v1/programmes/${programme.id}`, '"1"', { name: 'Pienryhmä 2' });
    },
    effect: ['~ programme version+1'],
  },
  {
    route: 'POST /v1/programmes/{id}/groups',
    prepare: async (w) => post(w.coach, `/v1/programmes/${w.programme.id}/groups`, { name: 'Torstairyhmä' }),
    effect: ['+ group', '+ idempotency'],
  },
  {
    route: 'PATCH /v1/programmes/{id}/groups/{groupId}',
    prepare: async (w) => {
      const group = await newGroup(w);
      const path = `/v1/programmes/${w.programme.id}/groups/${group.id}`;
      return change(w.coach, 'PATCH', path, '"1"', { name: 'Keskiviikkoryhmä' });
    },
    effect: ['~ group version+1'],
  },
  {
    route: 'POST /v1/participants',
    prepare: async (w) =>
      post(w.coach, '/v1/participants', participantBody({ identityCode: identityCode(++people) })),
    effect: ['+ audit-event', '+ idempotency', '+ identity-code', '+ participant'],
  },
  {
    route: 'DELETE /v1/participants/{id}',
    variant: 'holding a seat in a group',
    prepare: async (w) => {
      // Enrolled, not yet started: the seat is theirs, and the metrics do not count them yet.
      const { participant } = await newMember(w, 'enrolled');
      return { ...change(w.admin, 'DELETE', `/v1/participants/${participant.id}`, '"1"'), options: erasing };
    },
    effect: [
      '+ audit-event',
      '+ erasure',
      '- enrolment',
      '- open-enrolment',
      '- participant',
      '~ group seatsTaken-1 version+1',
    ],
    resumable: true,
  },
  {
    route: 'PATCH /v1/participants/{id}',
    prepare: async (w) => {
      const participant = await newParticipant(w);
      return change(w.coach, 'PATCH', `/v1/participants/${participant.id}`, '"1"', { municipality: 'Kitee' });
    },
    effect: ['+ audit-event', '~ participant version+1'],
  },
  {
    route: 'POST /v1/participants/{id}/milestones',
    prepare: async (w) => {
      const participant = await newParticipant(w);
      return post(w.coach, `/v1/participants/${participant.id}/milestones`, {
        kind: 'job-application',
        date: '2026-10-10',
        title: 'Varastotyöntekijä',
      });
    },
    effect: [...AUDITED, '+ milestone'],
  },
  {
    route: 'POST /v1/enrolments',
    prepare: async (w) => {
      const [group, participant] = await Promise.all([newGroup(w), newParticipant(w)]);
      return post(w.coach, '/v1/enrolments', {
        participantId: participant.id,
        programmeId: w.programme.id,
        groupId: group.id,
        coachId: 'coach-helmi',
        stage: 'active',
        date: '2026-01-12',
      });
    },
    effect: [
      '+ audit-event',
      '+ enrolment',
      '+ idempotency',
      '+ open-enrolment',
      '~ group seatsTaken+1 version+1',
    ],
  },
  {
    route: 'POST /v1/enrolments/{id}/stage',
    prepare: async (w) => {
      const { enrolment } = await newMember(w);
      return post(
        w.coach,
        `/v1/enrolments/${enrolment.id}/stage`,
        { stage: 'completed', date: '2026-03-01' },
        '"1"',
      );
    },
    effect: [...AUDITED, '- open-enrolment', '~ enrolment version+1', '~ group seatsTaken-1 version+1'],
  },
  {
    route: 'POST /v1/enrolments/{id}/coach',
    prepare: async (w) => {
      const { enrolment } = await newMember(w);
      return post(w.admin, `/v1/enrolments/${enrolment.id}/coach`, { coachId: 'coach-aino' }, '"1"');
    },
    effect: [...AUDITED, '~ enrolment version+1'],
  },
  {
    route: 'POST /v1/sessions',
    prepare: async (w) =>
      post(w.coach, '/v1/sessions', {
        programmeId: w.programme.id,
        groupId: (await newGroup(w)).id,
        kind: 'group-coaching',
        durationMinutes: 60,
        startsAt: '2026-12-01T08:00:00Z',
      }),
    effect: ['+ idempotency', '+ session'],
  },
  {
    route: 'POST /v1/sessions/schedule',
    prepare: async (w) => {
      const group = await newGroup(w);
      return post(w.coach, '/v1/sessions/schedule', {
        programmeId: w.programme.id,
        groupId: group.id,
        kind: 'group-coaching',
        durationMinutes: 60,
        startDate: '2026-12-01',
        time: '10:00',
        phases: [{ frequency: 'weekly', count: 2 }],
      });
    },
    effect: ['+ idempotency', '+ session', '+ session'],
  },
  {
    route: 'PUT /v1/sessions/{id}/attendance',
    prepare: async (w) => {
      const { group, participant } = await newMember(w);
      const session = await created(w.coach, '/v1/sessions', {
        programmeId: w.programme.id,
        groupId: group.id,
        kind: 'group-coaching',
        durationMinutes: 60,
        startsAt: '2026-01-13T08:00:00Z',
      });
      return change(w.coach, 'PUT', `/v1/sessions/${session.id}/attendance`, '"1"', {
        records: [{ participantId: participant.id, status: 'present' }],
      });
    },
    effect: ['+ attendance', '+ audit-event', '~ session version+1'],
  },
  {
    route: 'POST /v1/participants/{id}/consents',
    prepare: async (w) => {
      const participant = await newParticipant(w);
      return post(w.coach, `/v1/participants/${participant.id}/consents`, {
        covers: { scope: 'organisations', organisationIds: [w.y.id, w.z.id] },
        purpose: 'Työkokeilu ja sen seuranta',
        givenOn: '2025-01-01',
      });
    },
    effect: [...AUDITED, '+ consent'],
  },
  {
    route: 'POST /v1/participants/{id}/consents/{consentId}/withdraw',
    prepare: async (w) => {
      // The withdrawal cancels the referral the consent covered, in the same transaction.
      const { participant, consent } = await newReferral(w);
      const path = `/v1/participants/${participant.id}/consents/${consent.id}/withdraw`;
      return post(w.coach, path, { reason: 'Ei halua jakaa tietoja' }, '"1"');
    },
    effect: [
      ...AUDITED,
      '+ domain-event',
      '~ consent version+1',
      '~ referral version+1',
      '~ referral-summary version+1',
    ],
  },
  {
    route: 'POST /v1/referrals',
    prepare: async (w) => {
      const participant = await newParticipant(w);
      await newConsent(w, participant.id);
      return post(w.coach, '/v1/referrals', {
        participantId: participant.id,
        fromOrganisationId: w.y.id,
        toOrganisationId: w.z.id,
        serviceKind: 'work-try-out',
        needsSummary: 'Haluaa kokeilla puutöitä',
        desiredStart: '2026-12-01',
      });
    },
    effect: [...AUDITED, '+ domain-event', '+ referral', '+ referral-summary', '~ consent referralsSent+1'],
  },
  referralMove('accept', [], ['+ domain-event']),
  referralMove('decline', [], ['+ domain-event'], reason),
  referralMove('start', [{ action: 'accept' }], ['+ domain-event']),
  referralMove('hold', [{ action: 'accept' }], [], reason),
  referralMove('resume', [{ action: 'accept' }, { action: 'hold', body: reason }], []),
  referralMove('complete', [{ action: 'accept' }, { action: 'start' }], ['+ domain-event']),
  referralMove('fail', [{ action: 'accept' }], [], reason),
  referralMove('cancel', [], ['+ domain-event'], reason),
  {
    route: 'POST /v1/network-meetings',
    prepare: async (w) => {
      const participant = await newParticipant(w);
      return post(w.coach, '/v1/network-meetings', {
        participantId: participant.id,
        date: '2026-10-12',
        organisationsPresent: [w.y.id],
        summary: 'Työkokeilu sovittu',
        actions: [{ description: 'Työkokeilun aloitus', ownerOrganisationId: w.y.id, dueDate: '2026-11-02' }],
      });
    },
    effect: [...AUDITED, '+ domain-event', '+ meeting-action', '+ network-meeting'],
  },
  {
    route: 'PATCH /v1/network-meetings/{id}',
    prepare: async (w) => {
      const meeting = await newMeeting(w);
      return change(w.coach, 'PATCH', `/v1/network-meetings/${meeting.id}`, '"1"', {
        summary: 'Sovittu uudelleen',
      });
    },
    effect: ['+ audit-event', '~ network-meeting version+1'],
  },
  {
    route: 'PATCH /v1/network-meetings/{id}/actions/{actionId}',
    prepare: async (w) => {
      const meeting = await newMeeting(w);
      const path = `/v1/network-meetings/${meeting.id}/actions/${meeting.actions[0].id}`;
      // A new owner hears of the action: the change and its event are one write.
      return change(w.coach, 'PATCH', path, '"1"', { ownerOrganisationId: w.z.id });
    },
    effect: ['+ audit-event', '+ domain-event', '~ meeting-action version+1'],
  },
  {
    route: 'POST /v1/webhooks',
    prepare: async (w) =>
      post(w.admin, '/v1/webhooks', {
        organisationId: w.y.id,
        url: 'https://kaski.example/polku/webhooks',
        eventTypes: ['referral.created'],
      }),
    effect: ['+ idempotency', '+ webhook-endpoint'],
  },
  {
    route: 'PATCH /v1/webhooks/{id}',
    prepare: async (w) =>
      change(w.admin, 'PATCH', `/v1/webhooks/${(await newWebhook(w)).id}`, '"1"', { active: false }),
    effect: ['~ webhook-endpoint version+1'],
  },
  {
    route: 'DELETE /v1/webhooks/{id}',
    prepare: async (w) => change(w.admin, 'DELETE', `/v1/webhooks/${(await newWebhook(w)).id}`, '"1"'),
    effect: ['- webhook-endpoint'],
  },
  {
    route: 'POST /v1/webhooks/{id}/rotate-secret',
    prepare: async (w) => post(w.admin, `/v1/webhooks/${(await newWebhook(w)).id}/rotate-secret`, {}, '"1"'),
    effect: ['+ idempotency', '~ webhook-endpoint secretVersion+1 version+1'],
  },
  {
    route: 'POST /v1/outcomes',
    prepare: async (w) => post(w.coach, '/v1/outcomes', outcomeBody((await newParticipant(w)).id)),
    effect: [...AUDITED, '+ outcome'],
  },
  {
    route: 'PATCH /v1/outcomes/{id}',
    prepare: async (w) => {
      const outcome = await newOutcome(w);
      return change(w.coach, 'PATCH', `/v1/outcomes/${outcome.id}`, '"1"', {
        hoursPerWeek: 20,
        reason: 'Korjaus',
      });
    },
    effect: ['+ audit-event', '~ outcome hoursPerWeek-17.5 version+1'],
  },
  {
    route: 'POST /v1/outcomes/{id}/withdraw',
    prepare: async (w) => {
      const outcome = await newOutcome(w);
      return post(w.coach, `/v1/outcomes/${outcome.id}/withdraw`, { reason: 'Väärä henkilö' }, '"1"');
    },
    effect: [...AUDITED, '~ outcome version+1'],
  },
];

function fundingProjectBody() {
  return {
    code: 'S21999',
    name: 'Polku töihin',
    priorityAxis: 'Employment',
    specificObjective: '6.1',
    periodStart: '2025-01-01',
    periodEnd: '2027-12-31',
  };
}

// ---- running one route through the faults

/** The tenant every route starts from: built once, with its tokens, then copied per route. */
interface Base {
  harness: Harness;
  tenant: TestTenant;
  tokens: { admin: string; coach: string; partner: string; operator: string };
  y: { id: string };
  z: { id: string };
  programme: { id: string };
  /** Every item of the base table. */
  items: Record<string, unknown>[];
}

async function baseWorld(): Promise<Base> {
  const harness = await createHarness({ scoped: false });
  const tenant = await createTestTenant(harness, { name: 'Kitee employment area' });
  const admin = tenant.as('tenant_admin');
  const y = await created(admin, '/v1/organisations', { name: 'Kaski ry', kind: 'ngo' });
  const z = await created(admin, '/v1/organisations', { name: 'Honkalammen säätiö', kind: 'foundation' });
  const programme = await created(admin, '/v1/programmes', {
    templateId: 'small-group-coaching',
    organisationId: y.id,
  });
  // Someone registered: the tenant's data key exists, as in any tenant at work. (The first sealed
  // write stores the key in its own transaction: test/field-encryption.test.ts.)
  await created(admin, '/v1/participants', participantBody({ firstName: 'Ensimmäinen' }));
  // The threshold is stored from here on: each settings change then moves it by one.
  const settings = await admin('PATCH', '/v1/tenant', {
    body: { smallCountThreshold: 5 },
    headers: { 'If-Match': '"1"' },
  });
  if (settings.status !== 200) throw new Error(`tenant settings: ${settings.status}`);
  const partner = await created(admin, '/v1/clients', {
    name: 'Case system',
    role: 'partner',
    organisationId: z.id,
  });
  const tokenOf = async (credentials: { clientId: string; clientSecret: string }) =>
    (await requestToken(harness, credentials)).body.access_token as string;
  const tokens = {
    admin: await tenant.token('tenant_admin'),
    coach: await tenant.token('coach'),
    partner: await tokenOf(partner),
    operator: await tokenOf(harness.operator),
  };
  return { harness, tenant, tokens, y, z, programme, items: await scanTable(harness) };
}

/**
 * The base tenant in a table of the route's own, served by an app of its own on the base's
 * configuration (so the base's tokens hold): its faults and its effects touch no other route's.
 */
async function worldFor(base: Base): Promise<World> {
  const tableName = `faults-${randomUUID()}`;
  await ensureTable(base.harness.client, tableName);
  const db = createDb({
    tableName,
    endpoint: inject('dynamoEndpoint'),
    client: base.harness.client,
    dataKeys: base.harness.db.dataKeys,
  });
  for (let i = 0; i < base.items.length; i += 25) {
    const batch = base.items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    await db.doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: batch } }));
  }
  const config = { ...base.harness.config, db, platformDb: db };
  const harness: Harness = { ...base.harness, db, config, app: createApp(config), tableName };
  const as =
    (token: string | undefined): Caller =>
    (method, path, options) =>
      call(harness, token, method, path, options);
  return {
    harness,
    tenant: base.tenant,
    admin: as(base.tokens.admin),
    coach: as(base.tokens.coach),
    partner: as(base.tokens.partner),
    operator: as(base.tokens.operator),
    anonymous: as(undefined),
    y: base.y,
    z: base.z,
    programme: base.programme,
  };
}

const send = (request: Request) => request.caller(request.method, request.path, request.options);
const is2xx = (status: number) => status >= 200 && status < 300;
const keyed = (request: Request) => request.options.headers?.['Idempotency-Key'] !== undefined;
const described = (response: TestResponse) => `${response.status} ${JSON.stringify(response.body)}`;

/** Secrets are shown once: a replay shows the rest of the first response. */
const withoutSecrets = (body: unknown) =>
  JSON.parse(JSON.stringify(body ?? null), (name, value) =>
    name === 'clientSecret' || name === 'signingSecret' ? undefined : value,
  );

const labelOf = (spec: WriteCase) => `${spec.route}${spec.variant ? ` (${spec.variant})` : ''}`;

interface Run {
  route: string;
  fault: string;
  at: number;
}
const runs: Run[] = [];

/** Everything wrong with one route under every fault; empty when it held. */
async function faultsOf(spec: WriteCase): Promise<string[]> {
  const world = await worldFor(base);
  const faults = injector(world.harness);
  const label = labelOf(spec);
  const onWrites = !spec.writesNothing;
  const problems: string[] = [];
  let first = true;
  const run = async (fault: Fault, at: number) => {
    runs.push({ route: spec.route, fault: fault.name, at });
    // Whether a replay writes nothing does not depend on the fault: it is asked once per route.
    const result = await underFault(world, faults, spec, { fault, at, onWrites, replay: first });
    first = false;
    const where = `${onWrites ? 'write' : 'read'} ${at + 1}`;
    problems.push(...result.problems.map((problem) => `${label}, ${fault.name} at ${where}: ${problem}`));
    return result.sent;
  };
  try {
    // The first retry counts what the route sends: the faults then go on the first and the last.
    const sent = await run(FAULTS[0]!, 0);
    if (sent === 0) return problems;
    const last = sent - 1;
    for (const fault of FAULTS.slice(1)) await run(fault, 0);
    if (last > 0) for (const fault of FAULTS) await run(fault, last);
    await run(LANDED_TIMEOUT, last);
  } finally {
    faults.restore();
  }
  return problems;
}

/**
 * One faulted request, its retry and, when asked, a replay of the retry; `sent` counts the writes (or
 * reads) of the clean retry.
 */
async function underFault(
  world: World,
  faults: ReturnType<typeof injector>,
  spec: WriteCase,
  { fault, at, onWrites, replay }: { fault: Fault; at: number; onWrites: boolean; replay: boolean },
): Promise<{ problems: string[]; sent: number }> {
  const problems: string[] = [];
  const request = await spec.prepare(world);
  const before = await snapshotOf(world.harness);
  const armed = faults.arm(fault, at, onWrites);
  const failed = await send(request);
  faults.disarm();
  if (armed.injected === 0) return { problems: [`never reached: ${described(failed)}`], sent: 0 };
  if (failed.status !== 503) problems.push(`answered ${described(failed)}, not 503`);
  if (!/^[1-9]\d*$/.test(failed.headers.get('retry-after') ?? ''))
    problems.push(`Retry-After is ${failed.headers.get('retry-after')}`);
  const afterFault = await snapshotOf(world.harness);
  const faultEffect = effectOf(before, afterFault);
  const effect = [...spec.effect].sort();
  const landed = fault.landed === true && onWrites && !spec.resumable;
  if (!spec.resumable && !isDeepStrictEqual(faultEffect, landed ? effect : []))
    problems.push(`the failed request did ${JSON.stringify(faultEffect)}`);

  const counted = faults.arm(undefined, Number.POSITIVE_INFINITY, onWrites);
  const retried = await send(request);
  faults.disarm();
  const afterRetry = await snapshotOf(world.harness);
  if (landed) {
    // The change is in: a keyed POST replays it, anything else finds its If-Match stale.
    if (keyed(request)) {
      if (!is2xx(retried.status) || retried.headers.get('idempotent-replayed') !== 'true')
        problems.push(`the retry answered ${described(retried)}, not a replay`);
    } else if (is2xx(retried.status)) problems.push(`the retry answered ${retried.status}: it ran twice`);
    const again = effectOf(afterFault, afterRetry);
    if (again.length > 0) problems.push(`the retry did ${JSON.stringify(again)}`);
    return { problems, sent: counted.seen };
  }
  if (!is2xx(retried.status)) problems.push(`the retry answered ${described(retried)}`);
  const retryEffect = effectOf(before, afterRetry);
  if (!isDeepStrictEqual(retryEffect, effect)) problems.push(`the retry did ${JSON.stringify(retryEffect)}`);
  if (replay && keyed(request)) {
    const replayed = await send(request);
    if (replayed.status !== retried.status || replayed.headers.get('idempotent-replayed') !== 'true')
      problems.push(`sent once more, it answered ${described(replayed)}, not a replay`);
    else if (!isDeepStrictEqual(withoutSecrets(replayed.body), withoutSecrets(retried.body)))
      problems.push('sent once more, it answered another body');
    const again = effectOf(afterRetry, await snapshotOf(world.harness));
    if (again.length > 0) problems.push(`sent once more, it did ${JSON.stringify(again)}`);
  }
  return { problems, sent: counted.seen };
}

// ---- the matrix

let base: Base;
let harness: Harness;
let coach: Caller;
let admin: Caller;
let mock: Stub | undefined;

beforeAll(async () => {
  base = await baseWorld();
  harness = base.harness;
  coach = base.tenant.as('coach');
  admin = base.tenant.as('tenant_admin');
});

afterEach(() => mock?.restore());

describe('every write route under every fault', () => {
  it.concurrent.each(CASES.map((spec) => [labelOf(spec), spec] as const))(
    '%s answers 503, writes nothing, and completes once when retried',
    async (_, spec) => {
      expect(await faultsOf(spec)).toEqual([]);
    },
    // Some fifteen requests per fault, five routes at a time, on a shared DynamoDB Local.
    90_000,
  );

  it('covered every write route of the OpenAPI document with every fault', async () => {
    const document = (await call(harness, undefined, 'GET', '/v1/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const writeRoutes = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations)
        .filter((method) => method !== 'get')
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    const covered = new Set(CASES.map((spec) => spec.route));
    expect(
      writeRoutes.filter((route) => !covered.has(route)),
      'write routes without a fault case',
    ).toEqual([]);
    expect(
      [...covered].filter((route) => !writeRoutes.includes(route)),
      'cases of no route',
    ).toEqual([]);
    for (const route of writeRoutes) {
      const faults = new Set(runs.filter((run) => run.route === route).map((run) => run.fault));
      expect([...faults].sort(), route).toEqual([...FAULTS, LANDED_TIMEOUT].map((f) => f.name).sort());
    }
    console.log(
      `fault matrix: ${writeRoutes.length} write routes × ${FAULTS.length} faults (+ a timeout after the ` +
        `write landed): ${runs.length} faulted requests`,
    );
  });
});

describe('when DynamoDB fails', () => {
  /** Sends every command to DynamoDB Local, except what a test overrides. */
  function passThrough() {
    const real = harness.db.doc.send.bind(harness.db.doc) as (command: unknown) => Promise<unknown>;
    mock = mockClient(harness.db.doc);
    for (const Command of [...WRITES, ...READS]) {
      // biome-ignore lint/suspicious/noExplicitAny: each command class takes its own input type
      mock.on(Command as any).callsFake((input: any) => real(new Command(input)));
    }
    return real;
  }

  it('answers a read timeout with 503', async () => {
    passThrough();
    mock!.on(QueryCommand).rejects(timeout());
    const response = await coach('GET', '/v1/participants');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
  });

  it('retries a transaction cancelled by a conflicting one, and succeeds once', async () => {
    const { programme } = await smallGroupProgramme(admin);
    const group = await created(coach, `/v1/programmes/${programme.id}/groups`, { name: 'Contended' });
    const participant = await created(coach, '/v1/participants', participantBody());
    const real = passThrough();
    const conflict = new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
    });
    mock!
      .on(TransactWriteCommand)
      .rejectsOnce(conflict)
      // biome-ignore lint/suspicious/noExplicitAny: pass-through input
      .callsFake((input: any) => real(new TransactWriteCommand(input)));
    const response = await coach('POST', '/v1/enrolments', {
      body: {
        participantId: participant.id,
        programmeId: programme.id,
        groupId: group.id,
        coachId: 'c',
        stage: 'active',
      },
    });
    expect(response.status).toBe(201);
    mock!.restore();
    const seats = (await coach('GET', `/v1/programmes/${programme.id}/groups/${group.id}`)).body.seatsTaken;
    expect(seats).toBe(1);
  });
});
