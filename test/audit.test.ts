/**
 * The audit trail: every read or change of a participant's record leaves an event, which tenant
 * administrators query per participant or per actor. Reads are recorded concurrently with the
 * read and never served unaudited; changes record theirs in their own transaction.
 */
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { created, participantBody, smallGroupProgramme } from './support/fixtures.ts';
import {
  type Caller,
  call,
  createHarness,
  createTestTenant,
  type Harness,
  type TestTenant,
} from './support/harness.ts';
import { startIdentityProviders } from './support/identity-provider.ts';

let harness: Harness;
let tenant: TestTenant;
let coach: Caller;
let admin: Caller;
// biome-ignore lint/suspicious/noExplicitAny: the stub's generic types are not needed here
let mock: AwsStub<any, any, any> | undefined;

interface Event {
  id: string;
  at: string;
  participantId: string;
  action: string;
  actor: { kind: string; id: string; role: string; organisationId?: string };
  requestId: string;
  clientRequestId?: string;
}

beforeAll(async () => {
  // Faults go into the one client every request uses.
  harness = await createHarness({
    staffSignOn: { allowLoopbackHttp: true, jwksCooldownMs: 0 },
    scoped: false,
  });
  tenant = await createTestTenant(harness);
  coach = tenant.as('coach');
  admin = tenant.as('tenant_admin');
  // Tokens first, so that fault injection below meets only the requests under test.
  await Promise.all([tenant.token('coach'), tenant.token('tenant_admin')]);
});

afterEach(() => {
  mock?.restore();
  mock = undefined;
});

/** Every page of an audit query, newest first, following the cursor. */
async function allEvents(caller: Caller, filter: string, limit = 100): Promise<Event[]> {
  const events: Event[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/v1/audit-events?${filter}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const page = await caller('GET', url);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    events.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return events;
}

const actionsAbout = async (participantId: string) =>
  (await allEvents(admin, `participantId=${participantId}`)).map((event) => event.action);

const isAuditItem = (item: unknown) => (item as { entity?: string } | undefined)?.entity === 'audit-event';

const throttled = () =>
  new ProvisionedThroughputExceededException({
    message: 'Rate exceeded',
    $metadata: { httpStatusCode: 400 },
  });

const COMMANDS = [
  GetCommand,
  PutCommand,
  UpdateCommand,
  DeleteCommand,
  QueryCommand,
  TransactWriteCommand,
  BatchWriteCommand,
];

/** Sends every command to DynamoDB Local, except what a test overrides. */
function passThrough() {
  const real = harness.db.doc.send.bind(harness.db.doc) as (command: unknown) => Promise<unknown>;
  const stub = mockClient(harness.db.doc);
  for (const Command of COMMANDS) {
    // biome-ignore lint/suspicious/noExplicitAny: each command class takes its own input type
    stub.on(Command as any).callsFake((input: any) => real(new (Command as any)(input)));
  }
  mock = stub;
  return { stub, real };
}

describe('what leaves an event', () => {
  it("keeps a client's X-Request-Id beside Polku's own, so two requests never share an id in the trail", async () => {
    const participant = await created(coach, '/v1/participants', participantBody());
    const headers = { 'X-Request-Id': 'case-system-42' };
    const reads = [
      await coach('GET', `/v1/participants/${participant.id}`, { headers }),
      await coach('GET', `/v1/participants/${participant.id}`, { headers }),
      await coach('GET', `/v1/participants/${participant.id}`, {
        headers: { 'X-Request-Id': 'x'.repeat(129) },
      }),
      await coach('GET', `/v1/participants/${participant.id}`, { headers: { 'X-Request-Id': 'a b\u0007' } }),
    ];
    const events = (await allEvents(admin, `participantId=${participant.id}`)).slice(0, 4).reverse();
    expect(events.map((event) => event.requestId)).toEqual(
      reads.map((read) => read.headers.get('x-request-id')),
    );
    expect(new Set(events.map((event) => event.requestId)).size).toBe(4);
    expect(events.map((event) => event.clientRequestId)).toEqual([
      'case-system-42',
      'case-system-42',
      undefined,
      undefined,
    ]);
  });

  it("a coach reading a participant leaves an event naming the coach's client, role, the participant, the action, the time and the request id", async () => {
    const participant = await created(coach, '/v1/participants', participantBody());
    const before = new Date().toISOString();
    const read = await coach('GET', `/v1/participants/${participant.id}`);
    const after = new Date().toISOString();
    expect(read.status).toBe(200);
    const requestId = read.headers.get('x-request-id');
    expect(requestId).toMatch(/.{8,}/);

    const [latest] = await allEvents(admin, `participantId=${participant.id}`);
    expect(latest).toMatchObject({
      participantId: participant.id,
      action: 'participant.read',
      actor: { kind: 'client', id: tenant.credentials.coach!.clientId, role: 'coach' },
      requestId,
    });
    expect(latest!.actor).not.toHaveProperty('organisationId');
    expect(latest!.at >= before && latest!.at <= after, `${before} <= ${latest!.at} <= ${after}`).toBe(true);
  });

  it('creating and changing a participant and recording and listing their milestones each leave an event', async () => {
    const participant = await created(coach, '/v1/participants', participantBody());
    const changed = await coach('PATCH', `/v1/participants/${participant.id}`, {
      body: { municipality: 'Kuopio' },
      headers: { 'If-Match': '"1"' },
    });
    expect(changed.status).toBe(200);
    await created(coach, `/v1/participants/${participant.id}/milestones`, {
      kind: 'skills-based-cv',
      date: '2026-10-01',
    });
    expect((await coach('GET', `/v1/participants/${participant.id}/milestones`)).status).toBe(200);

    expect(await actionsAbout(participant.id)).toEqual([
      'milestone.list',
      'milestone.create',
      'participant.update',
      'participant.create',
    ]);
  });

  it('enrolling a participant, reading the enrolment, moving its stage and listing it leave events about the participant', async () => {
    const { programme } = await smallGroupProgramme(admin);
    const participant = await created(coach, '/v1/participants', participantBody());
    const enrolment = await created(coach, '/v1/enrolments', {
      participantId: participant.id,
      programmeId: programme.id,
      coachId: 'c1',
    });
    expect((await coach('GET', `/v1/enrolments/${enrolment.id}`)).status).toBe(200);
    const moved = await coach('POST', `/v1/enrolments/${enrolment.id}/stage`, {
      body: { stage: 'enrolled' },
      headers: { 'If-Match': '"1"' },
    });
    expect(moved.status).toBe(200);
    expect((await coach('GET', `/v1/enrolments?participantId=${participant.id}`)).body.items).toHaveLength(1);
    expect((await coach('GET', `/v1/enrolments?programmeId=${programme.id}`)).body.items).toHaveLength(1);

    expect(await actionsAbout(participant.id)).toEqual([
      'enrolment.list',
      'enrolment.list',
      'enrolment.stage-change',
      'enrolment.read',
      'enrolment.create',
      'participant.create',
    ]);
  });

  it('taking attendance and reading it leave an event about each participant on the sheet', async () => {
    const { programme } = await smallGroupProgramme(admin);
    const group = await created(coach, `/v1/programmes/${programme.id}/groups`, { name: 'Tuesdays' });
    const members: string[] = [];
    for (let i = 0; i < 2; i++) {
      const participant = await created(coach, '/v1/participants', participantBody());
      await created(coach, '/v1/enrolments', {
        participantId: participant.id,
        programmeId: programme.id,
        groupId: group.id,
        coachId: 'c1',
        stage: 'active',
      });
      members.push(participant.id);
    }
    const session = await created(coach, '/v1/sessions', {
      programmeId: programme.id,
      groupId: group.id,
      kind: 'group-coaching',
      startsAt: '2026-10-06T07:00:00Z',
      durationMinutes: 120,
    });
    const url = `/v1/sessions/${session.id}/attendance`;
    const records = members.map((participantId) => ({ participantId, status: 'present' }));
    expect((await coach('PUT', url, { body: { records }, headers: { 'If-Match': '"1"' } })).status).toBe(200);
    expect((await coach('GET', url)).status).toBe(200);
    for (const participantId of members) {
      const actions = await actionsAbout(participantId);
      expect(actions.slice(0, 2)).toEqual(['attendance.read', 'attendance.record']);
    }
  });

  it('listing participants leaves one event per participant shown, and none about the others', async () => {
    const fresh = await createTestTenant(harness);
    const freshCoach = fresh.as('coach');
    for (let i = 0; i < 5; i++) await created(freshCoach, '/v1/participants', participantBody());
    const page = await freshCoach('GET', '/v1/participants?limit=3');
    expect(page.status).toBe(200);
    const shown = page.body.items.map((p: { id: string }) => p.id);
    expect(shown).toHaveLength(3);

    const byCoach = await allEvents(fresh.as('tenant_admin'), `actorId=${fresh.credentials.coach!.clientId}`);
    const listed = byCoach.filter((event) => event.action === 'participant.list');
    expect(listed.map((event) => event.participantId).sort()).toEqual([...shown].sort());
    expect(new Set(listed.map((event) => event.requestId))).toEqual(
      new Set([page.headers.get('x-request-id')]),
    );
    expect(byCoach.filter((event) => event.action === 'participant.create')).toHaveLength(5);
  });
});

describe('querying the trail', () => {
  it('finds the events about a participant and those by an actor, newest first, page by page with a cursor', async () => {
    const fresh = await createTestTenant(harness);
    const [freshCoach, freshAdmin] = [fresh.as('coach'), fresh.as('tenant_admin')];
    const participant = await created(freshCoach, '/v1/participants', participantBody());
    for (let i = 0; i < 6; i++) await freshCoach('GET', `/v1/participants/${participant.id}`);
    await freshAdmin('GET', `/v1/participants/${participant.id}`);

    const about = await allEvents(freshAdmin, `participantId=${participant.id}`, 3);
    expect(about).toHaveLength(8);
    expect(about.map((event) => event.id)).toEqual(
      about
        .map((event) => event.id)
        .sort()
        .reverse(),
    );
    expect(about.map((event) => event.at)).toEqual(
      about
        .map((event) => event.at)
        .sort()
        .reverse(),
    );
    expect(about[0]!.actor.role).toBe('tenant_admin');
    expect(about.at(-1)!.action).toBe('participant.create');

    const byCoach = await allEvents(freshAdmin, `actorId=${fresh.credentials.coach!.clientId}`, 3);
    expect(byCoach).toEqual(about.slice(1));
    const byAdmin = await allEvents(freshAdmin, `actorId=${fresh.credentials.tenant_admin!.clientId}`, 3);
    expect(byAdmin).toEqual(about.slice(0, 1));
  });

  it("keeps a staff user's trail apart from a client's, even when the user's subject is the client's id", async () => {
    const providers = await startIdentityProviders();
    try {
      const provider = await providers.provider();
      const registered = await admin('PUT', '/v1/identity-provider', {
        body: {
          issuer: provider.issuer,
          jwksUri: provider.jwksUri,
          audience: 'polku',
          roleClaim: 'groups',
          roleMappings: [{ value: 'coaches', role: 'coach' }],
        },
      });
      expect(registered.status).toBe(201);
      const clientId = tenant.credentials.coach!.clientId;
      const participant = await created(coach, '/v1/participants', participantBody());
      const staffToken = await provider.token({ sub: clientId, groups: ['coaches'] });
      expect((await call(harness, staffToken, 'GET', `/v1/participants/${participant.id}`)).status).toBe(200);

      const byUser = await allEvents(admin, `actorKind=user&actorId=${clientId}`);
      expect(byUser.map((event) => [event.action, event.participantId, event.actor.kind])).toEqual([
        ['participant.read', participant.id, 'user'],
      ]);
      const byClient = await allEvents(admin, `actorId=${clientId}`);
      expect(byClient.every((event) => event.actor.kind === 'client')).toBe(true);
      expect(byClient.map((event) => event.participantId)).toContain(participant.id);
    } finally {
      await providers.stop();
    }
  });

  it('refuses a cursor from the participant query on the actor query', async () => {
    const participant = await created(coach, '/v1/participants', participantBody());
    for (let i = 0; i < 3; i++) await coach('GET', `/v1/participants/${participant.id}`);
    const first = await admin('GET', `/v1/audit-events?participantId=${participant.id}&limit=2`);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const actorId = tenant.credentials.coach!.clientId;
    const crossed = await admin('GET', `/v1/audit-events?actorId=${actorId}&cursor=${first.body.nextCursor}`);
    expect(crossed.status).toBe(400);
    const next = await admin(
      'GET',
      `/v1/audit-events?participantId=${participant.id}&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(next.status).toBe(200);
  });

  it('refuses both filters or neither with 400 naming the two fields', async () => {
    const participant = await created(coach, '/v1/participants', participantBody());
    const actorId = tenant.credentials.coach!.clientId;
    for (const query of [`participantId=${participant.id}&actorId=${actorId}`, 'limit=10']) {
      const response = await admin('GET', `/v1/audit-events?${query}`);
      expect(response.status).toBe(400);
      expect(response.body.type).toContain('validation');
      expect(response.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'query.actorId',
        'query.participantId',
      ]);
    }
  });

  it('lets only a tenant admin read the trail', async () => {
    const participant = await created(coach, '/v1/participants', participantBody());
    for (const role of ['coach', 'partner', 'analyst'] as const) {
      const response = await tenant.as(role)('GET', `/v1/audit-events?participantId=${participant.id}`);
      expect(response.status, role).toBe(403);
    }
    expect((await admin('GET', `/v1/audit-events?participantId=${participant.id}`)).status).toBe(200);
  });

  it("shows another tenant's admin none of the events, even for the same participant id", async () => {
    const participant = await created(coach, '/v1/participants', participantBody());
    await coach('GET', `/v1/participants/${participant.id}`);
    expect(await actionsAbout(participant.id)).toHaveLength(2);
    const other = await createTestTenant(harness);
    const otherAdmin = other.as('tenant_admin');
    const response = await otherAdmin('GET', `/v1/audit-events?participantId=${participant.id}`);
    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([]);
    const byActor = await otherAdmin('GET', `/v1/audit-events?actorId=${tenant.credentials.coach!.clientId}`);
    expect(byActor.body.items).toEqual([]);
  });
});

describe('an audit event is never lost', () => {
  it('writes the event of a read while the read is still under way', async () => {
    const participant = await created(coach, '/v1/participants', participantBody());
    const { stub, real } = passThrough();
    const steps: string[] = [];
    // biome-ignore lint/suspicious/noExplicitAny: pass-through input
    stub.on(GetCommand).callsFake(async (input: any) => {
      if (input.Key?.SK !== 'PARTICIPANT') return real(new GetCommand(input));
      steps.push('read started');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const result = await real(new GetCommand(input));
      steps.push('read done');
      return result;
    });
    // biome-ignore lint/suspicious/noExplicitAny: pass-through input
    stub.on(PutCommand).callsFake(async (input: any) => {
      if (isAuditItem(input.Item)) steps.push('audit written');
      return real(new PutCommand(input));
    });
    const read = await coach('GET', `/v1/participants/${participant.id}`);
    expect(read.status).toBe(200);
    expect(steps).toEqual(['read started', 'audit written', 'read done']);
  });

  it('fails a read with 503 and serves nothing when its audit event cannot be written', async () => {
    const participant = await created(coach, '/v1/participants', participantBody({ firstName: 'Unaudited' }));
    await created(coach, '/v1/participants', participantBody({ firstName: 'Unaudited' }));
    const { stub, real } = passThrough();
    // biome-ignore lint/suspicious/noExplicitAny: pass-through input
    stub.on(PutCommand).callsFake(async (input: any) => {
      if (isAuditItem(input.Item)) throw throttled();
      return real(new PutCommand(input));
    });
    // biome-ignore lint/suspicious/noExplicitAny: pass-through input
    stub.on(BatchWriteCommand).callsFake(async (input: any) => {
      const requests = Object.values(input.RequestItems).flat() as { PutRequest?: { Item: unknown } }[];
      if (requests.some((request) => isAuditItem(request.PutRequest?.Item))) throw throttled();
      return real(new BatchWriteCommand(input));
    });

    const read = await coach('GET', `/v1/participants/${participant.id}`);
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).toBe('1');
    expect(JSON.stringify(read.body)).not.toContain('Unaudited');
    const list = await coach('GET', '/v1/participants?limit=2');
    expect(list.status).toBe(503);
    expect(JSON.stringify(list.body)).not.toContain('Unaudited');
    const auditPuts = stub.commandCalls(PutCommand).filter((call) => isAuditItem(call.args[0].input.Item));
    expect(auditPuts).toHaveLength(1);
    expect(stub.commandCalls(BatchWriteCommand)).toHaveLength(1);

    mock?.restore();
    expect(await actionsAbout(participant.id)).toEqual(['participant.create']);
  });

  it('leaves no event of a change that DynamoDB fails to commit, the event being part of its transaction', async () => {
    const participant = await created(coach, '/v1/participants', participantBody());
    const { stub } = passThrough();
    stub.on(TransactWriteCommand).rejects(throttled());
    const changed = await coach('PATCH', `/v1/participants/${participant.id}`, {
      body: { municipality: 'Oulu' },
      headers: { 'If-Match': '"1"' },
    });
    expect(changed.status).toBe(503);
    const [attempt] = stub.commandCalls(TransactWriteCommand);
    const items = attempt!.args[0].input.TransactItems as { Put?: { Item: unknown } }[];
    expect(items.filter((item) => isAuditItem(item.Put?.Item))).toHaveLength(1);

    mock?.restore();
    expect(await actionsAbout(participant.id)).toEqual(['participant.create']);
    expect((await coach('GET', `/v1/participants/${participant.id}`)).body.municipality).toBe('Joensuu');
  });

  it('leaves no event of an enrolment refused because the group is full', async () => {
    const { programme } = await smallGroupProgramme(admin);
    const group = await created(coach, `/v1/programmes/${programme.id}/groups`, { name: 'One', capacity: 1 });
    const enrol = async (participantId: string) =>
      coach('POST', '/v1/enrolments', {
        body: { participantId, programmeId: programme.id, groupId: group.id, coachId: 'c1', stage: 'active' },
      });
    const first = await created(coach, '/v1/participants', participantBody());
    const second = await created(coach, '/v1/participants', participantBody());
    expect((await enrol(first.id)).status).toBe(201);
    const refused = await enrol(second.id);
    expect(refused.status).toBe(409);
    expect(refused.body.type).toContain('group-full');
    expect(await actionsAbout(first.id)).toEqual(['enrolment.create', 'participant.create']);
    expect(await actionsAbout(second.id)).toEqual(['participant.create']);
  });
});
