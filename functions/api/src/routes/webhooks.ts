/**
 * Webhook endpoints: a tenant admin registers, per organisation, where partner systems hear of
 * referral and action events. The signing secret is shown once (at registration and rotation) and
 * never stored: it is derived from the platform's webhook key. Delivery attempts are listed per
 * endpoint, newest first.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { outboundUrlProblem } from '@polku/auth';
import { type FieldError, schemas, ValidationError } from '@polku/domain';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookAttempts,
  listWebhookEndpoints,
  organisations,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type WebhookEndpoint,
} from '@polku/storage';
import type * as z from 'zod';
import type { AppContext, AppEnv } from '../http/env.ts';
import { expectedVersion } from '../http/etag.ts';
import { pageOf, pageRequest } from '../http/paging.ts';
import { referenced } from '../http/references.ts';
import { responder, sendResource } from '../http/respond.ts';
import { json, jsonBody, route } from '../http/route.ts';
import { SIGNATURE_HEADER, signingSecretOf } from '../webhooks/signing.ts';

const tag = 'Webhooks';
const permission = 'webhooks:manage';
const location = (endpoint: { id: string }) => `/v1/webhooks/${endpoint.id}`;

type WithSecret = WebhookEndpoint & { signingSecret?: string };
const withoutSecret = ({ signingSecret: _, ...endpoint }: WithSecret): WithSecret => endpoint;

const optionalBody = <T extends z.ZodType>(schema: T) => ({
  required: false,
  content: { 'application/json': { schema } },
});

/** What the schema cannot see of a URL: the outbound rule, which depends on the deployment. */
function assertDeliverable(c: AppContext, url: string | undefined): void {
  if (url === undefined) return;
  const problem = outboundUrlProblem(url, c.var.config.webhooks.allowLoopbackTargets);
  if (problem) {
    const errors: FieldError[] = [{ field: 'body.url', message: problem }];
    throw new ValidationError('1 field(s) are not valid', errors);
  }
}

function withSecretOf(c: AppContext, endpoint: WebhookEndpoint): WithSecret {
  const { key } = c.var.config.webhooks;
  const signingSecret = signingSecretOf(key, c.var.principal.tenantId, endpoint.id, endpoint.secretVersion);
  return { ...endpoint, signingSecret };
}

export function registerWebhooks(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route({
      method: 'get',
      path: '/v1/webhooks',
      tag,
      permission,
      summary: "The tenant's webhook endpoints",
      request: { query: schemas.ListQuery },
      responses: {
        200: json(schemas.page(schemas.WebhookEndpoint, 'WebhookEndpointPage'), 'A page of endpoints'),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const result = await listWebhookEndpoints(
        c.var.config.db,
        c.var.principal.tenantId,
        pageRequest(c, query),
      );
      return c.json(pageOf(c, result), 200);
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/webhooks',
      tag,
      permission,
      summary: 'Register a webhook endpoint',
      description:
        'The endpoint hears of the event types it names whenever they concern its organisation (a referral ' +
        'sent to or from it, an action it owns). Deliveries are POSTs of ids and the type only, signed in ' +
        `\`${SIGNATURE_HEADER}\` with the secret in this response, which is shown once and not stored. ` +
        'The URL must be https on a public address.',
      request: { body: jsonBody(schemas.WebhookEndpointCreate) },
      responses: { 201: json(schemas.WebhookEndpointWithSecret, 'Registered, with its signing secret') },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      await referenced('organisationId', organisations.get(db, tenantId, input.organisationId));
      assertDeliverable(c, input.url);
      const reply = responder<WithSecret>(c, 201, location, undefined, withoutSecret);
      const endpoint = await createWebhookEndpoint(db, tenantId, input, reply.options);
      return reply.send(withSecretOf(c, endpoint));
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/webhooks/{id}',
      tag,
      permission,
      summary: 'One webhook endpoint',
      request: { params: schemas.IdParam },
      responses: { 200: json(schemas.WebhookEndpoint, 'The endpoint, with its ETag') },
    }),
    async (c) =>
      sendResource(
        await getWebhookEndpoint(c.var.config.db, c.var.principal.tenantId, c.req.valid('param').id),
      ),
  );

  app.openapi(
    route({
      method: 'patch',
      path: '/v1/webhooks/{id}',
      tag,
      permission,
      ifMatch: true,
      summary: 'Change a webhook endpoint',
      description: 'Its URL, its event types, or `active: false` to pause deliveries.',
      request: { params: schemas.IdParam, body: jsonBody(schemas.WebhookEndpointUpdate) },
      responses: { 200: json(schemas.WebhookEndpoint, 'Changed') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      assertDeliverable(c, patch.url);
      const reply = responder(c, 200);
      return reply.send(
        await updateWebhookEndpoint(
          c.var.config.db,
          c.var.principal.tenantId,
          id,
          patch,
          expectedVersion(c),
          reply.options,
        ),
      );
    },
  );

  app.openapi(
    route({
      method: 'delete',
      path: '/v1/webhooks/{id}',
      tag,
      permission,
      ifMatch: true,
      summary: 'Remove a webhook endpoint',
      description: 'No further deliveries; a delivery already being retried may still arrive once.',
      request: { params: schemas.IdParam },
      responses: { 204: { description: 'Removed' } },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await deleteWebhookEndpoint(c.var.config.db, c.var.principal.tenantId, id, expectedVersion(c), {
        now: c.var.config.now(),
      });
      return c.body(null, 204);
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/webhooks/{id}/rotate-secret',
      tag,
      permission,
      ifMatch: true,
      summary: 'Give the endpoint a new signing secret',
      description:
        'For `graceSeconds` (default 24 h, at most 7 days; 0 ends it at once, for a leaked secret) every ' +
        `delivery carries two \`v1\` signatures in \`${SIGNATURE_HEADER}\`, one per secret, so the receiver ` +
        'can deploy the new secret without missing a delivery. Rotating again during a grace period ends ' +
        'it: only the secret before the new one is still used, for the new grace period.',
      request: { params: schemas.IdParam, body: optionalBody(schemas.RotateSecretRequest) },
      responses: { 200: json(schemas.WebhookEndpointWithSecret, 'The endpoint, with its new secret') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { graceSeconds = schemas.DEFAULT_SECRET_GRACE_SECONDS } = c.req.valid('json') ?? {};
      const reply = responder<WithSecret>(c, 200, undefined, undefined, withoutSecret);
      const endpoint = await rotateWebhookSecret(
        c.var.config.db,
        c.var.principal.tenantId,
        id,
        graceSeconds,
        expectedVersion(c),
        reply.options,
      );
      return reply.send(withSecretOf(c, endpoint));
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/webhooks/{id}/attempts',
      tag,
      permission,
      summary: "An endpoint's delivery attempts, newest first",
      description: 'Every attempt of every delivery, kept for 30 days.',
      request: { params: schemas.IdParam, query: schemas.ListQuery },
      responses: {
        200: json(schemas.page(schemas.WebhookAttempt, 'WebhookAttemptPage'), 'A page of attempts'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const scope = { endpointId: id };
      const result = await listWebhookAttempts(
        c.var.config.db,
        c.var.principal.tenantId,
        id,
        pageRequest(c, c.req.valid('query'), scope),
      );
      return c.json(pageOf(c, result, scope), 200);
    },
  );

  app.openAPIRegistry.registerWebhook({
    method: 'post',
    path: 'domain-event',
    summary: 'What a registered endpoint receives',
    description:
      `Headers: \`Polku-Event-Id\`, \`Polku-Event-Type\` and \`${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex>\`, ` +
      'where v1 is HMAC-SHA256 of `<t>.<raw body>` with the signing secret (two v1 during a rotation). ' +
      'Refuse a timestamp more than 5 minutes away. Answer 2xx; 429 and 5xx are retried (after 1, 4 and ' +
      '16 s), other statuses are not. The same event can arrive more than once: deduplicate on `id`.',
    request: { body: jsonBody(schemas.WebhookDelivery) },
    responses: { 200: { description: 'Received' } },
  });
}
