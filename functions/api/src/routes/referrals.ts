/**
 * Closed-loop referrals: staff or a partner send one under the participant's consent; the receiving
 * organisation accepts, starts, holds, completes or fails it; only the sender cancels. A partner sees
 * only referrals to or from its own organisation, and the person only through a limited view.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Principal } from '@polku/auth';
import {
  consentCovers,
  type FieldError,
  ForbiddenError,
  isOpenReferral,
  NotFoundError,
  REFERRAL_ACTION_NAMES,
  REFERRAL_ACTIONS,
  type ReferralAction,
  type ReferralParty,
  schemas,
  ValidationError,
} from '@polku/domain';
import {
  type Actor,
  consentsOf,
  coveringConsent,
  createReferral,
  getParticipant,
  getReferral,
  listReferrals,
  listReferralsOfParticipant,
  openReferralsOf,
  organisations,
  type Referral,
  referralSummaryOf,
  sentUnderConsent,
  transitionReferral,
} from '@polku/storage';
import type * as z from 'zod';
import { auditedRead, auditWrite, participantCollectionPage, readThenAudit } from '../http/audit.ts';
import type { AppContext, AppEnv } from '../http/env.ts';
import { expectedVersion } from '../http/etag.ts';
import { pageOf, pageRequest } from '../http/paging.ts';
import { referenced } from '../http/references.ts';
import { responder, sendResource } from '../http/respond.ts';
import { json, jsonBody, route } from '../http/route.ts';
import { today } from '../http/today.ts';

const tag = 'Referrals';
const location = (r: { id: string }) => `/v1/referrals/${r.id}`;
const ofReferral = (r: { participantId: string }) => [r.participantId];

/** Staff act for the whole tenant, hence for any sending organisation; a partner for its own only. */
export function isStaff(principal: Principal): boolean {
  return principal.role === 'tenant_admin' || principal.role === 'coach';
}

/** The actor of a change as histories keep it, acting for the organisation given. */
export function actorOf(c: AppContext, organisationId = c.var.principal.organisationId): Actor {
  const { kind, subject, role } = c.var.principal;
  if (kind === 'operator') throw new ForbiddenError('operators may not act on participant records');
  return { kind, id: subject, role, ...(organisationId ? { organisationId } : {}) };
}

/** The sides of the referral the principal stands on; none means it may not even see it. */
function partiesOf(principal: Principal, referral: Referral): Set<ReferralParty> {
  const parties = new Set<ReferralParty>();
  if (principal.organisationId === referral.toOrganisationId) parties.add('receiver');
  if (isStaff(principal) || principal.organisationId === referral.fromOrganisationId) parties.add('sender');
  return parties;
}

const notFound = (id: string) => new NotFoundError(`referral ${id} not found`);

/** The referral, or 404 both when it does not exist and when the principal may not see it. */
async function visibleReferral(c: AppContext, id: string): Promise<Referral> {
  const referral = await getReferral(c.var.config.db, c.var.principal.tenantId, id);
  if (partiesOf(c.var.principal, referral).size === 0) throw notFound(id);
  return referral;
}

/**
 * What the principal may see of a referral: a receiver that does not also send it sees the person's
 * needs only while the referral is open and an active consent covers its organisation.
 */
async function asSeenBy(c: AppContext, referral: Referral): Promise<Referral> {
  if (partiesOf(c.var.principal, referral).has('sender')) return referral;
  const covered =
    isOpenReferral(referral.status) &&
    (await consentsOf(c.var.config.db, c.var.principal.tenantId, referral.participantId)).some((consent) =>
      consentCovers(consent, referral.toOrganisationId, today(c)),
    );
  if (covered) return referral;
  const { needsSummary: _, ...withoutTheNeeds } = referral;
  return withoutTheNeeds;
}

/**
 * A partner refers onward only a person it is working with: one with an open referral to its own
 * organisation. Anyone else is as unknown to it as an id that does not exist.
 */
export async function assertWorksWith(c: AppContext, participantId: string): Promise<void> {
  const { principal } = c.var;
  const open = await openReferralsOf(c.var.config.db, principal.tenantId, participantId);
  if (!open.some((summary) => summary.toOrganisationId === principal.organisationId)) {
    throw new ValidationError('participantId does not name an existing resource', [
      { field: 'body.participantId', message: `participant ${participantId} not found` },
    ]);
  }
}

function refusal(principal: Principal, referral: Referral, action: ReferralAction): ForbiddenError {
  if (REFERRAL_ACTIONS[action].by === 'sender') {
    return new ForbiddenError(
      `only the sender may ${action} this referral: the tenant's staff or a partner of organisation ${referral.fromOrganisationId}`,
    );
  }
  const why = isStaff(principal)
    ? `; a ${principal.role} acts for the tenant, not for the receiving organisation`
    : '';
  return new ForbiddenError(
    `only the receiving organisation ${referral.toOrganisationId} may ${action} this referral${why}`,
  );
}

/** Loads every resource the body names at once, and reports all that are missing in one 400. */
async function referencedAll(loads: Record<string, Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(
    Object.entries(loads).map(([field, load]) => referenced(field, load)),
  );
  const errors = results.flatMap((result) => {
    if (result.status === 'fulfilled') return [];
    if (result.reason instanceof ValidationError) return result.reason.extensions.errors as FieldError[];
    throw result.reason;
  });
  if (errors.length > 0) throw new ValidationError('the body names resources that do not exist', errors);
}

/** Whose referrals a list shows: always a partner's own organisation; staff must name one. */
function listedOrganisation(principal: Principal, named: string | undefined): string {
  if (isStaff(principal)) {
    if (named) return named;
    throw new ValidationError('name the organisation whose referrals to list', [
      { field: 'query.organisationId', message: 'required for staff' },
    ]);
  }
  if (!principal.organisationId || (named && named !== principal.organisationId)) {
    throw new ForbiddenError('a partner lists the referrals of its own organisation only');
  }
  return principal.organisationId;
}

const ACTION_SUMMARIES: Record<ReferralAction, string> = {
  accept: 'Accept a referral (the receiving organisation)',
  decline: 'Decline a referral, with a reason (the receiving organisation)',
  start: 'Start the service (the receiving organisation)',
  hold: 'Put the service on hold, with a reason (the receiving organisation)',
  resume: 'Resume a service on hold (the receiving organisation)',
  complete: 'Complete the service, optionally with its outcome (the receiving organisation)',
  fail: 'End the service unsuccessfully, with a reason (the receiving organisation)',
  cancel: 'Cancel a referral, with a reason (the sender: staff or the sending partner)',
};

/** The body is optional for actions without a required reason: `{}` and no body mean the same. */
const optionalBody = <T extends z.ZodType>(schema: T) => ({
  required: false,
  content: { 'application/json': { schema } },
});

function bodyOf(action: ReferralAction) {
  if (REFERRAL_ACTIONS[action].reasonRequired) return jsonBody(schemas.ReferralReasonRequest);
  if (action === 'complete') return optionalBody(schemas.ReferralCompletionRequest);
  return optionalBody(schemas.ReferralNoteRequest);
}

export function registerReferrals(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route({
      method: 'post',
      path: '/v1/referrals',
      tag,
      permission: 'referrals:write',
      summary: 'Refer a participant to a service at another organisation',
      description:
        'Refused with 409 consent-missing unless an active consent of the participant covers the receiving ' +
        'organisation. A partner sends from its own organisation only, for a person with an open referral ' +
        'to it (others are answered like an unknown participant). The receiver and sender hear of it ' +
        '(referral.created).',
      request: { body: jsonBody(schemas.ReferralCreate) },
      responses: { 201: json(schemas.Referral, 'Sent') },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const { principal } = c.var;
      const { db } = c.var.config;
      const tenantId = principal.tenantId;
      if (principal.role === 'partner') {
        if (principal.organisationId !== input.fromOrganisationId) {
          throw new ForbiddenError(
            `a partner sends referrals from its own organisation ${principal.organisationId} only`,
          );
        }
        await assertWorksWith(c, input.participantId);
      }
      await referencedAll({
        participantId: getParticipant(db, tenantId, input.participantId),
        fromOrganisationId: organisations.get(db, tenantId, input.fromOrganisationId),
        toOrganisationId: organisations.get(db, tenantId, input.toOrganisationId),
      });
      const consent = await coveringConsent(
        db,
        tenantId,
        input.participantId,
        input.toOrganisationId,
        today(c),
      );
      const reply = responder(c, 201, location);
      const options = { ...reply.options, audit: auditWrite(c, 'referral.create', ofReferral) };
      const referral = await createReferral(
        db,
        tenantId,
        {
          participantId: input.participantId,
          fromOrganisationId: input.fromOrganisationId,
          toOrganisationId: input.toOrganisationId,
          serviceKind: input.serviceKind,
          needsSummary: input.needsSummary,
          desiredStart: input.desiredStart,
          dueDate: input.dueDate ?? null,
          consentId: consent.id,
          by: actorOf(c, input.fromOrganisationId),
        },
        sentUnderConsent(tenantId, consent, input.toOrganisationId),
        options,
      );
      return reply.send(referral);
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/referrals',
      tag,
      permission: 'referrals:read',
      summary: "An organisation's incoming (its inbox) or outgoing referrals, newest first",
      description:
        'One index query per page, by status or all. A partner lists its own organisation only ' +
        '(organisationId defaults to it; another is 403); staff name the organisation.',
      request: { query: schemas.ReferralListQuery },
      responses: {
        200: json(schemas.page(schemas.ReferralSummary, 'ReferralPage'), 'A page of referrals'),
      },
    }),
    async (c) => {
      const { direction, organisationId, status, ...query } = c.req.valid('query');
      const { principal } = c.var;
      const filter = { direction, organisationId: listedOrganisation(principal, organisationId), status };
      const page = pageRequest(c, query, filter);
      const list = () => listReferrals(c.var.config.db, principal.tenantId, filter, page);
      const result = await readThenAudit(c, 'referral.list', list, (listed) =>
        listed.items.flatMap(ofReferral),
      );
      return c.json(pageOf(c, result, filter), 200);
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/referrals/{id}',
      tag,
      permission: 'referrals:read',
      summary: 'One referral with its history',
      description: 'A partner sees it only if its organisation sends or receives it (404 otherwise).',
      request: { params: schemas.IdParam },
      responses: { 200: json(schemas.Referral, 'The referral, with its ETag') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const referral = await readThenAudit(c, 'referral.read', () => visibleReferral(c, id), ofReferral);
      return sendResource(await asSeenBy(c, referral));
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/referrals/{id}/participant',
      tag,
      permission: 'referrals:read',
      summary: 'The referred person, as the receiving organisation sees them',
      description:
        'Name, contact details and the needs summary: for the receiving organisation (and staff) only, ' +
        'while the referral is open and an active consent covers the receiver; 404 otherwise.',
      request: { params: schemas.IdParam },
      responses: { 200: json(schemas.ReferralParticipantView, 'The limited view') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { db } = c.var.config;
      const { principal } = c.var;
      const hidden = new NotFoundError(`referral ${id} not found, or its participant is not visible to you`);
      const referral = await getReferral(db, principal.tenantId, id).catch((error: unknown) => {
        throw error instanceof NotFoundError ? hidden : error;
      });
      const receiver = principal.organisationId === referral.toOrganisationId;
      if (!(receiver || isStaff(principal)) || !isOpenReferral(referral.status)) throw hidden;
      const date = today(c);
      const view = await auditedRead(c, 'referral.participant-view', ofReferral(referral), async () => {
        const [participant, consents] = await Promise.all([
          getParticipant(db, principal.tenantId, referral.participantId),
          consentsOf(db, principal.tenantId, referral.participantId),
        ]);
        if (!consents.some((consent) => consentCovers(consent, referral.toOrganisationId, date)))
          throw hidden;
        return {
          participantId: participant.id,
          firstName: participant.firstName,
          lastName: participant.lastName,
          contact: {
            ...(participant.email ? { email: participant.email } : {}),
            ...(participant.phone ? { phone: participant.phone } : {}),
          },
          needsSummary: referral.needsSummary,
          referral: referralSummaryOf(referral),
        };
      });
      return c.json(view, 200);
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/participants/{id}/referrals',
      tag,
      permission: 'referrals:read',
      summary: "A participant's referrals with their current status, newest first",
      description: 'Following the person: staff only (partners see referrals through /v1/referrals).',
      request: { params: schemas.IdParam, query: schemas.ListQuery },
      responses: {
        200: json(schemas.page(schemas.ReferralSummary, 'ParticipantReferralPage'), 'A page of referrals'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { principal } = c.var;
      if (!isStaff(principal)) {
        throw new ForbiddenError("a partner sees referrals through its organisation's lists, not a person's");
      }
      const { db } = c.var.config;
      const filters = { participantId: id };
      const page = pageRequest(c, c.req.valid('query'), filters);
      const result = await participantCollectionPage(c, 'referral.list', id, () =>
        listReferralsOfParticipant(db, principal.tenantId, id, page),
      );
      return c.json(pageOf(c, result, filters), 200);
    },
  );

  for (const action of REFERRAL_ACTION_NAMES) {
    const spec = REFERRAL_ACTIONS[action];
    app.openapi(
      route({
        method: 'post',
        path: `/v1/referrals/{id}/${action}`,
        tag,
        permission: 'referrals:write',
        ifMatch: true,
        summary: ACTION_SUMMARIES[action],
        description:
          `Allowed from: ${spec.from.join(', ')}; the referral becomes ${spec.to}. ` +
          `${spec.reasonRequired ? 'A reason is required. ' : ''}` +
          'Another move is 409 illegal-transition listing the allowed actions; the move is kept in the history.',
        request: { params: schemas.IdParam, body: bodyOf(action) },
        responses: { 200: json(schemas.Referral, 'The referral after the action') },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const body = ((c.req.valid('json') as unknown) ?? {}) as { reason?: string; outcome?: string };
        const version = expectedVersion(c);
        const referral = await visibleReferral(c, id);
        if (!partiesOf(c.var.principal, referral).has(spec.by))
          throw refusal(c.var.principal, referral, action);
        const actingFor = spec.by === 'receiver' ? referral.toOrganisationId : referral.fromOrganisationId;
        const reply = responder(c, 200);
        const options = { ...reply.options, audit: auditWrite(c, 'referral.transition', ofReferral) };
        const next = await transitionReferral(
          c.var.config.db,
          c.var.principal.tenantId,
          referral,
          { action, reason: body.reason, outcome: body.outcome, by: actorOf(c, actingFor) },
          version,
          options,
        );
        return reply.send(next);
      },
    );
  }
}
