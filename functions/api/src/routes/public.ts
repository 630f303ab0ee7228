/** Public endpoints: health, the JWKS, and the OAuth 2.0 client-credentials token endpoint. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { spendVerifyTime, verifySecret } from '@polku/auth';
import { ForbiddenError, ProblemError } from '@polku/domain';
import { findClientCredentials, findTenant } from '@polku/storage';
import * as z from 'zod';
import type { AppEnv } from '../http/env.ts';
import { json, publicRoute, route } from '../http/route.ts';

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
    'Returns a short-lived ES256 JWT.',
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
      const { db, tokens } = c.var.config;
      const found = await findClientCredentials(db, id);
      if (!found) {
        await spendVerifyTime(secret);
        throw new OAuthError(401, 'invalid_client', 'unknown client or wrong secret');
      }
      const valid = await verifySecret(secret, found.secretHash);
      if (!valid || found.client.status !== 'active') {
        throw new OAuthError(401, 'invalid_client', 'unknown client or wrong secret');
      }
      const tenant = await findTenant(db, found.tenantId);
      if (tenant?.status !== 'active') {
        throw new ForbiddenError(
          `the tenant is ${tenant?.status ?? 'unknown'}; tokens are issued to active tenants`,
        );
      }
      const token = await tokens.issue({
        tenantId: found.tenantId,
        role: found.client.role,
        clientId: found.client.clientId,
        organisationId: found.client.organisationId,
      });
      c.header('Cache-Control', 'no-store');
      c.header('Pragma', 'no-cache');
      return c.json(
        { access_token: token, token_type: 'Bearer' as const, expires_in: tokens.ttlSeconds },
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
            })
            .meta({ id: 'Tenant' }),
          'The tenant',
        ),
      },
    }),
    async (c) => {
      const tenant = await findTenant(c.var.config.db, c.var.principal.tenantId);
      if (!tenant) throw new ForbiddenError('the tenant of this token no longer exists');
      const { id, name, kind, region, status } = tenant;
      return c.json({ id, name, kind, region, status }, 200);
    },
  );
}
