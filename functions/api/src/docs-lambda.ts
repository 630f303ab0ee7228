/**
 * The docs function: serves the OpenAPI document and the docs page in AWS. The document is
 * generated at build time from the API's own route definitions (`pnpm openapi` writes
 * functions/api/openapi.json; a test fails if it differs from what the API would generate), so
 * neither this function nor the API function carries the generator. Swagger UI's files are shipped
 * beside the code (infra/lib/bundling.ts copies them), not bundled into it.
 */
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import document from '../openapi.json' with { type: 'json' };
import { serveDocsPage } from './docs.ts';
import { SWAGGER_UI_FOLDER } from './swagger-ui.ts';

const app = new Hono();
// The document and the page change only with a deployment.
app.use(async (c, next) => {
  await next();
  c.header('Cache-Control', 'public, max-age=300');
});
app.get('/v1/openapi.json', (c) => c.json(document));
serveDocsPage(app, new URL(`./${SWAGGER_UI_FOLDER}/`, import.meta.url));

export const handler: ReturnType<typeof handle> = handle(app);
