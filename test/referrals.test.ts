/**
 * The seeds' closed loop: a coach refers a young person to a work try-out at a foundation under
 * their consent; the foundation sees it in its inbox, accepts, starts and completes it; the coach
 * follows the person; a third organisation sees none of it; withdrawing consent ends it at once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { created, participantBody } from './support/fixtures.ts';
import {
  type Caller,
  call,
  createHarness,
  createTestTenant,
  type Harness,
  manualClock,
  requestToken,
  scanTable,
  type TestResponse,
  type TestTenant,
} from './support/harness.ts';

const clock = manualClock(new Date('2026-11-23T08:00:00Z'));
const TODAY = '2026-11-23';
let harness: Harness;
let tenant: TestTenant;
let coach: Caller;
let admin: Caller;

/** The network: the coach's Ohjaamo sends; the others receive, each with its own partner system. */
const org = { ohjaamo: '', foundation: '', college: '', stranger: '' };
type Partner = Caller & { clientId: string };
const partner = {} as Record<keyof typeof org, Partner>;

beforeAll(async () => {
  harness = await createHarness({ now: clock.now });
  tenant = await createTestTenant(harness);
  coach = tenant.as('coach');
  admin = tenant.as('tenant_admin');
  const organisations = {
    ohjaamo: { name: 'Ohjaamo Joensuu', kind: 'one-stop-guidance-centre' },
    foundation: { name: 'Työtoimintasäätiö Polku', kind: 'foundation' },
    college: { name: 'Riveria', kind: 'education-provider' },
    stranger: { name: 'Kolmas ry', kind: 'ngo' },
  };
  for (const [name, body] of Object.entries(organisations) as [keyof typeof org, object][]) {
    org[name] = (await created(admin, '/v1/organisations', body)).id;
    partner[name] = await partnerOf(org[name]);
  }
});

/** A partner system bound to the organisation, as a tenant admin registers it (fresh tokens as time passes). */
async function partnerOf(organisationId: string): Promise<Partner> {
  const client = await created(admin, '/v1/clients', {
    name: 'Case system',
    role: 'partner',
    organisationId,
  });
  let token = '';
  let issuedAt = 0;
  const caller: Caller = async (method, path, options) => {
    if (!token || clock.now().getTime() - issuedAt > 10 * 60 * 1000) {
      const response = await requestToken(harness, client);
      token = response.body.access_token;
      issuedAt = clock.now().getTime();
    }
    return call(harness, token, method, path, options);
  };
  return Object.assign(caller, { clientId: client.clientId as string });
}

const person = (firstName = 'Aino') =>
  participantBody({ firstName, email: `${firstName.toLowerCase()}@koti.example`, phone: '+358 40 123 4567' });

async function participant(firstName?: string): Promise<string> {
  return (await created(coach, '/v1/participants', person(firstName))).id;
}

type Covers = { scope: 'network' } | { scope: 'organisations'; organisationIds: string[] };

async function consent(participantId: string, covers: Covers, dates: object = { givenOn: '2026-11-01' }) {
  return created(coach, `/v1/participants/${participantId}/consents`, {
    covers,
    purpose: 'Referral to the next service and its follow-up',
    ...dates,
  });
}

const referralBody = (participantId: string, to: string, from = org.ohjaamo) => ({
  participantId,
  fromOrganisationId: from,
  toOrganisationId: to,
  serviceKind: 'work-try-out',
  needsSummary: 'Wants to try warehouse work; needs support with mornings',
  desiredStart: '2026-12-01',
  dueDate: '2026-11-30',
});

async function refer(participantId: string, to: string, caller: Caller = coach) {
  return created(caller, '/v1/referrals', referralBody(participantId, to));
}

/** Puts the person in the organisation's hands (a coach's referral to it), so its partner may refer onward. */
async function inHandsOf(participantId: string, organisationId: string) {
  const from = organisationId === org.ohjaamo ? org.foundation : org.ohjaamo;
  return created(coach, '/v1/referrals', referralBody(participantId, organisationId, from));
}

/** A participant with a network consent and a referral to the organisation. */
async function referred(to = org.foundation, firstName?: string) {
  const id = await participant(firstName);
  await consent(id, { scope: 'network' });
  return refer(id, to);
}

/** Takes an action at the referral's version (or the version given). */
function act(
  caller: Caller,
  referral: { id: string; version: number },
  action: string,
  body?: object,
  version = referral.version,
): Promise<TestResponse> {
  return caller('POST', `/v1/referrals/${referral.id}/${action}`, {
    ...(body ? { body } : {}),
    headers: { 'If-Match': `"${version}"` },
  });
}

/** Takes the actions one after another, each at the version the last returned. */
async function walk(caller: Caller, referral: { id: string; version: number }, actions: string[]) {
  let current = referral;
  for (const action of actions) {
    const body = ['decline', 'cancel', 'fail', 'hold'].includes(action)
      ? { reason: `${action} reason` }
      : undefined;
    const response = await act(caller, current, action, body);
    if (response.status !== 200)
      throw new Error(`${action}: ${response.status} ${JSON.stringify(response.body)}`);
    current = response.body;
  }
  return current as Record<string, unknown> & { id: string; version: number; status: string };
}

async function outboxOf(referralId: string) {
  return (await scanTable(harness))
    .filter((item) => item.entity === 'domain-event')
    .filter((item) => (item.resource as { id: string }).id === referralId)
    .sort((p, q) => String(p.id).localeCompare(String(q.id)));
}

async function auditActionsAbout(participantId: string): Promise<string[]> {
  const response = await admin('GET', `/v1/audit-events?participantId=${participantId}&limit=100`);
  expect(response.status).toBe(200);
  return response.body.items.map((event: { action: string }) => event.action);
}

describe('sending a referral under consent', () => {
  it('refuses a referral to an organisation no consent covers with 409 consent-missing, naming the participant and the organisation', async () => {
    const id = await participant();
    await consent(id, { scope: 'organisations', organisationIds: [org.college] });
    const refused = await coach('POST', '/v1/referrals', { body: referralBody(id, org.foundation) });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      type: 'https://polku.fi/problems/consent-missing',
      participantId: id,
      organisationId: org.foundation,
    });
    expect(refused.body.detail).toContain(id);
    expect(refused.body.detail).toContain(org.foundation);
    expect((await coach('GET', `/v1/participants/${id}/referrals`)).body.items).toEqual([]);
    expect((await coach('POST', '/v1/referrals', { body: referralBody(id, org.college) })).status).toBe(201);
  });

  it('lets a consent for the whole network cover any organisation of it', async () => {
    const id = await participant();
    const given = await consent(id, { scope: 'network' });
    expect(given).toMatchObject({ status: 'active', withdrawal: null, expiresOn: null });
    const referral = await refer(id, org.foundation);
    expect(referral).toMatchObject({
      status: 'sent',
      version: 1,
      participantId: id,
      fromOrganisationId: org.ohjaamo,
      toOrganisationId: org.foundation,
      consentId: given.id,
      dueDate: '2026-11-30',
    });
    expect(referral.history).toEqual([
      {
        action: 'send',
        from: null,
        to: 'sent',
        at: clock.now().toISOString(),
        by: {
          kind: 'client',
          id: tenant.credentials.coach!.clientId,
          role: 'coach',
          organisationId: org.ohjaamo,
        },
      },
    ]);
  });

  it('counts an expired consent, and one not yet given, as no consent', async () => {
    const id = await participant();
    const expired = await consent(
      id,
      { scope: 'network' },
      { givenOn: '2026-01-01', expiresOn: '2026-11-22' },
    );
    const future = await consent(id, { scope: 'network' }, { givenOn: '2026-11-24' });
    expect(expired.status).toBe('expired');
    expect(future.status).toBe('not-yet-valid');
    const refused = await coach('POST', '/v1/referrals', { body: referralBody(id, org.foundation) });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toContain('consent-missing');
    const lastDay = await consent(id, { scope: 'network' }, { givenOn: '2026-01-01', expiresOn: TODAY });
    expect(lastDay.status).toBe('active');
    expect((await coach('POST', '/v1/referrals', { body: referralBody(id, org.foundation) })).status).toBe(
      201,
    );
  });

  it('refuses a consent naming an organisation that does not exist, with a field error', async () => {
    const id = await participant();
    const missing = '01KAQ4T0Z8X2N5W7P9R3M6B1CD';
    const response = await coach('POST', `/v1/participants/${id}/consents`, {
      body: {
        covers: { scope: 'organisations', organisationIds: [org.college, missing] },
        purpose: 'Education',
        givenOn: TODAY,
      },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { field: 'body.covers.organisationIds', message: `no such organisation: ${missing}` },
    ]);
    expect((await coach('GET', `/v1/participants/${id}/consents`)).body.items).toEqual([]);
  });

  it('lets a partner send only from its own organisation, and only for a person it is working with', async () => {
    const id = await participant();
    await consent(id, { scope: 'network' });
    const forOther = await partner.foundation('POST', '/v1/referrals', {
      body: referralBody(id, org.college),
    });
    expect(forOther.status).toBe(403);
    // Not referred to the foundation yet: to the foundation, this person is as unknown as a missing id.
    const stranger = await partner.foundation('POST', '/v1/referrals', {
      body: referralBody(id, org.college, org.foundation),
    });
    const missing = await partner.foundation('POST', '/v1/referrals', {
      body: referralBody('01KAQ4T0Z8X2N5W7P9R3M6B1CD', org.college, org.foundation),
    });
    expect(stranger.status).toBe(400);
    expect(stranger.body.errors).toEqual(
      missing.body.errors.map((e: { field: string; message: string }) => ({
        ...e,
        message: expect.any(String),
      })),
    );
    await inHandsOf(id, org.foundation);
    const own = await partner.foundation('POST', '/v1/referrals', {
      body: referralBody(id, org.college, org.foundation),
    });
    expect(own.status).toBe(201);
    expect(own.body.history[0].by).toMatchObject({ role: 'partner', organisationId: org.foundation });
  });

  it('creates one referral for a retried POST', async () => {
    const id = await participant();
    await consent(id, { scope: 'network' });
    const request = { body: referralBody(id, org.foundation), headers: { 'Idempotency-Key': 'refer-once' } };
    const first = await coach('POST', '/v1/referrals', request);
    const retry = await coach('POST', '/v1/referrals', request);
    expect(first.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect((await coach('GET', `/v1/participants/${id}/referrals`)).body.items).toHaveLength(1);
    expect(await outboxOf(first.body.id)).toHaveLength(1);
  });
});

describe('the lifecycle', () => {
  it('the foundation accepts, starts, holds, resumes and completes a work try-out, and the history tells who, for whom, when and why', async () => {
    const referral = await referred();
    const done = await walk(partner.foundation, referral, ['accept', 'start', 'hold', 'resume']);
    const completed = await act(partner.foundation, done, 'complete', { outcome: 'Offered a summer job' });
    expect(completed.status).toBe(200);
    expect(completed.headers.get('etag')).toBe('"6"');
    expect(completed.body).toMatchObject({
      status: 'completed',
      outcome: 'Offered a summer job',
      version: 6,
    });
    const history = completed.body.history as Record<string, unknown>[];
    expect(history.map((change) => [change.action, change.from, change.to])).toEqual([
      ['send', null, 'sent'],
      ['accept', 'sent', 'accepted'],
      ['start', 'accepted', 'in-progress'],
      ['hold', 'in-progress', 'on-hold'],
      ['resume', 'on-hold', 'in-progress'],
      ['complete', 'in-progress', 'completed'],
    ]);
    expect(history[3]!.reason).toBe('hold reason');
    expect(history[5]!.outcome).toBe('Offered a summer job');
    for (const change of history.slice(1)) {
      expect(change.by).toMatchObject({ kind: 'client', role: 'partner', organisationId: org.foundation });
      expect(change.at).toBe(clock.now().toISOString());
    }
    const read = await coach('GET', `/v1/referrals/${referral.id}`);
    expect(read.body).toEqual(completed.body);
    expect(read.headers.get('etag')).toBe('"6"');
  });

  it('wants a reason to decline, cancel, fail or hold', async () => {
    const referral = await referred();
    for (const body of [undefined, {}, { reason: '   ' }]) {
      const response = await act(partner.foundation, referral, 'decline', body);
      expect(response.status).toBe(400);
      expect(response.body.type).toContain('validation');
    }
    const accepted = await walk(partner.foundation, referral, ['accept']);
    for (const [caller, action] of [
      [partner.foundation, 'hold'],
      [partner.foundation, 'fail'],
      [coach, 'cancel'],
    ] as const) {
      const response = await act(caller, accepted, action, {});
      expect(response.status, action).toBe(400);
      expect(response.body.errors[0].field, action).toBe('body.reason');
    }
    const declinedLater = await referred();
    const declined = await act(partner.foundation, declinedLater, 'decline', {
      reason: 'No places until March',
    });
    expect(declined.body).toMatchObject({ status: 'declined' });
    expect(declined.body.history.at(-1).reason).toBe('No places until March');
  });

  it('refuses an illegal move with 409 illegal-transition listing the allowed actions', async () => {
    const referral = await referred();
    const early = await act(partner.foundation, referral, 'complete');
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({
      type: 'https://polku.fi/problems/illegal-transition',
      status: 409,
      referralStatus: 'sent',
      allowedActions: ['accept', 'decline', 'cancel'],
    });
    const declined = await walk(partner.foundation, referral, ['decline']);
    const after = await act(partner.foundation, declined, 'accept');
    expect(after.status).toBe(409);
    expect(after.body.allowedActions).toEqual([]);
    expect((await coach('GET', `/v1/referrals/${referral.id}`)).body.version).toBe(2);
  });

  it('refuses a stale If-Match with 412 and a missing one with 428', async () => {
    const referral = await referred();
    await walk(partner.foundation, referral, ['accept']);
    expect((await act(partner.foundation, referral, 'start')).status).toBe(412);
    const bare = await partner.foundation('POST', `/v1/referrals/${referral.id}/start`);
    expect(bare.status).toBe(428);
  });
});

describe('who may act', () => {
  it('a coach cannot accept: only the receiving organisation can', async () => {
    const referral = await referred();
    const response = await act(coach, referral, 'accept');
    expect(response.status).toBe(403);
    expect(response.body.detail).toContain(`only the receiving organisation ${org.foundation} may accept`);
    expect(response.body.detail).toContain('a coach acts for the tenant');
    expect((await act(admin, referral, 'accept')).status).toBe(403);
    expect((await act(partner.ohjaamo, referral, 'accept')).status).toBe(403);
  });

  it('the receiver cannot cancel; the sender can, as staff or as the sending partner', async () => {
    const referral = await referred();
    const byReceiver = await act(partner.foundation, referral, 'cancel', { reason: 'Not ours to cancel' });
    expect(byReceiver.status).toBe(403);
    expect(byReceiver.body.detail).toContain('only the sender may cancel');
    const byCoach = await act(coach, referral, 'cancel', { reason: 'The person moved to Kuopio' });
    expect(byCoach.status).toBe(200);
    expect(byCoach.body.history.at(-1)).toMatchObject({
      action: 'cancel',
      reason: 'The person moved to Kuopio',
      by: { role: 'coach', organisationId: org.ohjaamo },
    });

    const id = await participant();
    await consent(id, { scope: 'network' });
    await inHandsOf(id, org.ohjaamo);
    const sent = await created(partner.ohjaamo, '/v1/referrals', referralBody(id, org.college));
    const bySender = await act(partner.ohjaamo, sent, 'cancel', { reason: 'Found a closer place' });
    expect(bySender.status).toBe(200);
    expect(bySender.body.status).toBe('cancelled');
  });

  it("shows a third organisation's partner none of it: 404 for the referral, its person and every action, as for one that does not exist", async () => {
    const referral = await referred();
    const ghost = '01KAQ4T0Z8X2N5W7P9R3M6B1CD';
    const asStranger = async (id: string) => [
      await partner.stranger('GET', `/v1/referrals/${id}`),
      await partner.stranger('GET', `/v1/referrals/${id}/participant`),
      await act(partner.stranger, { id, version: 1 }, 'accept'),
      await act(partner.stranger, { id, version: 1 }, 'cancel', { reason: 'x' }),
    ];
    const real = await asStranger(referral.id);
    const missing = await asStranger(ghost);
    for (const [i, response] of real.entries()) {
      expect(response.status).toBe(404);
      expect(response.body.type).toBe(missing[i]!.body.type);
      expect(response.body.detail.replace(referral.id, ghost)).toBe(missing[i]!.body.detail);
      expect(JSON.stringify(response.body)).not.toContain('Aino');
    }
    const inbox = await partner.stranger('GET', '/v1/referrals?direction=incoming');
    expect(inbox.status).toBe(200);
    expect(inbox.body.items).toEqual([]);
    expect((await partner.stranger('GET', `/v1/referrals?organisationId=${org.foundation}`)).status).toBe(
      403,
    );
    expect(
      (await partner.stranger('GET', `/v1/participants/${referral.participantId}/referrals`)).status,
    ).toBe(403);
    expect((await coach('GET', `/v1/referrals/${referral.id}`)).body.status).toBe('sent');
  });

  it('gives the sender its referral but not the person: the limited view is the receiver’s', async () => {
    const id = await participant();
    await consent(id, { scope: 'network' });
    await inHandsOf(id, org.ohjaamo);
    const sent = await created(partner.ohjaamo, '/v1/referrals', referralBody(id, org.foundation));
    expect((await partner.ohjaamo('GET', `/v1/referrals/${sent.id}`)).status).toBe(200);
    expect((await partner.ohjaamo('GET', `/v1/referrals/${sent.id}/participant`)).status).toBe(404);
    expect((await partner.foundation('GET', `/v1/referrals/${sent.id}/participant`)).status).toBe(200);
  });
});

describe('the partner inbox', () => {
  it('lists the receiver’s referrals newest first, by status, page by page, with a cursor bound to its filters', async () => {
    const receiver = (await created(admin, '/v1/organisations', { name: 'Vaalijalan työpaja', kind: 'ngo' }))
      .id;
    const inbox = await partnerOf(receiver);
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await referred(receiver));
    for (const referral of sent.slice(0, 2)) await walk(inbox, referral, ['accept']);
    const newestFirst = sent.map((r) => r.id).reverse();

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/referrals?direction=incoming&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await inbox('GET', url);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((r: { id: string }) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(newestFirst);

    const waiting = await inbox('GET', '/v1/referrals?status=sent&limit=2');
    expect(waiting.body.items.map((r: { id: string }) => r.id)).toEqual(newestFirst.slice(0, 2));
    expect(waiting.body.items[0]).toMatchObject({ status: 'sent', toOrganisationId: receiver, version: 1 });
    expect(waiting.body.items[0]).not.toHaveProperty('needsSummary');
    const rest = await inbox('GET', `/v1/referrals?status=sent&limit=2&cursor=${waiting.body.nextCursor}`);
    expect(rest.body.items.map((r: { id: string }) => r.id)).toEqual(newestFirst.slice(2, 3));
    expect(rest.body.nextCursor).toBeNull();
    const crossed = await inbox('GET', `/v1/referrals?status=accepted&cursor=${waiting.body.nextCursor}`);
    expect(crossed.status).toBe(400);
    const accepted = await inbox('GET', '/v1/referrals?status=accepted');
    expect(accepted.body.items.map((r: { id: string }) => r.id)).toEqual(newestFirst.slice(3));
    expect(
      accepted.body.items.every((r: { status: string; version: number }) => r.status === 'accepted'),
    ).toBe(true);

    const byCoach = await coach('GET', `/v1/referrals?organisationId=${receiver}&status=accepted`);
    expect(byCoach.body.items).toEqual(accepted.body.items);
  });

  it('wants staff to name the organisation, and keeps a partner to its own', async () => {
    const staff = await coach('GET', '/v1/referrals?direction=incoming');
    expect(staff.status).toBe(400);
    expect(staff.body.errors[0].field).toBe('query.organisationId');
    const other = await partner.foundation('GET', `/v1/referrals?organisationId=${org.college}`);
    expect(other.status).toBe(403);
    const own = await partner.foundation('GET', `/v1/referrals?organisationId=${org.foundation}`);
    expect(own.status).toBe(200);
  });

  it("lists the sender's outgoing referrals, all of them or by status", async () => {
    const sender = (
      await created(admin, '/v1/organisations', { name: 'Nuorisopalvelut', kind: 'youth-services' })
    ).id;
    const sending = await partnerOf(sender);
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const id = await participant();
      await consent(id, { scope: 'network' });
      await inHandsOf(id, sender);
      ids.push((await created(sending, '/v1/referrals', referralBody(id, org.college, sender))).id);
    }
    const first = await coach('GET', `/v1/referrals/${ids[0]}`);
    await walk(partner.college, first.body, ['decline']);
    const all = await sending('GET', '/v1/referrals?direction=outgoing');
    expect(all.body.items.map((r: { id: string }) => r.id)).toEqual([...ids].reverse());
    const declined = await coach(
      'GET',
      `/v1/referrals?direction=outgoing&organisationId=${sender}&status=declined`,
    );
    expect(declined.body.items).toEqual([
      expect.objectContaining({ id: ids[0], status: 'declined', version: 2 }),
    ]);
    const open = await sending('GET', '/v1/referrals?direction=outgoing&status=sent');
    expect(open.body.items.map((r: { id: string }) => r.id)).toEqual([ids[2], ids[1]]);
  });
});

describe('following the person', () => {
  it('shows the coach every referral of a participant with its current status, newest first', async () => {
    const id = await participant();
    await consent(id, { scope: 'network' });
    const toFoundation = await refer(id, org.foundation);
    const toCollege = await refer(id, org.college);
    const toStranger = await refer(id, org.stranger);
    await walk(partner.foundation, toFoundation, ['accept', 'start']);
    await walk(partner.college, toCollege, ['decline']);
    const trail = await coach('GET', `/v1/participants/${id}/referrals`);
    expect(trail.status).toBe(200);
    expect(trail.body.items.map((r: { id: string; status: string }) => [r.id, r.status])).toEqual([
      [toStranger.id, 'sent'],
      [toCollege.id, 'declined'],
      [toFoundation.id, 'in-progress'],
    ]);
    expect(trail.body.items[2]).toMatchObject({
      version: 3,
      serviceKind: 'work-try-out',
      dueDate: '2026-11-30',
    });
    const paged = await coach('GET', `/v1/participants/${id}/referrals?limit=2`);
    const next = await coach(
      'GET',
      `/v1/participants/${id}/referrals?limit=2&cursor=${paged.body.nextCursor}`,
    );
    expect(next.body.items.map((r: { id: string }) => r.id)).toEqual([toFoundation.id]);
    expect((await partner.foundation('GET', `/v1/participants/${id}/referrals`)).status).toBe(403);
    const nobody = await coach('GET', '/v1/participants/01KAQ4T0Z8X2N5W7P9R3M6B1CD/referrals');
    expect(nobody.status).toBe(404);
  });
});

describe('withdrawing consent', () => {
  it('cancels at once the open referrals to organisations no other consent covers, and leaves those another consent covers', async () => {
    const id = await participant('Veera');
    const broad = await consent(id, {
      scope: 'organisations',
      organisationIds: [org.foundation, org.college],
    });
    await consent(id, { scope: 'organisations', organisationIds: [org.college] });
    const waiting = await refer(id, org.foundation);
    const running = await walk(partner.foundation, await refer(id, org.foundation), ['accept', 'start']);
    const finished = await walk(partner.foundation, await refer(id, org.foundation), [
      'accept',
      'start',
      'complete',
    ]);
    const education = await refer(id, org.college);

    const withdrawn = await coach('POST', `/v1/participants/${id}/consents/${broad.id}/withdraw`, {
      body: { reason: 'The participant asked by phone' },
      headers: { 'If-Match': '"1"' },
    });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.headers.get('etag')).toBe('"2"');
    expect(withdrawn.body).toMatchObject({
      status: 'withdrawn',
      version: 2,
      withdrawal: {
        on: TODAY,
        reason: 'The participant asked by phone',
        by: { role: 'coach' },
        cancelledReferralIds: expect.arrayContaining([waiting.id, running.id]),
      },
    });
    expect(withdrawn.body.withdrawal.cancelledReferralIds).toHaveLength(2);

    for (const [referral, version] of [
      [waiting, 2],
      [running, 4],
    ] as const) {
      const now = (await coach('GET', `/v1/referrals/${referral.id}`)).body;
      expect(now).toMatchObject({ status: 'cancelled', version });
      expect(now.history.at(-1)).toMatchObject({
        action: 'cancel',
        to: 'cancelled',
        reason: 'consent-withdrawn',
        by: { role: 'coach', organisationId: org.ohjaamo },
      });
      expect((await outboxOf(referral.id)).at(-1)).toMatchObject({
        type: 'referral.cancelled',
        organisationIds: [org.foundation, org.ohjaamo],
      });
    }
    expect((await coach('GET', `/v1/referrals/${finished.id}`)).body.status).toBe('completed');
    expect((await coach('GET', `/v1/referrals/${education.id}`)).body.status).toBe('sent');

    const trail = (await coach('GET', `/v1/participants/${id}/referrals`)).body.items;
    expect(Object.fromEntries(trail.map((r: { id: string; status: string }) => [r.id, r.status]))).toEqual({
      [waiting.id]: 'cancelled',
      [running.id]: 'cancelled',
      [finished.id]: 'completed',
      [education.id]: 'sent',
    });
    const cancelledInbox = await partner.foundation('GET', '/v1/referrals?status=cancelled&limit=100');
    expect(cancelledInbox.body.items.map((r: { id: string }) => r.id)).toEqual(
      expect.arrayContaining([waiting.id, running.id]),
    );
    const stillAccepted = await partner.foundation('GET', '/v1/referrals?status=in-progress&limit=100');
    expect(stillAccepted.body.items.map((r: { id: string }) => r.id)).not.toContain(running.id);

    const again = await coach('POST', `/v1/participants/${id}/consents/${broad.id}/withdraw`, {
      body: { reason: 'Twice' },
      headers: { 'If-Match': '"2"' },
    });
    expect(again.status).toBe(409);
    expect(again.body.type).toContain('already-withdrawn');
    const refused = await coach('POST', '/v1/referrals', { body: referralBody(id, org.foundation) });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toContain('consent-missing');
  });

  it('takes the limited view away from the receiver the moment consent is withdrawn', async () => {
    const id = await participant('Ilmari');
    const given = await consent(id, { scope: 'organisations', organisationIds: [org.foundation] });
    const referral = await walk(partner.foundation, await refer(id, org.foundation), ['accept']);
    const view = await partner.foundation('GET', `/v1/referrals/${referral.id}/participant`);
    expect(view.status).toBe(200);
    expect(view.body).toEqual({
      participantId: id,
      firstName: 'Ilmari',
      lastName: 'Korhonen',
      contact: { email: 'ilmari@koti.example', phone: '+358 40 123 4567' },
      needsSummary: 'Wants to try warehouse work; needs support with mornings',
      referral: expect.objectContaining({ id: referral.id, status: 'accepted' }),
    });
    expect(view.body).not.toHaveProperty('birthDate');
    expect(JSON.stringify(view.body)).not.toContain('esf');

    const withdrawn = await coach('POST', `/v1/participants/${id}/consents/${given.id}/withdraw`, {
      body: { reason: 'Withdrawn at the meeting' },
      headers: { 'If-Match': '"1"' },
    });
    expect(withdrawn.status).toBe(200);
    const after = await partner.foundation('GET', `/v1/referrals/${referral.id}/participant`);
    expect(after.status).toBe(404);
    expect(JSON.stringify(after.body)).not.toContain('Ilmari');
    const seenByReceiver = await partner.foundation('GET', `/v1/referrals/${referral.id}`);
    expect(seenByReceiver.body.status).toBe('cancelled');
    expect(seenByReceiver.body).not.toHaveProperty('needsSummary');
    const seenByCoach = await coach('GET', `/v1/referrals/${referral.id}`);
    expect(seenByCoach.body.needsSummary).toBe('Wants to try warehouse work; needs support with mornings');
  });

  it('refuses a stale withdrawal with 412 and changes nothing', async () => {
    const id = await participant();
    const given = await consent(id, { scope: 'network' });
    const referral = await refer(id, org.foundation);
    const stale = await coach('POST', `/v1/participants/${id}/consents/${given.id}/withdraw`, {
      body: { reason: 'Stale' },
      headers: { 'If-Match': '"7"' },
    });
    expect(stale.status).toBe(412);
    expect((await coach('GET', `/v1/participants/${id}/consents/${given.id}`)).body.status).toBe('active');
    expect((await coach('GET', `/v1/referrals/${referral.id}`)).body.status).toBe('sent');
  });
});

describe('racing requests', () => {
  it('lets exactly one of a concurrent accept and decline win; the other gets 412', async () => {
    for (let round = 0; round < 3; round++) {
      const referral = await referred();
      const [accept, decline] = await Promise.all([
        act(partner.foundation, referral, 'accept'),
        act(partner.foundation, referral, 'decline', { reason: 'Full' }),
      ]);
      expect([accept.status, decline.status].sort()).toEqual([200, 412]);
      const winner = accept.status === 200 ? accept : decline;
      const now = (await coach('GET', `/v1/referrals/${referral.id}`)).body;
      expect(now.status).toBe(winner.body.status);
      expect(now.version).toBe(2);
      expect(now.history).toHaveLength(2);
      expect((await outboxOf(referral.id)).map((event) => event.type)).toEqual([
        'referral.created',
        `referral.${accept.status === 200 ? 'accepted' : 'declined'}`,
      ]);
    }
  });

  it('never leaves open a referral sent while its consent was being withdrawn: it is refused, or cancelled with the withdrawal', async () => {
    for (let round = 0; round < 8; round++) {
      const id = await participant();
      const given = await consent(id, { scope: 'organisations', organisationIds: [org.foundation] });
      const [sent, withdrawn] = await Promise.all([
        coach('POST', '/v1/referrals', { body: referralBody(id, org.foundation) }),
        coach('POST', `/v1/participants/${id}/consents/${given.id}/withdraw`, {
          body: { reason: 'Withdrawn during the send' },
          headers: { 'If-Match': '"1"' },
        }),
      ]);
      expect(withdrawn.status, JSON.stringify(withdrawn.body)).toBe(200);
      if (sent.status === 201) {
        expect(withdrawn.body.withdrawal.cancelledReferralIds).toEqual([sent.body.id]);
        expect((await coach('GET', `/v1/referrals/${sent.body.id}`)).body.status).toBe('cancelled');
      } else {
        expect(sent.status, JSON.stringify(sent.body)).toBe(409);
        expect(sent.body.type).toContain('consent-missing');
        expect((await coach('GET', `/v1/participants/${id}/referrals`)).body.items).toEqual([]);
      }
    }
  });

  it('never leaves a referral open when the two consents covering it are withdrawn at once', async () => {
    for (let round = 0; round < 5; round++) {
      const id = await participant();
      const covers: Covers = { scope: 'organisations', organisationIds: [org.foundation] };
      const first = await consent(id, covers);
      const second = await consent(id, covers);
      const referral = await refer(id, org.foundation);
      const withdrawals = await Promise.all(
        [first, second].map((given) =>
          coach('POST', `/v1/participants/${id}/consents/${given.id}/withdraw`, {
            body: { reason: 'Both withdrawn on the same call' },
            headers: { 'If-Match': '"1"' },
          }),
        ),
      );
      expect(withdrawals.map((response) => response.status)).toEqual([200, 200]);
      expect((await coach('GET', `/v1/referrals/${referral.id}`)).body.status).toBe('cancelled');
    }
  });
});

describe('what each change leaves behind', () => {
  it('writes a domain event to the outbox with each announced change; holding, resuming and failing write none', async () => {
    const referral = await referred();
    await walk(partner.foundation, referral, ['accept', 'start', 'hold', 'resume', 'complete']);
    const events = await outboxOf(referral.id);
    expect(events.map((event) => event.type)).toEqual([
      'referral.created',
      'referral.accepted',
      'referral.started',
      'referral.completed',
    ]);
    for (const event of events) {
      expect(event).toMatchObject({
        PK: `T#${tenant.id}#EVT#${event.id}`,
        organisationIds: [org.foundation, org.ohjaamo],
        resource: { kind: 'referral', id: referral.id, path: `/v1/referrals/${referral.id}` },
        at: clock.now().toISOString(),
      });
      expect(JSON.stringify(event)).not.toContain('warehouse');
    }
    const failed = await walk(partner.foundation, await referred(), ['accept', 'fail']);
    expect((await outboxOf(failed.id)).map((event) => event.type)).toEqual([
      'referral.created',
      'referral.accepted',
    ]);
  });

  it('leaves an audit event about the participant for every read and change of their consents and referrals', async () => {
    const id = await participant();
    const given = await consent(id, { scope: 'network' });
    await coach('GET', `/v1/participants/${id}/consents`);
    await coach('GET', `/v1/participants/${id}/consents/${given.id}`);
    const referral = await refer(id, org.foundation);
    await partner.foundation('GET', '/v1/referrals?status=sent&limit=100');
    await partner.foundation('GET', `/v1/referrals/${referral.id}`);
    await act(partner.foundation, referral, 'accept');
    await partner.foundation('GET', `/v1/referrals/${referral.id}/participant`);
    await coach('GET', `/v1/participants/${id}/referrals`);
    await coach('POST', `/v1/participants/${id}/consents/${given.id}/withdraw`, {
      body: { reason: 'Asked to' },
      headers: { 'If-Match': '"1"' },
    });
    expect(await auditActionsAbout(id)).toEqual([
      'consent.withdraw',
      'referral.list',
      'referral.participant-view',
      'referral.transition',
      'referral.read',
      'referral.list',
      'referral.create',
      'consent.read',
      'consent.list',
      'consent.create',
      'participant.create',
    ]);
    const byFoundation = await admin(
      'GET',
      `/v1/audit-events?actorId=${partner.foundation.clientId}&limit=1`,
    );
    expect(byFoundation.body.items[0]).toMatchObject({
      action: 'referral.participant-view',
      participantId: id,
      actor: { kind: 'client', role: 'partner', organisationId: org.foundation },
    });
  });
});

describe('consent that runs out', () => {
  it('hides the person from the receiver once the consent expires, though the referral stays open', async () => {
    const id = await participant('Onni');
    await consent(
      id,
      { scope: 'organisations', organisationIds: [org.foundation] },
      {
        givenOn: '2026-11-01',
        expiresOn: TODAY,
      },
    );
    const referral = await walk(partner.foundation, await refer(id, org.foundation), ['accept', 'start']);
    expect((await partner.foundation('GET', `/v1/referrals/${referral.id}/participant`)).status).toBe(200);
    clock.advance(24 * 3600);
    expect((await partner.foundation('GET', `/v1/referrals/${referral.id}/participant`)).status).toBe(404);
    const still = await partner.foundation('GET', `/v1/referrals/${referral.id}`);
    expect(still.body.status).toBe('in-progress');
  });
});
