/**
 * The audit trail of participants' records, for tenant administrators: who read or changed whose
 * record, when, and in which request. One key query per page, per participant or per actor.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { schemas, ValidationError } from '@polku/domain';
import { type AuditActor, type AuditFilter, listAuditEvents } from '@polku/storage';
import type { AppEnv } from '../http/env.ts';
import { pageOf, pageRequest } from '../http/paging.ts';
import { json, route } from '../http/route.ts';

function filterOf(
  participantId: string | undefined,
  actorId: string | undefined,
  actorKind: AuditActor['kind'],
): AuditFilter {
  if (participantId !== undefined && actorId === undefined) return { participantId };
  if (actorId !== undefined && participantId === undefined) return { actorKind, actorId };
  const message = 'give exactly one of participantId or actorId';
  throw new ValidationError('filter by exactly one of participantId or actorId', [
    { field: 'query.participantId', message },
    { field: 'query.actorId', message },
  ]);
}

export function registerAuditEvents(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route({
      method: 'get',
      path: '/v1/audit-events',
      tag: 'Audit',
      permission: 'audit:read',
      summary: "Who read or changed a participant's record, newest first",
      description:
        'Give exactly one of participantId (events about that participant) or actorId (events by that ' +
        'API client, with actorKind=user by that staff user, with actorKind=system and actorId=retention by ' +
        'the retention job). Every read or change of a participant, ' +
        'their milestones, enrolments, attendance, consents, referrals or network meetings leaves an event ' +
        '(see AuditEvent.action for the list; list reads leave one per participant on the page). Reads are ' +
        'recorded whether or not they found the record; a change only if it was committed.',
      request: { query: schemas.AuditQuery },
      responses: {
        200: json(schemas.page(schemas.AuditEvent, 'AuditEventPage'), 'A page of audit events'),
      },
    }),
    async (c) => {
      const { participantId, actorId, actorKind, ...query } = c.req.valid('query');
      const filter = filterOf(participantId, actorId, actorKind);
      const scope = filter as Record<string, string>;
      const { db } = c.var.config;
      const result = await listAuditEvents(
        db,
        c.var.principal.tenantId,
        filter,
        pageRequest(c, query, scope),
      );
      return c.json(pageOf(c, result, scope), 200);
    },
  );
}
