/**
 * A participant's consents to share their data with named organisations or the whole network.
 * Part of the participant's record: every read and change is audited. Withdrawal takes effect at
 * once and cancels the open referrals it leaves uncovered.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { NotFoundError, schemas, ValidationError } from '@polku/domain';
import {
  type Consent,
  consentOn,
  createConsent,
  getConsent,
  getParticipant,
  listConsents,
  organisations,
  withdrawConsent,
} from '@polku/storage';
import * as z from 'zod';
import { auditedRead, auditWrite, participantCollectionPage } from '../http/audit.ts';
import type { AppContext, AppEnv } from '../http/env.ts';
import { expectedVersion } from '../http/etag.ts';
import { pageOf, pageRequest } from '../http/paging.ts';
import { responder, sendResource } from '../http/respond.ts';
import { json, jsonBody, route } from '../http/route.ts';
import { today } from '../http/today.ts';
import { actorOf } from './referrals.ts';

const tag = 'Consents';
const ofConsent = (consent: { participantId: string }) => [consent.participantId];

const ConsentParams = z.object({
  id: schemas.Id.meta({ param: { name: 'id', in: 'path' }, description: 'The participant' }),
  consentId: schemas.Id.meta({ param: { name: 'consentId', in: 'path' } }),
});

/** Every named organisation must exist: the missing ones in one field error. */
async function assertOrganisationsExist(c: AppContext, ids: readonly string[]): Promise<void> {
  const { db } = c.var.config;
  const found = await Promise.all(
    ids.map((id) =>
      organisations.get(db, c.var.principal.tenantId, id).then(
        () => true,
        (error: unknown) => {
          if (error instanceof NotFoundError) return false;
          throw error;
        },
      ),
    ),
  );
  const missing = ids.filter((_, i) => !found[i]);
  if (missing.length > 0) {
    throw new ValidationError('the consent names organisations that do not exist', [
      { field: 'body.covers.organisationIds', message: `no such organisation: ${missing.join(', ')}` },
    ]);
  }
}

export function registerConsents(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route({
      method: 'get',
      path: '/v1/participants/{id}/consents',
      tag,
      permission: 'consents:read',
      summary: "A participant's consents, newest first, each with its status today",
      request: { params: schemas.IdParam, query: schemas.ListQuery },
      responses: { 200: json(schemas.page(schemas.Consent, 'ConsentPage'), 'A page of consents') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      const filters = { participantId: id };
      const page = pageRequest(c, c.req.valid('query'), filters);
      const result = await participantCollectionPage(c, 'consent.list', id, () =>
        listConsents(db, tenantId, id, page),
      );
      const date = today(c);
      const items = result.items.map((consent) => consentOn(consent, date));
      return c.json(pageOf(c, { items, lastKey: result.lastKey }, filters), 200);
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/participants/{id}/consents',
      tag,
      permission: 'consents:write',
      summary: 'Record a consent to share the participant’s data',
      description:
        'With the named organisations (each must exist) or the whole network, for a purpose, from a date ' +
        'and optionally until one. Referrals to an organisation need an active consent that covers it.',
      request: { params: schemas.IdParam, body: jsonBody(schemas.ConsentCreate) },
      responses: { 201: json(schemas.Consent, 'Recorded') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      await getParticipant(db, tenantId, id);
      if (input.covers.scope === 'organisations')
        await assertOrganisationsExist(c, input.covers.organisationIds);
      const date = today(c);
      const reply = responder(
        c,
        201,
        (consent: { id: string }) => `/v1/participants/${id}/consents/${consent.id}`,
        (consent: Consent) => consentOn(consent, date),
      );
      const options = { ...reply.options, audit: auditWrite(c, 'consent.create', ofConsent) };
      const consent = await createConsent(
        db,
        tenantId,
        {
          participantId: id,
          covers: input.covers,
          purpose: input.purpose,
          givenOn: input.givenOn,
          expiresOn: input.expiresOn ?? null,
          recordedBy: actorOf(c),
        },
        options,
      );
      return reply.send(consent);
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/participants/{id}/consents/{consentId}',
      tag,
      permission: 'consents:read',
      summary: 'One consent, with its status today',
      request: { params: ConsentParams },
      responses: { 200: json(schemas.Consent, 'The consent, with its ETag') },
    }),
    async (c) => {
      const { id, consentId } = c.req.valid('param');
      const read = () => getConsent(c.var.config.db, c.var.principal.tenantId, id, consentId);
      const consent = await auditedRead(c, 'consent.read', [id], read);
      return sendResource(consentOn(consent, today(c)));
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/participants/{id}/consents/{consentId}/withdraw',
      tag,
      permission: 'consents:write',
      ifMatch: true,
      summary: 'Withdraw a consent, with immediate effect',
      description:
        'In the same transaction, every open referral (sent, accepted, in progress, on hold) of the ' +
        'participant to an organisation no other active consent covers is cancelled with reason ' +
        '`consent-withdrawn`; their ids are in `withdrawal.cancelledReferralIds`. The receivers lose the ' +
        'participant view at once. Withdrawing twice is 409 already-withdrawn.',
      request: { params: ConsentParams, body: jsonBody(schemas.ConsentWithdrawalRequest) },
      responses: { 200: json(schemas.Consent, 'The withdrawn consent') },
    }),
    async (c) => {
      const { id, consentId } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      const version = expectedVersion(c);
      const date = today(c);
      const reply = responder(c, 200, undefined, (consent: Consent) => consentOn(consent, date));
      const options = { ...reply.options, audit: auditWrite(c, 'consent.withdraw', ofConsent) };
      const consent = await withdrawConsent(
        c.var.config.db,
        c.var.principal.tenantId,
        id,
        consentId,
        { reason, on: date, by: actorOf(c) },
        version,
        options,
      );
      return reply.send(consent);
    },
  );
}
