/**
 * A tenant's API clients (partner systems, integrations, scripts): create with a role (partners
 * with their organisation), list, rotate the secret with a grace period for the old one, revoke.
 * Secrets are returned once and stored only as scrypt hashes.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { generateSecret, hashSecret } from '@polku/auth';
import { schemas } from '@polku/domain';
import {
  type ApiClient,
  createClient,
  getClient,
  listClients,
  organisations,
  revokeClient,
  rotateClientSecret,
} from '@polku/storage';
import type * as z from 'zod';
import type { AppEnv } from '../http/env.ts';
import { expectedVersion } from '../http/etag.ts';
import { pageOf, pageRequest } from '../http/paging.ts';
import { referenced } from '../http/references.ts';
import { responder, sendResource } from '../http/respond.ts';
import { json, jsonBody, route } from '../http/route.ts';

const tag = 'API clients';
const permission = 'clients:manage';
const location = (client: { id: string }) => `/v1/clients/${client.id}`;

type WithSecret = ApiClient & { clientSecret?: string };
const withoutSecret = ({ clientSecret: _, ...client }: WithSecret): WithSecret => client;

/** The body is optional for these actions: `{}` and no body at all mean the same. */
const optionalBody = <T extends z.ZodType>(schema: T) => ({
  required: false,
  content: { 'application/json': { schema } },
});

export function registerClients(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route({
      method: 'get',
      path: '/v1/clients',
      tag,
      permission,
      summary: "The tenant's API clients",
      request: { query: schemas.ListQuery },
      responses: { 200: json(schemas.page(schemas.ApiClient, 'ApiClientPage'), 'A page of clients') },
    }),
    async (c) => {
      const result = await listClients(
        c.var.config.db,
        c.var.principal.tenantId,
        pageRequest(c, c.req.valid('query')),
      );
      return c.json(pageOf(c, result), 200);
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/clients',
      tag,
      permission,
      summary: 'Create an API client',
      description:
        'A partner client acts for one organisation of the tenant (`organisationId`); other roles act for ' +
        'the whole tenant. The secret is in this response only.',
      request: { body: jsonBody(schemas.ClientCreate) },
      responses: { 201: json(schemas.ClientWithSecret, 'Created, with its secret') },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      if (input.organisationId)
        await referenced('organisationId', organisations.get(db, tenantId, input.organisationId));
      const clientSecret = generateSecret();
      const reply = responder<WithSecret>(c, 201, location, undefined, withoutSecret);
      const client = await createClient(db, tenantId, input, await hashSecret(clientSecret), reply.options);
      return reply.send({ ...client, clientSecret });
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/clients/{id}',
      tag,
      permission,
      summary: 'One API client',
      request: { params: schemas.IdParam },
      responses: { 200: json(schemas.ApiClient, 'The client, with its ETag') },
    }),
    async (c) =>
      sendResource(await getClient(c.var.config.db, c.var.principal.tenantId, c.req.valid('param').id)),
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/clients/{id}/rotate-secret',
      tag,
      permission,
      ifMatch: true,
      summary: 'Give the client a new secret',
      description:
        `The previous secret keeps working for \`graceSeconds\` (default ${schemas.DEFAULT_SECRET_GRACE_SECONDS} s = 24 h, ` +
        'at most 7 days; 0 ends it at once) so the partner can deploy the new one without downtime. ' +
        'Tokens already issued stay valid until they expire (15 min). Rotating again during a grace period ' +
        'ends it: only the secret before the new one keeps working, for the new grace period.',
      request: { params: schemas.IdParam, body: optionalBody(schemas.RotateSecretRequest) },
      responses: { 200: json(schemas.ClientWithSecret, 'The client, with its new secret') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { graceSeconds = schemas.DEFAULT_SECRET_GRACE_SECONDS } = c.req.valid('json') ?? {};
      const clientSecret = generateSecret();
      const reply = responder<WithSecret>(c, 200, undefined, undefined, withoutSecret);
      const client = await rotateClientSecret(
        c.var.config.db,
        c.var.principal.tenantId,
        id,
        await hashSecret(clientSecret),
        graceSeconds,
        expectedVersion(c),
        reply.options,
      );
      return reply.send({ ...client, clientSecret });
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/clients/{id}/revoke',
      tag,
      permission,
      ifMatch: true,
      summary: 'Revoke the client',
      description:
        'No new tokens, and its tokens already issued stop working within 30 seconds (the status cache). ' +
        'Its secrets are discarded; a revoked client cannot be restored, create a new one.',
      request: { params: schemas.IdParam, body: optionalBody(schemas.RevokeClientRequest) },
      responses: { 200: json(schemas.ApiClient, 'The revoked client') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { reason } = c.req.valid('json') ?? {};
      const reply = responder(c, 200);
      return reply.send(
        await revokeClient(
          c.var.config.db,
          c.var.principal.tenantId,
          id,
          reason,
          expectedVersion(c),
          reply.options,
        ),
      );
    },
  );
}
