/**
 * Network meetings and the division of work, as the career-coaching seed tells it: the partners meet
 * about a young person, agree who does what, and each organisation works through its own actions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { created, participantBody } from './support/fixtures.ts';
import {
  type Caller,
  call,
  createHarness,
  createTestTenant,
  type Harness,
  requestToken,
  scanTable,
  type TestTenant,
} from './support/harness.ts';

let harness: Harness;
let tenant: TestTenant;
let coach: Caller;
let admin: Caller;

beforeAll(async () => {
  harness = await createHarness();
  tenant = await createTestTenant(harness);
  coach = tenant.as('coach');
  admin = tenant.as('tenant_admin');
});

/** A partner client of the organisation, registered by the tenant's administrator. */
async function partnerOf(organisationId: string): Promise<Caller> {
  const client = await created(admin, '/v1/clients', {
    name: 'Case system',
    role: 'partner',
    organisationId,
  });
  const token = await requestToken(harness, client);
  if (token.status !== 200) throw new Error(`token: ${token.status}`);
  return (method, path, options) => call(harness, token.body.access_token, method, path, options);
}

/** A young person in career coaching, the foundation hosting try-outs and the education provider. */
async function network() {
  const foundation = await created(admin, '/v1/organisations', {
    name: 'Joensuun Työtoimintasäätiö',
    kind: 'foundation',
  });
  const education = await created(admin, '/v1/organisations', {
    name: 'Riveria',
    kind: 'education-provider',
  });
  const participant = await created(coach, '/v1/participants', participantBody());
  // The person lets the two organisations at the table see what is shared about them.
  const consent = await created(coach, `/v1/participants/${participant.id}/consents`, {
    covers: { scope: 'organisations', organisationIds: [foundation.id, education.id] },
    purpose: 'Network meetings about the next steps',
    givenOn: '2026-09-01',
  });
  return { foundation, education, participant, consent };
}

type Network = Awaited<ReturnType<typeof network>>;

/** The meeting of the seed: the foundation and the education provider present, three actions agreed. */
const meetingBody = ({ foundation, education, participant }: Network, date = '2026-09-14') => ({
  participantId: participant.id,
  date,
  organisationsPresent: [foundation.id, education.id],
  summary: 'Agreed a work try-out at the foundation’s workshop and a training trial in logistics.',
  actions: [
    {
      description: 'Start the work try-out at the workshop',
      ownerOrganisationId: foundation.id,
      dueDate: '2026-10-01',
    },
    {
      description: 'Arrange a training trial in logistics',
      ownerOrganisationId: education.id,
      dueDate: '2026-10-15',
    },
    {
      description: 'Send the try-out plan to the coach',
      ownerOrganisationId: foundation.id,
      dueDate: '2026-09-21',
    },
  ],
});

const actionsOf = (caller: Caller, organisationId: string, query = '') =>
  caller('GET', `/v1/organisations/${organisationId}/actions${query}`);
const descriptions = (page: { items: { description: string }[] }) => page.items.map((a) => a.description);

async function assignedEvents() {
  const items = await scanTable(harness);
  return items.filter((item) => item.entity === 'domain-event' && item.type === 'action.assigned');
}

describe('a network meeting', () => {
  it('a coach records a meeting with the foundation and the education provider present and three agreed actions', async () => {
    const world = await network();
    const response = await coach('POST', '/v1/network-meetings', { body: meetingBody(world) });
    expect(response.status).toBe(201);
    const meeting = response.body;
    expect(response.headers.get('location')).toBe(`/v1/network-meetings/${meeting.id}`);
    expect(response.headers.get('etag')).toBe('"1"');
    expect(meeting.organisationsPresent).toEqual([world.foundation.id, world.education.id]);
    expect(meeting.actions).toHaveLength(3);
    for (const action of meeting.actions) {
      expect(action).toMatchObject({
        meetingId: meeting.id,
        participantId: world.participant.id,
        status: 'open',
        version: 1,
        notes: null,
      });
    }

    const read = await coach('GET', `/v1/network-meetings/${meeting.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(meeting);

    const later = await created(coach, '/v1/network-meetings', {
      ...meetingBody(world, '2026-11-02'),
      summary: 'Follow-up: the try-out goes well.',
      actions: [],
    });
    const list = await coach('GET', `/v1/participants/${world.participant.id}/network-meetings`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((m: { id: string }) => m.id)).toEqual([later.id, meeting.id]);
    expect(list.body.items[0]).not.toHaveProperty('actions');

    const trail = await admin('GET', `/v1/audit-events?participantId=${world.participant.id}`);
    expect(trail.body.items.map((e: { action: string }) => e.action)).toEqual([
      'network-meeting.list',
      'network-meeting.create',
      'network-meeting.read',
      'network-meeting.create',
      'consent.create',
      'participant.create',
    ]);
  });

  it('writes one action.assigned event per action with the meeting, for the owning organisation', async () => {
    const world = await network();
    const meeting = await created(coach, '/v1/network-meetings', meetingBody(world));
    const events = (await assignedEvents()).filter((e) =>
      meeting.actions.some((a: { id: string }) => a.id === (e.resource as { id: string }).id),
    );
    expect(events).toHaveLength(3);
    for (const action of meeting.actions) {
      const event = events.find((e) => (e.resource as { id: string }).id === action.id)!;
      expect(event).toMatchObject({
        organisationIds: [action.ownerOrganisationId],
        resource: {
          kind: 'network-meeting-action',
          id: action.id,
          path: `/v1/network-meetings/${meeting.id}/actions/${action.id}`,
        },
      });
      expect(event.expiresAt).toEqual(expect.any(Number));
    }
  });

  it('a retried POST records one meeting and announces each action once', async () => {
    const world = await network();
    const request = { body: meetingBody(world), headers: { 'Idempotency-Key': 'meeting-2026-09-14' } };
    const first = await coach('POST', '/v1/network-meetings', request);
    const retry = await coach('POST', '/v1/network-meetings', request);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    const list = await coach('GET', `/v1/participants/${world.participant.id}/network-meetings`);
    expect(list.body.items).toHaveLength(1);
    const ids = new Set(first.body.actions.map((a: { id: string }) => a.id));
    const events = (await assignedEvents()).filter((e) => ids.has((e.resource as { id: string }).id));
    expect(events).toHaveLength(3);
  });

  it('a coach changes the date and who was present with If-Match; a stale version is refused', async () => {
    const world = await network();
    const meeting = await created(coach, '/v1/network-meetings', meetingBody(world));
    const path = `/v1/network-meetings/${meeting.id}`;
    const patch = { date: '2026-09-15', organisationsPresent: [world.foundation.id] };
    expect((await coach('PATCH', path, { body: patch })).status).toBe(428);
    const changed = await coach('PATCH', path, { body: patch, headers: { 'If-Match': '"1"' } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('"2"');
    expect(changed.body).toMatchObject({ ...patch, version: 2 });
    expect(changed.body.actions).toHaveLength(3);
    const stale = await coach('PATCH', path, { body: { summary: 'Late' }, headers: { 'If-Match': '"1"' } });
    expect(stale.status).toBe(412);
    const list = await coach('GET', `/v1/participants/${world.participant.id}/network-meetings`);
    expect(list.body.items[0]).toMatchObject({ date: '2026-09-15', version: 2 });
  });
});

describe('the division of work', () => {
  it("the foundation's partner lists its open actions soonest due first and marks one done; it moves to done", async () => {
    const world = await network();
    const meeting = await created(coach, '/v1/network-meetings', meetingBody(world));
    const foundation = await partnerOf(world.foundation.id);

    const open = await actionsOf(foundation, world.foundation.id);
    expect(open.status).toBe(200);
    expect(descriptions(open.body)).toEqual([
      'Send the try-out plan to the coach',
      'Start the work try-out at the workshop',
    ]);
    expect(open.body.items[0]).toMatchObject({
      meetingId: meeting.id,
      participantId: world.participant.id,
      dueDate: '2026-09-21',
      status: 'open',
      ownerOrganisationId: world.foundation.id,
    });
    expect(open.body.nextCursor).toBeNull();

    const plan = open.body.items[0];
    const path = `/v1/network-meetings/${meeting.id}/actions/${plan.id}`;
    const own = await foundation('GET', path);
    expect(own.status).toBe(200);
    expect(own.headers.get('etag')).toBe('"1"');
    const done = { status: 'done', notes: 'Plan sent on 18 September.' };
    expect((await foundation('PATCH', path, { body: done })).status).toBe(428);
    expect((await foundation('PATCH', path, { body: done, headers: { 'If-Match': '"7"' } })).status).toBe(
      412,
    );
    const moveDue = await foundation('PATCH', path, {
      body: { dueDate: '2026-12-31' },
      headers: { 'If-Match': '"1"' },
    });
    expect(moveDue.status).toBe(403);
    const marked = await foundation('PATCH', path, { body: done, headers: { 'If-Match': '"1"' } });
    expect(marked.status).toBe(200);
    expect(marked.headers.get('etag')).toBe('"2"');
    expect(marked.body).toMatchObject({ ...done, version: 2, dueDate: '2026-09-21' });

    expect(descriptions((await actionsOf(foundation, world.foundation.id)).body)).toEqual([
      'Start the work try-out at the workshop',
    ]);
    const finished = await actionsOf(foundation, world.foundation.id, '?status=done');
    expect(finished.body.items).toEqual([marked.body]);
    const seen = await foundation('GET', `/v1/network-meetings/${meeting.id}`);
    expect(seen.status).toBe(200);
    expect(seen.body.actions.find((a: { id: string }) => a.id === plan.id).status).toBe('done');

    const trail = await admin('GET', `/v1/audit-events?participantId=${world.participant.id}&limit=100`);
    const byPartner = trail.body.items.filter(
      (e: { actor: { organisationId?: string } }) => e.actor.organisationId === world.foundation.id,
    );
    expect(new Set(byPartner.map((e: { action: string }) => e.action))).toEqual(
      new Set([
        'meeting-action.list',
        'meeting-action.read',
        'meeting-action.update',
        'network-meeting.read',
      ]),
    );
  });

  it("a partner of an organisation neither present nor owning gets 404 on the meeting and 403 on another's actions", async () => {
    const world = await network();
    const meeting = await created(coach, '/v1/network-meetings', meetingBody(world));
    const ohjaamo = await created(admin, '/v1/organisations', {
      name: 'Ohjaamo Joensuu',
      kind: 'one-stop-guidance-centre',
    });
    const outsider = await partnerOf(ohjaamo.id);
    const action = meeting.actions[0];
    const actionPath = `/v1/network-meetings/${meeting.id}/actions/${action.id}`;

    expect((await outsider('GET', `/v1/network-meetings/${meeting.id}`)).status).toBe(404);
    expect((await outsider('GET', actionPath)).status).toBe(404);
    const patch = await outsider('PATCH', actionPath, {
      body: { status: 'cancelled' },
      headers: { 'If-Match': '"1"' },
    });
    expect(patch.status).toBe(404);
    expect((await actionsOf(outsider, world.foundation.id)).status).toBe(403);
    expect((await outsider('GET', `/v1/participants/${world.participant.id}/network-meetings`)).status).toBe(
      403,
    );
    const mine = await actionsOf(outsider, ohjaamo.id);
    expect(mine.status).toBe(200);
    expect(mine.body.items).toEqual([]);

    // Present at the meeting, the education provider sees it, but changes only its own actions.
    const education = await partnerOf(world.education.id);
    expect((await education('GET', `/v1/network-meetings/${meeting.id}`)).status).toBe(200);
    const notTheirs = await education('PATCH', actionPath, {
      body: { status: 'done' },
      headers: { 'If-Match': '"1"' },
    });
    expect(notTheirs.status).toBe(403);
    expect((await coach('GET', actionPath)).body.status).toBe('open');
  });

  it("reassigning an action moves it from one organisation's list to the other's and tells the new owner", async () => {
    const world = await network();
    const meeting = await created(coach, '/v1/network-meetings', meetingBody(world));
    const tryOut = meeting.actions[0];
    const path = `/v1/network-meetings/${meeting.id}/actions/${tryOut.id}`;
    const moved = await coach('PATCH', path, {
      body: { ownerOrganisationId: world.education.id, dueDate: '2026-10-20', status: 'in-progress' },
      headers: { 'If-Match': '"1"' },
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ ownerOrganisationId: world.education.id, version: 2 });

    expect(descriptions((await actionsOf(coach, world.foundation.id)).body)).toEqual([
      'Send the try-out plan to the coach',
    ]);
    expect((await actionsOf(coach, world.foundation.id, '?status=in-progress')).body.items).toEqual([]);
    expect((await actionsOf(coach, world.education.id, '?status=in-progress')).body.items).toEqual([
      moved.body,
    ]);

    const events = (await assignedEvents()).filter((e) => (e.resource as { id: string }).id === tryOut.id);
    expect(events.map((e) => e.organisationIds).sort()).toEqual(
      [[world.foundation.id], [world.education.id]].sort(),
    );

    // A change that keeps the owner announces nothing new.
    await coach('PATCH', path, { body: { status: 'done' }, headers: { 'If-Match': '"2"' } });
    expect(
      (await assignedEvents()).filter((e) => (e.resource as { id: string }).id === tryOut.id),
    ).toHaveLength(2);
    const unknown = await coach('PATCH', path, {
      body: { ownerOrganisationId: world.participant.id },
      headers: { 'If-Match': '"3"' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('body.ownerOrganisationId');
  });

  it("pages an organisation's actions with a cursor bound to the organisation and status", async () => {
    const world = await network();
    const dueDates = ['2026-12-01', '2026-10-05', '2026-11-11', '2026-10-01', '2026-12-24', '2026-10-30'];
    for (const [i, dates] of [dueDates.slice(0, 3), dueDates.slice(3)].entries()) {
      await created(coach, '/v1/network-meetings', {
        participantId: world.participant.id,
        date: `2026-09-0${i + 1}`,
        organisationsPresent: [world.foundation.id],
        summary: `Meeting ${i + 1}`,
        actions: dates.map((dueDate) => ({
          description: `Due ${dueDate}`,
          ownerOrganisationId: world.foundation.id,
          dueDate,
        })),
      });
    }
    const foundation = await partnerOf(world.foundation.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await actionsOf(foundation, world.foundation.id, query);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((a: { dueDate: string }) => a.dueDate));
      cursor = page.body.nextCursor;
      pages++;
      if (pages === 1) {
        const elsewhere = await actionsOf(foundation, world.foundation.id, `?status=done&cursor=${cursor}`);
        expect(elsewhere.status).toBe(400);
      }
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual([...dueDates].sort());
  });
});

describe('validation', () => {
  it('refuses an organisation that is not the tenant’s, naming every field that names one', async () => {
    const world = await network();
    const stranger = '01KAQ4T0Z8X2N5W7P9R3M6B1CD';
    const body = meetingBody(world);
    body.organisationsPresent = [world.foundation.id, stranger];
    body.actions[1]!.ownerOrganisationId = stranger;
    const response = await coach('POST', '/v1/network-meetings', { body });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'body.organisationsPresent.1',
      'body.actions.1.ownerOrganisationId',
    ]);
    const unknownPerson = await coach('POST', '/v1/network-meetings', {
      body: { ...meetingBody(world), participantId: stranger },
    });
    expect(unknownPerson.status).toBe(400);
    expect(unknownPerson.body.errors[0].field).toBe('body.participantId');
  });

  it('refuses no organisations present, the same one twice, and too many actions', async () => {
    const world = await network();
    const refused = async (change: Record<string, unknown>) =>
      coach('POST', '/v1/network-meetings', { body: { ...meetingBody(world), ...change } });
    const none = await refused({ organisationsPresent: [] });
    expect(none.status).toBe(400);
    expect(none.body.errors[0].field).toBe('body.organisationsPresent');
    expect((await refused({ organisationsPresent: [world.foundation.id, world.foundation.id] })).status).toBe(
      400,
    );
    const many = Array.from({ length: 31 }, () => meetingBody(world).actions[0]);
    expect((await refused({ actions: many })).status).toBe(400);
    expect((await refused({ summary: 'x'.repeat(4001) })).status).toBe(400);
  });

  it('refuses dates that are not calendar dates YYYY-MM-DD', async () => {
    const world = await network();
    const badDate = await coach('POST', '/v1/network-meetings', {
      body: { ...meetingBody(world), date: '2026-02-30' },
    });
    expect(badDate.status).toBe(400);
    expect(badDate.body.errors[0].field).toBe('body.date');
    const body = meetingBody(world);
    body.actions[2]!.dueDate = '21.9.2026';
    const badDue = await coach('POST', '/v1/network-meetings', { body });
    expect(badDue.status).toBe(400);
    expect(badDue.body.errors[0].field).toBe('body.actions.2.dueDate');
    const list = await coach('GET', `/v1/participants/${world.participant.id}/network-meetings`);
    expect(list.body.items).toEqual([]);
    expect((await actionsOf(coach, world.foundation.id, '?status=someday')).body.errors[0].field).toBe(
      'query.status',
    );
  });
});

describe('consent', () => {
  it('hides a meeting from the organisations at the table once the person withdraws their consent', async () => {
    const world = await network();
    const meeting = await created(coach, '/v1/network-meetings', meetingBody(world));
    const foundation = await partnerOf(world.foundation.id);
    expect((await foundation('GET', `/v1/network-meetings/${meeting.id}`)).status).toBe(200);
    const withdrawn = await coach(
      'POST',
      `/v1/participants/${world.participant.id}/consents/${world.consent.id}/withdraw`,
      { body: { reason: 'Asked to stop sharing' }, headers: { 'If-Match': '"1"' } },
    );
    expect(withdrawn.status).toBe(200);
    const after = await foundation('GET', `/v1/network-meetings/${meeting.id}`);
    expect(after.status).toBe(404);
    expect(JSON.stringify(after.body)).not.toContain(meeting.summary);
  });
});
