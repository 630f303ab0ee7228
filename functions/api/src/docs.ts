/**
 * The OpenAPI document's front matter and the docs page: one definition for the API and the docs
 * function. The page is Swagger UI (swagger-ui-dist) served by Polku itself, never from a CDN, under
 * a Content-Security-Policy that lets it load nothing from any other host.
 */
import { readFile } from 'node:fs/promises';
import type { Hono } from 'hono';

export const OPENAPI_VERSION = '3.1.0';

export const apiInfo = (version: string) => ({
  title: 'Polku API',
  version,
  description:
    'Coaching programmes, referrals and outcomes for public employment services. ' +
    'Errors are RFC 9457 problem documents; lists page with limit and an opaque cursor; ' +
    'POST accepts Idempotency-Key; updates require If-Match.',
});

/** The swagger-ui-dist files the page loads, with their types; the docs function ships them beside its code. */
export const SWAGGER_UI_FILES = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
} as const;

/**
 * Everything from this origin only. Styles may be inline because Swagger UI sets style attributes;
 * images may be data: URIs because its stylesheet draws its icons with them.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Every address is relative, so it resolves under an API Gateway stage path (`/prod/docs` →
 * `/prod/docs/swagger-ui.css`, `/prod/v1/openapi.json`) as well as locally. The empty icon keeps the
 * browser from asking for /favicon.ico.
 */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Polku API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/start.js"></script>
</body>
</html>
`;

/** In a file of its own: the policy runs no inline script. The validator would call a third party. */
const START = `SwaggerUIBundle({ url: 'v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: 'none' });
`;

const SECURITY_HEADERS = {
  'Content-Security-Policy': DOCS_CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * GET /docs and what it loads, on any Hono app. `swaggerUiDir` holds the SWAGGER_UI_FILES: the
 * swagger-ui-dist package locally, the files shipped beside the docs function in AWS.
 */
// biome-ignore lint/suspicious/noExplicitAny: the API's OpenAPIHono and the docs function's Hono both take the routes
export function serveDocsPage(app: Hono<any>, swaggerUiDir: URL): void {
  const files = new Map<string, Promise<string>>();
  const fileOf = (name: string) => {
    if (!files.has(name)) files.set(name, readFile(new URL(name, swaggerUiDir), 'utf8'));
    return files.get(name)!;
  };
  app.get('/docs', (c) => c.html(PAGE, 200, SECURITY_HEADERS));
  app.get('/docs/start.js', (c) =>
    c.body(START, 200, { ...SECURITY_HEADERS, 'Content-Type': 'text/javascript; charset=utf-8' }),
  );
  for (const [name, type] of Object.entries(SWAGGER_UI_FILES)) {
    app.get(`/docs/${name}`, async (c) =>
      c.body(await fileOf(name), 200, { ...SECURITY_HEADERS, 'Content-Type': type }),
    );
  }
}
