/** The OpenAPI document's front matter and the docs page: one definition for the API and the docs function. */
import { swaggerUI } from '@hono/swagger-ui';

export const OPENAPI_VERSION = '3.1.0';

export const apiInfo = (version: string) => ({
  title: 'Polku API',
  version,
  description:
    'Coaching programmes, referrals and outcomes for public employment services. ' +
    'Errors are RFC 9457 problem documents; lists page with limit and an opaque cursor; ' +
    'POST accepts Idempotency-Key; updates require If-Match.',
});

/**
 * Swagger UI at /docs. The document's address is relative, so it resolves under an API Gateway
 * stage path (`/prod/docs` → `/prod/v1/openapi.json`) as well as locally.
 */
export const docsPage = () => swaggerUI({ url: 'v1/openapi.json', title: 'Polku API' });
