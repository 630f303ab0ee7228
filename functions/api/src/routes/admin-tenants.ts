/**
 * Operators' view of the tenants of this region: list, read, activate, suspend, reactivate.
 * Operators see tenant metadata and history only; their role opens no route inside a tenant.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { schemas, TENANT_ACTIONS, type TenantAction } from '@polku/domain';
import { changeTenantStatus, getTenant, listTenants } from '@polku/storage';
import type { AppEnv } from '../http/env.ts';
import { expectedVersion } from '../http/etag.ts';
import { pageOf, pageRequest } from '../http/paging.ts';
import { responder, sendResource } from '../http/respond.ts';
import { json, jsonBody, route } from '../http/route.ts';

const tag = 'Operators';

const ACTION_SUMMARIES: Record<TenantAction, string> = {
  activate: 'Approve a pending signup: its clients get tokens from now on',
  reject: 'Reject a pending signup for good, and free its business id for the real organisation',
  suspend: "Suspend a tenant: its tokens stop working within 30 seconds (the status cache's lifetime)",
  reactivate: 'Lift a suspension',
};

export function registerAdminTenants(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route({
      method: 'get',
      path: '/v1/admin/tenants',
      tag,
      permission: 'tenants:operate',
      summary: 'Tenants of this region, newest first',
      request: { query: schemas.TenantListQuery },
      responses: { 200: json(schemas.page(schemas.TenantRecord, 'TenantPage'), 'A page of tenants') },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const filters = { status: query.status };
      const result = await listTenants(c.var.config.db, query.status, pageRequest(c, query, filters));
      return c.json(pageOf(c, result, filters), 200);
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/admin/tenants/{id}',
      tag,
      permission: 'tenants:operate',
      summary: 'One tenant, with its status history',
      request: { params: schemas.IdParam },
      responses: { 200: json(schemas.TenantRecord, 'The tenant, with its ETag') },
    }),
    async (c) => sendResource(await getTenant(c.var.config.db, c.req.valid('param').id)),
  );

  for (const action of Object.keys(TENANT_ACTIONS) as TenantAction[]) {
    app.openapi(
      route({
        method: 'post',
        path: `/v1/admin/tenants/{id}/${action}`,
        tag,
        permission: 'tenants:operate',
        ifMatch: true,
        summary: ACTION_SUMMARIES[action],
        description: `Allowed from: ${TENANT_ACTIONS[action].from.join(', ')}. The reason is kept in the tenant's history.`,
        request: { params: schemas.IdParam, body: jsonBody(schemas.TenantStatusChangeRequest) },
        responses: { 200: json(schemas.TenantRecord, 'The tenant after the change') },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const { reason } = c.req.valid('json');
        const reply = responder(c, 200);
        const change = { action, reason, by: c.var.principal.subject };
        return reply.send(
          await changeTenantStatus(c.var.config.db, id, change, expectedVersion(c), reply.options),
        );
      },
    );
  }
}
