/** Public endpoints: health, the JWKS, and the OAuth 2.0 client-credentials token endpoint. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { PLATFORM_TENANT, type Principal, verifySecretAmong } from '@polku/auth';
import { ForbiddenError, ProblemError, TenantNotActiveError } from '@polku/domain';
import { findClientCredentials, findTenant } from '@polku/storage';
import * as z from 'zod';
import type { AppContext, AppEnv } from '../http/env.ts';
import { etagOf } from '../http/etag.ts';
import { json, problem, publicRoute, route } from '../http/route.ts';
import { asLongAsACheck, assertNotThrottled, countFailure, timedCheck } from '../http/token-throttle.ts';
import { settingsOf } from './metrics.ts';

class OAuthError extends ProblemError {
  readonly status: number;
  readonly type = 'oauth';
  readonly title = 'Token request refused';
  constructor(status: number, error: string, description: string) {
    // RFC 6749 §5.2 members, inside an RFC 9457 problem document.
    super(description, { error, error_description: description });
    this.status = status;
  }
}

const TokenRequest = z
  .object({
    grant_type: z.string().optional().meta({ example: 'client_credentials' }),
    client_id: z.string().max(100).optional(),
    client_secret: z.string().max(200).optional(),
    scope: z.string().max(500).optional(),
  })
  .meta({ id: 'TokenRequest' });

const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
  })
  .meta({ id: 'TokenResponse' });

const tokenRoute = publicRoute({
  method: 'post',
  path: '/v1/oauth/token',
  tag: 'Authentication',
  summary: 'Get an access token (OAuth 2.0 client credentials)',
  description:
    'RFC 6749 §4.4. Send `grant_type=client_credentials` as a form body with the client id and secret ' +
    'either in HTTP Basic authentication or as `client_id` and `client_secret` form fields. ' +
    'Returns a short-lived ES256 JWT. Failed attempts are counted per client id and per source address: ' +
    'past 10 for a client id or 30 from an address in 15 minutes, the endpoint answers 429 with ' +
    'Retry-After without checking the secret.',
  request: {
    body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: TokenRequest } } },
  },
  responses: {
    200: json(TokenResponse, 'An access token'),
    400: {
      description: 'invalid_request or unsupported_grant_type',
      content: { 'application/problem+json': { schema: z.unknown() } },
    },
    401: { description: 'invalid_client', content: { 'application/problem+json': { schema: z.unknown() } } },
    403: {
      description: 'The tenant is not active',
      content: { 'application/problem+json': { schema: z.unknown() } },
    },
    429: problem('Too many failed attempts for this client id or from this address; see Retry-After'),
  },
});

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = header ? /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header) : null;
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded before Base64.
  const formDecode = (value: string) => decodeURIComponent(value.replaceAll('+', ' '));
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

const OPERATOR_ID = /^operator\.[a-z0-9-]{1,64}$/;

/**
 * Who the client id and secret belong to; the same 401 for an unknown id and a wrong secret, in the
 * same time (an unknown id waits as long as a check takes instead of running one). Throttled per
 * client id and address (token-throttle.ts).
 */
async function authenticateClient(
  c: AppContext,
  id: string,
  secret: string,
): Promise<Omit<Principal, 'kind'>> {
  const { config } = c.var;
  const refused = async (known: boolean): Promise<never> => {
    await countFailure(c, known ? id : undefined);
    throw new OAuthError(401, 'invalid_client', 'unknown client or wrong secret');
  };
  if (OPERATOR_ID.test(id)) {
    await assertNotThrottled(c, id);
    const hash = config.operators.get(id);
    if (!hash) return asLongAsACheck().then(() => refused(false));
    if (!(await timedCheck(() => verifySecretAmong(secret, [hash])))) return refused(true);
    return { tenantId: PLATFORM_TENANT, role: 'platform_admin', subject: id };
  }
  const [found] = await Promise.all([
    findClientCredentials(config.db, id, config.now()),
    assertNotThrottled(c, id),
  ]);
  if (!found) return asLongAsACheck().then(() => refused(false));
  const valid = await timedCheck(() => verifySecretAmong(secret, found.secretHashes));
  if (!valid || found.client.status !== 'active') return refused(true);
  const tenant = await findTenant(config.db, found.tenantId);
  if (tenant?.status !== 'active') throw new TenantNotActiveError(tenant?.status ?? 'gone');
  return {
    tenantId: found.tenantId,
    role: found.client.role,
    subject: found.client.clientId,
    organisationId: found.client.organisationId,
  };
}

export function registerPublic(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    publicRoute({
      method: 'get',
      path: '/health',
      tag: 'Platform',
      summary: 'Liveness',
      responses: { 200: json(z.object({ status: z.literal('ok'), region: z.string() }), 'The API is up') },
    }),
    (c) => c.json({ status: 'ok' as const, region: c.var.config.region }, 200),
  );

  app.openapi(
    publicRoute({
      method: 'get',
      path: '/.well-known/jwks.json',
      tag: 'Authentication',
      summary: 'Public keys that verify access tokens',
      responses: {
        200: json(
          z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).meta({ id: 'Jwks' }),
          'A JWK set',
        ),
      },
    }),
    (c) => {
      c.header('Cache-Control', 'public, max-age=300');
      return c.json({ keys: c.var.config.publicJwks as Record<string, unknown>[] }, 200);
    },
  );

  app.openapi(
    tokenRoute,
    async (c) => {
      const form = c.req.valid('form');
      if (form.grant_type !== 'client_credentials') {
        throw new OAuthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
      }
      const basic = basicCredentials(c.req.header('Authorization'));
      if (basic && (form.client_id || form.client_secret)) {
        throw new OAuthError(
          400,
          'invalid_request',
          'use either Basic authentication or form fields, not both',
        );
      }
      const id = basic?.id ?? form.client_id;
      const secret = basic?.secret ?? form.client_secret;
      if (!id || !secret) throw new OAuthError(401, 'invalid_client', 'client credentials are missing');
      const principal = await authenticateClient(c, id, secret);
      const token = await c.var.config.tokens.issue(principal, c.var.config.now().getTime());
      c.header('Cache-Control', 'no-store');
      c.header('Pragma', 'no-cache');
      return c.json(
        { access_token: token, token_type: 'Bearer' as const, expires_in: c.var.config.tokens.ttlSeconds },
        200,
      );
    },
    (result) => {
      if (!result.success) throw new OAuthError(400, 'invalid_request', 'the token request is malformed');
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/tenant',
      tag: 'Tenant',
      permission: 'tenant:read',
      summary: "The caller's tenant",
      responses: {
        200: json(
          z
            .object({
              id: z.string(),
              name: z.string(),
              kind: z.string(),
              region: z.string(),
              status: z.string(),
              version: z
                .number()
                .int()
                .meta({ description: 'The ETag; send it in If-Match to PATCH /v1/tenant.' }),
              smallCountThreshold: z.number().int().meta({ description: 'k of small-count suppression.' }),
              retentionYears: z.number().int().meta({
                description: 'Years a person is kept after their last activity (see PATCH /v1/tenant).',
              }),
            })
            .meta({ id: 'Tenant' }),
          'The tenant',
        ),
      },
    }),
    async (c) => {
      const tenant = await findTenant(c.var.config.db, c.var.principal.tenantId);
      if (!tenant) throw new ForbiddenError('the tenant of this token no longer exists');
      const { name, kind, region, status } = tenant;
      c.header('ETag', etagOf(tenant.version));
      return c.json({ ...settingsOf(tenant), name, kind, region, status }, 200);
    },
  );
}
