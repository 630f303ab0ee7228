import { createHmac } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { canonicalIdentityCode, schemas, ValidationError } from '@polku/domain';
import {
  consentOn,
  createMilestone,
  createParticipant,
  exportParticipant,
  getEnrolment,
  getParticipant,
  listMilestones,
  listParticipants,
  type Milestone,
  type Participant,
  type ParticipantListPosition,
  updateParticipant,
} from '@polku/storage';
import { auditedRead, auditWrite, participantCollectionPage, readThenAudit } from '../http/audit.ts';
import type { AppEnv } from '../http/env.ts';
import { expectedVersion } from '../http/etag.ts';
import { pageOf, pageRequest, readCursor, writeCursor } from '../http/paging.ts';
import { referenced } from '../http/references.ts';
import { responder, sendResource } from '../http/respond.ts';
import { json, jsonBody, route } from '../http/route.ts';
import {
  keepingSensitiveData,
  participantAsShown,
  seesSensitiveDataOf,
  seesSensitiveDataOfNew,
} from '../http/sensitive-data.ts';
import { today } from '../http/today.ts';

const tag = 'Participants';
const ofParticipant = (p: Participant) => [p.id];
const ofMilestone = (m: Milestone) => [m.participantId];

/** Keyed hash: equal codes in a tenant collide, yet the table alone does not reveal the code. */
function identityCodeHash(key: Buffer, tenantId: string, code: string): string {
  return createHmac('sha256', key)
    .update(`${tenantId}:${canonicalIdentityCode(code)}`)
    .digest('base64url');
}

export function registerParticipants(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route({
      method: 'get',
      path: '/v1/participants',
      tag,
      permission: 'participants:read',
      summary: 'Participants, newest first',
      description: 'Summaries only: no contact details or ESF characteristics in lists.',
      request: { query: schemas.ListQuery },
      responses: {
        200: json(schemas.page(schemas.ParticipantSummary, 'ParticipantPage'), 'A page of participants'),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const position = readCursor<ParticipantListPosition>(c, query);
      const list = () => listParticipants(c.var.config.db, c.var.principal.tenantId, query.limit, position);
      const result = await readThenAudit(c, 'participant.list', list, (page) => page.items.map((p) => p.id));
      return c.json({ items: result.items, nextCursor: writeCursor(c, result.position) }, 200);
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/participants',
      tag,
      permission: 'participants:write',
      summary: 'Register a participant',
      description:
        'The identity code is optional; it is validated and kept only as a keyed hash. The same code twice ' +
        'in a tenant is refused with 409 naming the existing participant. The answer shows the sensitive ' +
        'ESF characteristics only to a tenant_admin: a new participant has no enrolment, so no coach is ' +
        'responsible for them yet. A replay (the same Idempotency-Key) leaves them out: they are never ' +
        'stored in clear.',
      request: { body: jsonBody(schemas.ParticipantCreate) },
      responses: { 201: json(schemas.Participant, 'Created') },
    }),
    async (c) => {
      const { identityCode, ...fields } = c.req.valid('json');
      const { db, identityCodeKey } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      const hash = identityCode ? identityCodeHash(identityCodeKey, tenantId, identityCode) : undefined;
      const shown = seesSensitiveDataOfNew(c);
      const reply = responder(
        c,
        201,
        (p: Participant) => `/v1/participants/${p.id}`,
        (p: Participant) => participantAsShown(p, shown),
        // The stored response is a plain item: the sensitive characteristics stay sealed in the record.
        (p: Participant) => participantAsShown(p, false),
      );
      const options = { ...reply.options, audit: auditWrite(c, 'participant.create', ofParticipant) };
      return reply.send(await createParticipant(db, tenantId, fields, hash, options));
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/participants/{id}',
      tag,
      permission: 'participants:read',
      summary: 'One participant',
      description:
        'The sensitive ESF characteristics only for a tenant_admin and for a coach named as `coachId` of ' +
        "one of the participant's enrolments (read at the same time as the participant).",
      request: { params: schemas.IdParam },
      responses: { 200: json(schemas.Participant, 'The participant, with its ETag') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const read = () =>
        Promise.all([
          getParticipant(c.var.config.db, c.var.principal.tenantId, id),
          seesSensitiveDataOf(c, id),
        ]);
      const [participant, shown] = await auditedRead(c, 'participant.read', [id], read);
      return sendResource(participantAsShown(participant, shown));
    },
  );

  app.openapi(
    route({
      method: 'patch',
      path: '/v1/participants/{id}',
      tag,
      permission: 'participants:write',
      ifMatch: true,
      summary: "Change a participant's details",
      description:
        'A sensitive ESF characteristic left out of `esf` keeps its value. The answer shows them as a read ' +
        'would.',
      request: { params: schemas.IdParam, body: jsonBody(schemas.ParticipantUpdate) },
      responses: { 200: json(schemas.Participant, 'Changed') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const reply = responder(c, 200);
      const options = { ...reply.options, audit: auditWrite(c, 'participant.update', ofParticipant) };
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      const patch = c.req.valid('json');
      const update = async () => {
        // The stored characteristics to keep, read only when they change. The update then requires the
        // version the caller read, which is no newer than this read: a change in between is a 412.
        const current = patch.esf ? await getParticipant(db, tenantId, id) : undefined;
        const changes = keepingSensitiveData(patch, current);
        return updateParticipant(db, tenantId, id, changes, expectedVersion(c), options);
      };
      const [updated, shown] = await Promise.all([update(), seesSensitiveDataOf(c, id)]);
      return reply.send(participantAsShown(updated, shown));
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/participants/{id}/milestones',
      tag: 'Milestones',
      permission: 'milestones:read',
      summary: "A participant's milestones",
      request: { params: schemas.IdParam, query: schemas.ListQuery },
      responses: { 200: json(schemas.page(schemas.Milestone, 'MilestonePage'), 'A page of milestones') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      const filters = { participantId: id };
      const page = pageRequest(c, c.req.valid('query'), filters);
      const result = await participantCollectionPage(c, 'milestone.list', id, () =>
        listMilestones(db, tenantId, id, page),
      );
      return c.json(pageOf(c, result, filters), 200);
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/participants/{id}/milestones',
      tag: 'Milestones',
      permission: 'milestones:write',
      summary: 'Record a milestone (skills identified, CV, application, licence, self-assessment, ...)',
      request: { params: schemas.IdParam, body: jsonBody(schemas.MilestoneCreate) },
      responses: { 201: json(schemas.Milestone, 'Created') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      await getParticipant(db, tenantId, id);
      if (input.enrolmentId) {
        const enrolment = await referenced('enrolmentId', getEnrolment(db, tenantId, input.enrolmentId));
        if (enrolment.participantId !== id) {
          throw new ValidationError('the enrolment belongs to another participant', [
            {
              field: 'body.enrolmentId',
              message: `enrolment ${input.enrolmentId} is not this participant's`,
            },
          ]);
        }
      }
      const reply = responder(c, 201, (m: { id: string }) => `/v1/participants/${id}/milestones/${m.id}`);
      const options = { ...reply.options, audit: auditWrite(c, 'milestone.create', ofMilestone) };
      return reply.send(await createMilestone(db, tenantId, { ...input, participantId: id }, options));
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/participants/{id}/export',
      tag,
      permission: 'participants:export',
      summary: 'Everything held about a participant (GDPR art. 15)',
      description:
        "One JSON document with the person's record, milestones, consents, enrolments, attendance and " +
        'the sessions it was taken in, referrals with their history, network meetings with their actions, ' +
        'outcomes (withdrawn ones too) and the audit events about them. Every collection is complete. ' +
        'The export is itself recorded in the audit trail (`participant.export`).',
      request: { params: schemas.IdParam },
      responses: { 200: json(schemas.ParticipantExport, 'The export') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const tenantId = c.var.principal.tenantId;
      const read = () => exportParticipant(c.var.config.db, tenantId, id);
      // Read, then recorded: the export holds every event before its own, never a race with it.
      const held = await readThenAudit(c, 'participant.export', read, () => [id]);
      const date = today(c);
      return c.json(
        {
          exportedAt: c.var.config.now().toISOString(),
          tenantId,
          ...held,
          consents: held.consents.map((consent) => consentOn(consent, date)),
        },
        200,
      );
    },
  );
}
