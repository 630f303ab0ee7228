/**
 * Erasure (GDPR art. 17): a tenant admin erases a participant, and sees the tombstones of erasures
 * done. The erasure runs in the request; a retry of a request cut short resumes it.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { DEFAULT_RETENTION_YEARS, dayOf, schemas } from '@polku/domain';
import { dueForErasure, getTenant, listErasures, runErasure, startErasure } from '@polku/storage';
import { sourceOf } from '../http/audit.ts';
import type { AppEnv } from '../http/env.ts';
import { pageOf, pageRequest } from '../http/paging.ts';
import { json, jsonBody, route } from '../http/route.ts';

const tag = 'Erasure';

export function registerErasures(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route({
      method: 'delete',
      path: '/v1/participants/{id}',
      tag,
      permission: 'participants:erase',
      summary: 'Erase a participant (GDPR art. 17)',
      description:
        'Deletes every record that identifies the person: the record and identity-code guard, milestones, ' +
        'consents, enrolments (freeing a group seat still held), attendance and session invitations, ' +
        'referrals with their history, network meetings with their actions, outcomes, follow-ups and the ' +
        'stored responses of writes about them. The outcome metrics and ESF+ reports keep their counts. ' +
        'A tombstone (the `Erasure`) records when, by whom and why; the audit events about the person ' +
        '(ids and actors only) stay. Answers when the erasure is complete. Safe to retry: a repeated ' +
        'request, or one after a failure (503), resumes the same erasure and answers with its tombstone.',
      request: { params: schemas.IdParam, body: jsonBody(schemas.ErasureRequest) },
      responses: { 200: json(schemas.Erasure, 'Erased: the tombstone') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      const { db, now } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      const { actor, requestId, at } = sourceOf(c);
      const erasure = await startErasure(db, tenantId, id, {
        reason,
        source: 'request',
        actor,
        requestId,
        now: at,
      });
      return c.json(await runErasure(db, tenantId, erasure, now(), c.var.config.erasureSettleMs), 200);
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/retention/due',
      tag,
      permission: 'erasures:read',
      summary: 'Who the retention job would erase today (a dry run)',
      description:
        "The tenant's participants whose retention period (PATCH /v1/tenant `retentionYears`, default 5) has " +
        'run out: last active on or before the same day that many years ago. Oldest activity first; ids ' +
        'and dates only. The job checks each against their records again before it erases them.',
      request: { query: schemas.ErasureListQuery },
      responses: { 200: json(schemas.RetentionDuePage, 'A page of the people due') },
    }),
    async (c) => {
      const { db, now } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      const asOf = dayOf(now());
      const tenant = await getTenant(db, tenantId);
      const retentionYears = tenant.retentionYears ?? DEFAULT_RETENTION_YEARS;
      // The cursor holds the day: a page read tomorrow does not go on from today's.
      const filters = { asOf, retentionYears: String(retentionYears) };
      const page = pageRequest(c, c.req.valid('query'), filters);
      const result = await dueForErasure(db, tenantId, asOf, retentionYears, page);
      return c.json({ asOf, retentionYears, ...pageOf(c, result, filters) }, 200);
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/erasures',
      tag,
      permission: 'erasures:read',
      summary: 'Erasures, newest first',
      description:
        "The tombstones of the tenant's erasures, by request and by the retention job: when, by whom, why, " +
        'and the step reached (`done` when complete).',
      request: { query: schemas.ErasureListQuery },
      responses: { 200: json(schemas.page(schemas.Erasure, 'ErasurePage'), 'A page of erasures') },
    }),
    async (c) => {
      const page = pageRequest(c, c.req.valid('query'), {});
      const result = await listErasures(c.var.config.db, c.var.principal.tenantId, page);
      return c.json(pageOf(c, result, {}), 200);
    },
  );
}
