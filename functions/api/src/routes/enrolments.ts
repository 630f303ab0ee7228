import type { OpenAPIHono } from '@hono/zod-openapi';
import { schemas, ValidationError } from '@polku/domain';
import {
  createEnrolment,
  type Enrolment,
  type EnrolmentFilter,
  getEnrolment,
  getGroup,
  getParticipant,
  handOverEnrolment,
  listEnrolments,
  programmes,
  transitionEnrolment,
} from '@polku/storage';
import { auditedRead, auditWrite, readThenAudit } from '../http/audit.ts';
import type { AppEnv } from '../http/env.ts';
import { expectedVersion } from '../http/etag.ts';
import { pageOf, pageRequest } from '../http/paging.ts';
import { referenced } from '../http/references.ts';
import { responder, sendResource } from '../http/respond.ts';
import { assertMayHandOver, mayMakeResponsible, responsibilityNotGiven } from '../http/responsibility.ts';
import { json, jsonBody, route } from '../http/route.ts';
import { today } from '../http/today.ts';

const tag = 'Enrolments';
const location = (e: { id: string }) => `/v1/enrolments/${e.id}`;
const ofEnrolment = (e: Enrolment) => [e.participantId];

export function registerEnrolments(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route({
      method: 'get',
      path: '/v1/enrolments',
      tag,
      permission: 'enrolments:read',
      summary: 'Enrolments of a participant, a programme or a group',
      description: 'Give exactly one of participantId, programmeId or groupId.',
      request: { query: schemas.ListQuery.extend(schemas.EnrolmentListQuery.shape) },
      responses: { 200: json(schemas.page(schemas.Enrolment, 'EnrolmentPage'), 'A page of enrolments') },
    }),
    async (c) => {
      const { participantId, programmeId, groupId, ...query } = c.req.valid('query');
      const given = [
        participantId && { participantId },
        programmeId && { programmeId },
        groupId && { groupId },
      ];
      const filters = given.filter(Boolean) as EnrolmentFilter[];
      if (filters.length !== 1) {
        throw new ValidationError('filter by exactly one of participantId, programmeId or groupId', [
          { field: 'query', message: 'give exactly one of participantId, programmeId, groupId' },
        ]);
      }
      const filter = filters[0]!;
      const scope = filter as Record<string, string>;
      const { db } = c.var.config;
      const page = pageRequest(c, query, scope);
      const read = () => listEnrolments(db, c.var.principal.tenantId, filter, page);
      // A programme's or group's list names its participants only once its page is read.
      const result =
        'participantId' in filter
          ? await auditedRead(c, 'enrolment.list', [filter.participantId], read)
          : await readThenAudit(c, 'enrolment.list', read, (listed) => listed.items.flatMap(ofEnrolment));
      return c.json(pageOf(c, result, scope), 200);
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/enrolments',
      tag,
      permission: 'enrolments:write',
      summary: 'Enrol a participant in a programme (and a group)',
      description:
        'Entering stage enrolled or active takes a seat in the group: a full group is refused with 409 ' +
        'unless its capacity is raised. One open enrolment per participant and programme. The coachId ' +
        'becomes responsible for the person: a tenant_admin names anyone; a coach names a coach already ' +
        'responsible for them, anyone while it is responsible itself, or anyone for a person it registered ' +
        'who has had no enrolment yet (else 403 `responsibility-not-given`).',
      request: { body: jsonBody(schemas.EnrolmentCreate) },
      responses: { 201: json(schemas.Enrolment, 'Created') },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      const [, , group, allowed] = await Promise.all([
        referenced('participantId', getParticipant(db, tenantId, input.participantId)),
        referenced('programmeId', programmes.get(db, tenantId, input.programmeId)),
        input.groupId
          ? referenced('groupId', getGroup(db, tenantId, input.programmeId, input.groupId))
          : undefined,
        mayMakeResponsible(c, input.participantId, input.coachId),
      ]);
      if (!allowed) throw responsibilityNotGiven();
      const reply = responder(c, 201, location);
      const options = { ...reply.options, audit: auditWrite(c, 'enrolment.create', ofEnrolment) };
      const enrolment = await createEnrolment(
        db,
        tenantId,
        {
          participantId: input.participantId,
          programmeId: input.programmeId,
          groupId: input.groupId ?? null,
          coachId: input.coachId,
          stage: input.stage,
          date: input.date ?? today(c),
          actor: c.var.principal.subject,
        },
        group,
        options,
      );
      return reply.send(enrolment);
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/enrolments/{id}',
      tag,
      permission: 'enrolments:read',
      summary: 'One enrolment with its stage history',
      request: { params: schemas.IdParam },
      responses: { 200: json(schemas.Enrolment, 'The enrolment, with its ETag') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const read = () => getEnrolment(c.var.config.db, c.var.principal.tenantId, id);
      // The participant is known only from the enrolment itself.
      return sendResource(await readThenAudit(c, 'enrolment.read', read, ofEnrolment));
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/enrolments/{id}/stage',
      tag,
      permission: 'enrolments:write',
      ifMatch: true,
      summary: 'Move an enrolment to its next stage',
      description:
        'applied → waitlisted → enrolled → active → completed | discontinued (reason required). ' +
        'An illegal move is refused with 409 listing the allowed stages.',
      request: { params: schemas.IdParam, body: jsonBody(schemas.EnrolmentTransition) },
      responses: { 200: json(schemas.Enrolment, 'Moved') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const reply = responder(c, 200);
      const options = { ...reply.options, audit: auditWrite(c, 'enrolment.stage-change', ofEnrolment) };
      const enrolment = await transitionEnrolment(
        c.var.config.db,
        c.var.principal.tenantId,
        id,
        {
          stage: input.stage,
          reason: input.reason,
          date: input.date ?? today(c),
          actor: c.var.principal.subject,
        },
        expectedVersion(c),
        options,
      );
      return reply.send(enrolment);
    },
  );
  app.openapi(
    route({
      method: 'post',
      path: '/v1/enrolments/{id}/coach',
      tag,
      permission: 'enrolments:write',
      ifMatch: true,
      summary: 'Hand the enrolment over to another responsible coach',
      description:
        'The responsible coach is given by a tenant_admin or by the coach who is responsible now (anyone ' +
        'else gets 403 `responsibility-not-given`); the change is kept in `coachChanges` and audited. A ' +
        'coach sees the sensitive ESF characteristics of the people named to it on open enrolments only: ' +
        'the coach handing over no longer does, unless another open enrolment still names it.',
      request: { params: schemas.IdParam, body: jsonBody(schemas.CoachHandover) },
      responses: { 200: json(schemas.Enrolment, 'Handed over') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      const current = await getEnrolment(db, tenantId, id);
      assertMayHandOver(c, current);
      if (input.coachId === current.coachId) {
        throw new ValidationError('the coach is responsible already', [
          { field: 'body.coachId', message: `${input.coachId} is the responsible coach already` },
        ]);
      }
      const reply = responder(c, 200);
      const options = { ...reply.options, audit: auditWrite(c, 'enrolment.coach-change', ofEnrolment) };
      const handover = { coachId: input.coachId, reason: input.reason, actor: c.var.principal.subject };
      return reply.send(await handOverEnrolment(db, tenantId, id, handover, expectedVersion(c), options));
    },
  );
}
