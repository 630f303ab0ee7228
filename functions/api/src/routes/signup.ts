/**
 * Self-service signup: a municipality, employment area or ELY Centre creates its tenant, pending
 * until an operator approves it, and gets its first tenant_admin client secret once. Public, so
 * it is rate-limited per source address and per business id, after validation: a malformed or
 * oversized request is refused before anything is written.
 */

import type { OpenAPIHono } from '@hono/zod-openapi';
import { generateSecret, hashSecret } from '@polku/auth';
import { schemas, TooManyRequestsError } from '@polku/domain';
import {
  assertBusinessIdFree,
  createTenant,
  newClient,
  type RateLimit,
  spendRateLimit,
} from '@polku/storage';
import * as z from 'zod';
import type { AppContext, AppEnv } from '../http/env.ts';
import { json, jsonBody, problem, publicRoute } from '../http/route.ts';
import { sourceOf } from '../http/source.ts';

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

/**
 * One attempt is counted per source first, so past its limit nothing more is answered, not even
 * whether a business id is taken (an oracle of who the tenants are); then a business id already
 * taken is refused; then the attempt is counted per business id, so a request refused for its
 * source or as taken does not use up the business id's allowance.
 */
async function admitSignup(c: AppContext, businessId: string): Promise<void> {
  const { db, signupLimits, now } = c.var.config;
  const spend = async (limit: RateLimit, subject: string) => {
    const wait = await spendRateLimit(db, limit, subject, now());
    if (wait !== undefined) {
      throw new TooManyRequestsError('Too many signups from here or for this business id; try later', wait);
    }
  };
  await spend(signupLimits.perAddress, sourceOf(c));
  await assertBusinessIdFree(db, businessId);
  await spend(signupLimits.perBusinessId, businessId);
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
        429: problem('Too many signups from this address or for this business id; see Retry-After'),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      await admitSignup(c, input.businessId);
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
