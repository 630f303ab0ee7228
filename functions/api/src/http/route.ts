/**
 * Route definitions: the zod schemas that validate a request are the ones the OpenAPI document
 * shows. Protected routes declare their permission; the roles that hold it are listed in the docs.
 */
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { Permission } from '@polku/auth';
import { schemas } from '@polku/domain';
import * as z from 'zod';
import { requires, rolesFor } from './authenticate.ts';
import { idempotency } from './idempotency.ts';

export const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: schemas.Problem } },
});

const PROBLEMS = {
  400: problem('The request is not valid (field errors in `errors`), or a cursor is not valid'),
  401: problem('No valid bearer token'),
  403: problem('The token is valid but its role may not do this'),
  404: problem('Not found (also for another tenant’s resources)'),
  413: problem('Request body too large'),
  415: problem('Unsupported media type'),
  // API Gateway answers throttled requests itself, without a problem document.
  429: { description: 'Too many requests' },
  503: problem('The database is busy; retry after Retry-After seconds'),
} as const;

const WRITE_PROBLEMS = {
  409: problem('Conflicts with the current state (e.g. a full group or an illegal transition)'),
  412: problem('If-Match does not match the current ETag'),
  422: problem('Idempotency-Key reused with a different request'),
  428: problem('If-Match is required'),
} as const;

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

const IdempotencyKey = z.string().optional().meta({
  description: 'Makes the POST safe to retry: a retry returns the first response and writes nothing.',
});
const IfMatch = z.string().optional().meta({ description: 'The ETag last read; required (428 without it).' });

type Spec = Omit<RouteConfig, 'security' | 'middleware'> & {
  permission: Permission;
  tag: string;
  /** Updates and state changes: If-Match is required. */
  ifMatch?: boolean;
};

export function route<const S extends Spec>(spec: S) {
  const { permission, tag, ifMatch, ...config } = spec;
  const writes = config.method !== 'get';
  const headers = z.object({
    ...(config.method === 'post' ? { 'idempotency-key': IdempotencyKey } : {}),
    ...(ifMatch ? { 'if-match': IfMatch } : {}),
  });
  return createRoute({
    ...config,
    tags: [tag],
    description: `${config.description ?? ''}\n\nRoles: ${rolesFor(permission).join(', ')}.`.trim(),
    security: [{ bearer: [] }],
    // Permission before replay: a stored response is shown only to a caller who may still make it.
    middleware: [requires(permission), idempotency] as const,
    request: { ...config.request, ...(writes ? { headers } : {}) },
    responses: { ...config.responses, ...PROBLEMS, ...(writes ? WRITE_PROBLEMS : {}) } as S['responses'] &
      typeof PROBLEMS,
  });
}

/** Public routes (no token): health, JWKS, the token endpoint, the OpenAPI document. */
export function publicRoute<const R extends Omit<RouteConfig, 'security'> & { tag: string }>(spec: R) {
  const { tag, ...config } = spec;
  return createRoute({ ...config, tags: [tag], responses: { 429: PROBLEMS[429], ...config.responses } });
}
