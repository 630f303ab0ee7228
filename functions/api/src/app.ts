/** The API with its docs routes where the config asks for them (`pnpm dev`, the tests). */

import { API_VERSION, createApi } from './api.ts';
import type { AppConfig } from './config.ts';
import { apiInfo, OPENAPI_VERSION, serveDocsPage } from './docs.ts';
import { swaggerUiDist } from './swagger-ui.ts';

export { API_VERSION, type App, createApi, requestMetrics } from './api.ts';

export function createApp(config: AppConfig) {
  return createApi(
    config,
    config.serveDocs
      ? (app) => {
          app.doc31('/v1/openapi.json', { openapi: OPENAPI_VERSION, info: apiInfo(API_VERSION) });
          serveDocsPage(app, swaggerUiDist());
        }
      : undefined,
  );
}
