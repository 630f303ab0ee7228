/**
 * The seeds' closed loop, end to end: a coach in the career-coaching programme refers a young person
 * to a work try-out at a foundation; the foundation sees it in its inbox, accepts, starts and
 * completes it; a network meeting records the division of work; the coach follows the whole trail;
 * a third organisation sees none of it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { created, organisationBody, participantBody } from './support/fixtures.ts';
import {
  type Caller,
  call,
  createHarness,
  createTestTenant,
  type Harness,
  requestToken,
  type TestTenant,
} from './support/harness.ts';

let harness: Harness;
let tenant: TestTenant;
let admin: Caller;
let coach: Caller;

/** A caller acting as a new partner client of the organisation. */
async function partnerOf(organisationId: string, name: string): Promise<Caller> {
  const client = await created(admin, '/v1/clients', { name, role: 'partner', organisationId });
  const token = (await requestToken(harness, client)).body.access_token as string;
  return (method, path, options) => call(harness, token, method, path, options);
}

beforeAll(async () => {
  harness = await createHarness();
  tenant = await createTestTenant(harness);
  admin = tenant.as('tenant_admin');
  coach = tenant.as('coach');
});

describe('a referral to a work try-out, followed to the end', () => {
  it('goes from the coach to the foundation and back, with the division of work agreed, and no one else sees it', async () => {
    // The organisations, the programme and a foundation and an education provider that have their own systems.
    const ohjaamo = await created(admin, '/v1/organisations', organisationBody('Ohjaamo Joensuu'));
    const foundation = await created(admin, '/v1/organisations', {
      name: 'Honkalampi Foundation – KASKI Työvalmennus',
      kind: 'foundation',
    });
    const riveria = await created(admin, '/v1/organisations', {
      name: 'Riveria',
      kind: 'education-provider',
    });
    const programme = await created(admin, '/v1/programmes', {
      templateId: 'career-coaching',
      organisationId: ohjaamo.id,
    });
    const kaski = await partnerOf(foundation.id, 'KASKI case system');
    const thirdParty = await partnerOf(riveria.id, 'Riveria student system');

    // A young person in career coaching consents to sharing with the foundation.
    const person = await created(
      coach,
      '/v1/participants',
      participantBody({ firstName: 'Eetu', lastName: 'Nieminen', birthDate: '2005-03-14' }),
    );
    await created(coach, '/v1/enrolments', {
      participantId: person.id,
      programmeId: programme.id,
      coachId: 'coach-leena',
      stage: 'active',
    });
    const refusedWithoutConsent = await coach('POST', '/v1/referrals', {
      body: {
        participantId: person.id,
        fromOrganisationId: ohjaamo.id,
        toOrganisationId: foundation.id,
        serviceKind: 'work-try-out',
        needsSummary: 'Wants to try carpentry work; needs support with mornings.',
        desiredStart: '2026-12-01',
      },
    });
    expect(refusedWithoutConsent.status).toBe(409);
    await created(coach, `/v1/participants/${person.id}/consents`, {
      covers: { scope: 'organisations', organisationIds: [foundation.id] },
      purpose: 'Work try-out at the foundation and its follow-up',
      givenOn: '2026-11-01',
    });

    // The coach refers.
    const referral = await created(coach, '/v1/referrals', {
      participantId: person.id,
      fromOrganisationId: ohjaamo.id,
      toOrganisationId: foundation.id,
      serviceKind: 'work-try-out',
      needsSummary: 'Wants to try carpentry work; needs support with mornings.',
      desiredStart: '2026-12-01',
      dueDate: '2027-02-28',
    });
    expect(referral.status).toBe('sent');

    // The foundation sees it in its inbox, and the person through the limited view only.
    const inbox = await kaski('GET', '/v1/referrals?direction=incoming&status=sent');
    expect(inbox.status).toBe(200);
    expect(inbox.body.items.map((r: { id: string }) => r.id)).toEqual([referral.id]);
    const view = await kaski('GET', `/v1/referrals/${referral.id}/participant`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ firstName: 'Eetu', lastName: 'Nieminen' });
    expect(JSON.stringify(view.body)).not.toContain('2005-03-14');
    expect((await kaski('GET', `/v1/participants/${person.id}`)).status).toBe(403);

    // It accepts, starts and completes the try-out, each step guarded by If-Match.
    let version = referral.version;
    for (const [action, body] of [
      ['accept', {}],
      ['start', {}],
      ['complete', { outcome: 'Completed four weeks; offered an apprenticeship.' }],
    ] as const) {
      const step = await kaski('POST', `/v1/referrals/${referral.id}/${action}`, {
        body,
        headers: { 'If-Match': `"${version}"` },
      });
      expect(step.status, `${action}: ${JSON.stringify(step.body)}`).toBe(200);
      version = step.body.version;
    }

    // A network meeting agrees who does what next.
    const meeting = await created(coach, '/v1/network-meetings', {
      participantId: person.id,
      date: '2026-12-20',
      organisationsPresent: [ohjaamo.id, foundation.id],
      summary: 'Try-out went well; next step is the apprenticeship application.',
      actions: [
        {
          description: 'Write a reference for the apprenticeship',
          ownerOrganisationId: foundation.id,
          dueDate: '2027-01-10',
        },
        { description: 'Help with the application', ownerOrganisationId: ohjaamo.id, dueDate: '2027-01-15' },
      ],
    });
    const foundationWork = await kaski('GET', `/v1/organisations/${foundation.id}/actions?status=open`);
    expect(foundationWork.body.items.map((a: { description: string }) => a.description)).toEqual([
      'Write a reference for the apprenticeship',
    ]);

    // The coach follows the whole trail.
    const followed = await coach('GET', `/v1/participants/${person.id}/referrals`);
    expect(followed.body.items).toEqual([expect.objectContaining({ id: referral.id, status: 'completed' })]);
    const trail = await coach('GET', `/v1/referrals/${referral.id}`);
    expect(trail.body.history.map((change: { action: string }) => change.action)).toEqual([
      'send',
      'accept',
      'start',
      'complete',
    ]);
    expect(trail.body.history.at(-1)).toMatchObject({
      outcome: 'Completed four weeks; offered an apprenticeship.',
      by: { role: 'partner', organisationId: foundation.id },
    });
    const meetings = await coach('GET', `/v1/participants/${person.id}/network-meetings`);
    expect(meetings.body.items.map((m: { id: string }) => m.id)).toEqual([meeting.id]);

    // The education provider sees none of it.
    for (const path of [
      `/v1/referrals/${referral.id}`,
      `/v1/referrals/${referral.id}/participant`,
      `/v1/network-meetings/${meeting.id}`,
    ]) {
      expect((await thirdParty('GET', path)).status, path).toBe(404);
    }
    const theirInbox = await thirdParty('GET', '/v1/referrals?direction=incoming');
    expect(theirInbox.body.items).toEqual([]);
    expect((await thirdParty('GET', `/v1/organisations/${foundation.id}/actions`)).status).toBe(403);
    expect(
      (await thirdParty('GET', `/v1/referrals?direction=incoming&organisationId=${foundation.id}`)).status,
    ).toBe(403);
    const anything = JSON.stringify([theirInbox.body]);
    expect(anything).not.toContain('Eetu');
  });
});
