/**
 * Outcomes: what became of a participant. Staff record, see and change every outcome; a partner
 * records one only for a person referred to its organisation, and sees only its organisation's.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Principal } from '@polku/auth';
import { NotFoundError, schemas, ValidationError } from '@polku/domain';
import {
  amendOutcome,
  getEnrolment,
  getOutcome,
  getParticipant,
  listOutcomesOfParticipant,
  type Outcome,
  recordOutcome,
  withdrawOutcome,
} from '@polku/storage';
import { auditWrite, participantCollectionPage, readThenAudit } from '../http/audit.ts';
import type { AppContext, AppEnv } from '../http/env.ts';
import { expectedVersion } from '../http/etag.ts';
import { pageOf, pageRequest } from '../http/paging.ts';
import { referenced } from '../http/references.ts';
import { responder, sendResource } from '../http/respond.ts';
import { json, jsonBody, route } from '../http/route.ts';
import { today } from '../http/today.ts';
import { actorOf, assertWorksWith, isStaff } from './referrals.ts';

const tag = 'Outcomes';
const location = (o: { id: string }) => `/v1/outcomes/${o.id}`;
const ofOutcome = (o: { participantId: string }) => [o.participantId];

/** Staff see every outcome; a partner only those recorded for its own organisation. */
function sees(principal: Principal, outcome: Outcome): boolean {
  if (isStaff(principal)) return true;
  return (
    principal.organisationId !== undefined && outcome.recordedBy.organisationId === principal.organisationId
  );
}

/** The outcome, or 404 both when it does not exist and when the principal may not see it. */
async function visibleOutcome(c: AppContext, id: string): Promise<Outcome> {
  const outcome = await getOutcome(c.var.config.db, c.var.principal.tenantId, id);
  if (!sees(c.var.principal, outcome)) throw new NotFoundError(`outcome ${id} not found`);
  return outcome;
}

/**
 * The participant must exist (400 on body.participantId), and the enrolment, when given, must be
 * one of theirs (400 on body.enrolmentId): someone else's is answered like one that does not exist.
 */
async function assertReferencesExist(c: AppContext, participantId: string, enrolmentId?: string) {
  const { db } = c.var.config;
  const tenantId = c.var.principal.tenantId;
  const [, enrolment] = await Promise.all([
    referenced('participantId', getParticipant(db, tenantId, participantId)),
    enrolmentId
      ? getEnrolment(db, tenantId, enrolmentId).catch((error: unknown) => {
          if (error instanceof NotFoundError) return undefined;
          throw error;
        })
      : undefined,
  ]);
  if (enrolmentId && enrolment?.participantId !== participantId) {
    throw new ValidationError('enrolmentId does not name an enrolment of the participant', [
      {
        field: 'body.enrolmentId',
        message: `enrolment ${enrolmentId} is not one of participant ${participantId}`,
      },
    ]);
  }
}

export function registerOutcomes(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route({
      method: 'post',
      path: '/v1/outcomes',
      tag,
      permission: 'outcomes:write',
      summary: 'Record an outcome of a participant: a job, a study place, training, …',
      description:
        'The participant must exist and the enrolment, if given, be one of theirs (400 otherwise). A partner ' +
        'records outcomes only for a person with an open referral to its organisation (others are answered ' +
        'like an unknown participant). verifiedOn defaults to today.',
      request: { body: jsonBody(schemas.OutcomeCreate) },
      responses: { 201: json(schemas.Outcome, 'Recorded') },
    }),
    async (c) => {
      const input = c.req.valid('json');
      notVerifiedInFuture(c, input.verifiedOn);
      const { principal } = c.var;
      if (principal.role === 'partner') await assertWorksWith(c, input.participantId);
      await assertReferencesExist(c, input.participantId, input.enrolmentId);
      const reply = responder(c, 201, location);
      const options = { ...reply.options, audit: auditWrite(c, 'outcome.record', ofOutcome) };
      const outcome = await recordOutcome(
        c.var.config.db,
        principal.tenantId,
        { ...input, verifiedOn: input.verifiedOn ?? today(c), recordedBy: actorOf(c) },
        options,
      );
      return reply.send(outcome);
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/outcomes',
      tag,
      permission: 'outcomes:read',
      summary: "A participant's outcomes, newest first, withdrawn ones included",
      description:
        'Staff get 404 for an unknown participant. A partner sees only the outcomes recorded for its own ' +
        'organisation (a page may hold fewer than `limit`), and an empty list for anyone else.',
      request: { query: schemas.OutcomeListQuery },
      responses: { 200: json(schemas.page(schemas.Outcome, 'OutcomePage'), 'A page of outcomes') },
    }),
    async (c) => {
      const { participantId, ...query } = c.req.valid('query');
      const { principal } = c.var;
      const filters = { participantId };
      const page = pageRequest(c, query, filters);
      const list = () => listOutcomesOfParticipant(c.var.config.db, principal.tenantId, participantId, page);
      // A partner's list shows a person only through its own outcomes: audited when it shows any.
      const result = isStaff(principal)
        ? await participantCollectionPage(c, 'outcome.list', participantId, list)
        : await readThenAudit(
            c,
            'outcome.list',
            async () => {
              const listed = await list();
              return { ...listed, items: listed.items.filter((outcome) => sees(principal, outcome)) };
            },
            (listed) => listed.items.flatMap(ofOutcome),
          );
      return c.json(pageOf(c, result, filters), 200);
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/outcomes/{id}',
      tag,
      permission: 'outcomes:read',
      summary: 'One outcome with its history',
      description: 'A partner sees it only if it was recorded for its own organisation (404 otherwise).',
      request: { params: schemas.IdParam },
      responses: { 200: json(schemas.Outcome, 'The outcome, with its ETag') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return sendResource(await readThenAudit(c, 'outcome.read', () => visibleOutcome(c, id), ofOutcome));
    },
  );

  app.openapi(
    route({
      method: 'patch',
      path: '/v1/outcomes/{id}',
      tag,
      permission: 'outcomes:write',
      ifMatch: true,
      summary: 'Amend an outcome, with a reason',
      description:
        'Each changed field’s value before and after is kept in the history with the reason. The result ' +
        'must not end before it starts (400). A withdrawn outcome is not amended (409 outcome-withdrawn). ' +
        'Partners: only outcomes recorded for their own organisation.',
      request: { params: schemas.IdParam, body: jsonBody(schemas.OutcomeAmend) },
      responses: { 200: json(schemas.Outcome, 'Amended') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { reason, ...patch } = c.req.valid('json');
      notVerifiedInFuture(c, patch.verifiedOn);
      const version = expectedVersion(c);
      const current = await visibleOutcome(c, id);
      const reply = responder(c, 200);
      const options = { ...reply.options, audit: auditWrite(c, 'outcome.amend', ofOutcome) };
      const revision = { reason, by: actorOf(c) };
      const { db } = c.var.config;
      return reply.send(
        await amendOutcome(db, c.var.principal.tenantId, current, patch, revision, version, options),
      );
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/outcomes/{id}/withdraw',
      tag,
      permission: 'outcomes:write',
      ifMatch: true,
      summary: 'Withdraw an outcome that no longer stands, with a reason',
      description:
        'The outcome stays readable with its history but no longer counts in any metric. Withdrawing twice ' +
        'is 409 already-withdrawn. Partners: only outcomes recorded for their own organisation.',
      request: { params: schemas.IdParam, body: jsonBody(schemas.OutcomeWithdrawal) },
      responses: { 200: json(schemas.Outcome, 'Withdrawn') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      const version = expectedVersion(c);
      const current = await visibleOutcome(c, id);
      const reply = responder(c, 200);
      const options = { ...reply.options, audit: auditWrite(c, 'outcome.withdraw', ofOutcome) };
      const revision = { reason, by: actorOf(c) };
      const { db } = c.var.config;
      return reply.send(
        await withdrawOutcome(db, c.var.principal.tenantId, current, revision, version, options),
      );
    },
  );
}

/** A check is made on a day that has come: a future one would clear follow-ups not yet made. */
function notVerifiedInFuture(c: AppContext, verifiedOn: string | undefined): void {
  if (verifiedOn === undefined || verifiedOn <= today(c)) return;
  throw new ValidationError('verifiedOn is in the future', [
    { field: 'body.verifiedOn', message: `must not be after today (${today(c)})` },
  ]);
}
