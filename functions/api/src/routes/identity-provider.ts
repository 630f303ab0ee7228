/**
 * The tenant's staff single sign-on registration: whose OIDC tokens its staff bring, and how
 * their claims map to Polku roles. Verifying those tokens is http/staff-sign-on.ts.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { type FieldError, PreconditionFailedError, schemas, ValidationError } from '@polku/domain';
import {
  createIdentityProvider,
  deleteIdentityProvider,
  findIdentityProvider,
  getIdentityProvider,
  type IdentityProviderFields,
  organisations,
  replaceIdentityProvider,
} from '@polku/storage';
import type { AppContext, AppEnv } from '../http/env.ts';
import { expectedVersion } from '../http/etag.ts';
import { referenced } from '../http/references.ts';
import { responder, sendResource } from '../http/respond.ts';
import { json, jsonBody, route } from '../http/route.ts';
import { providerUrlProblem } from '../http/staff-sign-on.ts';

const path = '/v1/identity-provider';
const tag = 'Staff sign-on';
const permission = 'identity-provider:manage';

const REGISTER =
  "Registers or replaces the tenant's OIDC identity provider. Staff then call the API with an access " +
  'token from that provider (`Authorization: Bearer`), verified against its JWKS; a key the provider ' +
  'rotates in is fetched when a token first names it. The tenant comes from this registration only, ' +
  'never from a claim. `roleClaim` names the claim that holds roles or groups (dotted for nested ' +
  'claims, e.g. `realm_access.roles`); the first of `roleMappings` whose `value` it holds gives the ' +
  "role, and a partner mapping names the partner's organisation. A token that maps to no role is 403.\n\n" +
  'An issuer belongs to one tenant only: registering one that another tenant has is 409 ' +
  '`issuer-taken`. The first registration needs no If-Match (201); replacing it does (200). The issuer ' +
  'and JWKS URI must be https on a public address: a private, loopback or other special-purpose address ' +
  'literal, or `localhost`, is 400; a name is checked on the addresses it resolves to when the keys are fetched.';

/** What the schema cannot see: URL rules that depend on the deployment, and partners' organisations. */
async function assertRegistrable(c: AppContext, input: IdentityProviderFields): Promise<void> {
  const { config } = c.var;
  const errors: FieldError[] = [];
  for (const field of ['issuer', 'jwksUri'] as const) {
    const problem = providerUrlProblem(input[field], config.staffSignOn.allowLoopbackHttp);
    if (problem) errors.push({ field: `body.${field}`, message: problem });
  }
  if (input.issuer === config.issuer) {
    errors.push({ field: 'body.issuer', message: "is Polku's own issuer" });
  }
  if (errors.length > 0) throw new ValidationError(`${errors.length} field(s) are not valid`, errors);
  const tenantId = c.var.principal.tenantId;
  await Promise.all(
    input.roleMappings.map((mapping, i) =>
      mapping.organisationId
        ? referenced(
            `roleMappings.${i}.organisationId`,
            organisations.get(config.db, tenantId, mapping.organisationId),
          )
        : undefined,
    ),
  );
}

export function registerIdentityProvider(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route({
      method: 'get',
      path,
      tag,
      permission,
      summary: "The tenant's identity provider",
      description: '404 until a tenant_admin registers one.',
      responses: { 200: json(schemas.IdentityProvider, 'The registration, with its ETag') },
    }),
    async (c) => sendResource(await getIdentityProvider(c.var.config.db, c.var.principal.tenantId)),
  );

  app.openapi(
    route({
      method: 'put',
      path,
      tag,
      permission,
      ifMatch: true,
      summary: 'Register or replace the identity provider',
      description: REGISTER,
      request: { body: jsonBody(schemas.IdentityProviderInput) },
      responses: {
        200: json(schemas.IdentityProvider, 'Replaced'),
        201: json(schemas.IdentityProvider, 'Registered'),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      await assertRegistrable(c, input);
      // The registration holds the platform's one-tenant-per-issuer guard: the one tenant route
      // that writes outside the tenant's keys, so it goes with the platform's access.
      const db = c.var.config.platformDb;
      const tenantId = c.var.principal.tenantId;
      const current = await findIdentityProvider(db, tenantId);
      if (current) {
        const reply = responder(c, 200);
        return reply.send(
          await replaceIdentityProvider(db, tenantId, input, expectedVersion(c), reply.options),
        );
      }
      if (c.req.header('If-Match')) {
        throw new PreconditionFailedError(
          'no identity provider is registered; send no If-Match to register one',
        );
      }
      const reply = responder(c, 201, () => path);
      return reply.send(await createIdentityProvider(db, tenantId, input, reply.options));
    },
  );

  app.openapi(
    route({
      method: 'delete',
      path,
      tag,
      permission,
      ifMatch: true,
      summary: 'Remove the identity provider',
      description:
        'Its tokens stop working within 30 s (each API instance caches registrations that long), and the issuer is free for another tenant.',
      responses: { 204: { description: 'Removed' } },
    }),
    async (c) => {
      // The registration holds the platform's one-tenant-per-issuer guard: the one tenant route
      // that writes outside the tenant's keys, so it goes with the platform's access.
      const db = c.var.config.platformDb;
      const tenantId = c.var.principal.tenantId;
      await deleteIdentityProvider(db, tenantId, expectedVersion(c), { now: c.var.config.now() });
      return c.body(null, 204);
    },
  );
}
