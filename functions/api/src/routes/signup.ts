/**
 * Self-service signup: a municipality, employment area or ELY Centre creates its tenant, pending
 * until an operator approves it, and gets its first tenant_admin client secret once. Public, so
 * it is rate-limited per source address and per business id, after validation: a malformed or
 * oversized request is refused before anything is written.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { generateSecret, hashSecret } from '@polku/auth';
import { schemas, TooManyRequestsError } from '@polku/domain';
import { createTenant, newClient, spendRateLimit } from '@polku/storage';
import * as z from 'zod';
import type { AppContext, AppEnv } from '../http/env.ts';
import { json, jsonBody, publicRoute } from '../http/route.ts';

const SignupResponse = z
  .object({
    tenant: schemas.TenantRecord.pick({
      id: true,
      name: true,
      kind: true,
      businessId: true,
      region: true,
      status: true,
    }),
    client: z.object({
      clientId: z.string(),
      clientSecret: z.string().meta({ description: 'Shown once, here only; Polku keeps a hash' }),
      role: z.literal('tenant_admin'),
    }),
    next: z.string(),
  })
  .meta({ id: 'SignupResponse' });

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: schemas.Problem } },
});

async function spendSignupAllowance(c: AppContext, businessId: string): Promise<void> {
  const { db, signupLimits, now } = c.var.config;
  const address = c.var.config.sourceAddress(c) ?? 'unknown';
  const waits = await Promise.all([
    spendRateLimit(db, signupLimits.perAddress, address, now()),
    spendRateLimit(db, signupLimits.perBusinessId, businessId, now()),
  ]);
  const wait = Math.max(...waits.map((seconds) => seconds ?? 0));
  if (wait > 0)
    throw new TooManyRequestsError('Too many signups from here or for this business id; try later', wait);
}

export function registerSignup(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    publicRoute({
      method: 'post',
      path: '/v1/signup',
      tag: 'Tenancy',
      summary: 'Sign up a municipality, employment area or ELY Centre',
      description:
        'Creates the tenant in `pending` in this region and returns its first tenant_admin API client. ' +
        'The client secret is shown once. Tokens are issued once an operator has activated the tenant ' +
        '(until then the token endpoint answers 403 `tenant-not-active`). One tenant per business id.',
      request: { body: jsonBody(schemas.SignupRequest) },
      responses: {
        201: json(SignupResponse, 'Signed up; waiting for approval'),
        400: problem('The request is not valid (field errors in `errors`)'),
        409: problem('This business id has already signed up (`business-id-taken`)'),
        413: problem('Request body too large'),
        415: problem('Send application/json'),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      await spendSignupAllowance(c, input.businessId);
      const { db, region, now } = c.var.config;
      const clientSecret = generateSecret();
      const secretHash = await hashSecret(clientSecret);
      let clientId = '';
      const tenant = await createTenant(
        db,
        { ...input, region, status: 'pending' },
        {
          now: now(),
          with: (tenantId) => {
            const { client, op } = newClient(
              tenantId,
              { name: 'First administrator', role: 'tenant_admin' },
              secretHash,
              {
                now: now(),
              },
            );
            clientId = client.clientId;
            return [op];
          },
        },
      );
      const { id, name, kind, businessId, status } = tenant;
      c.header('Location', `/v1/tenant`);
      c.header('Cache-Control', 'no-store');
      return c.json(
        {
          tenant: { id, name, kind, businessId, region: tenant.region, status },
          client: { clientId, clientSecret, role: 'tenant_admin' as const },
          next: 'Keep the client secret safe: it is not shown again. A Polku operator reviews the signup; once the tenant is active, POST /v1/oauth/token gives this client its tokens.',
        },
        201,
      );
    },
  );
}
