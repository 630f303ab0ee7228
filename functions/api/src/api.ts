/** The API as one Hono app: the same app runs in Lambda and locally. */

import { OpenAPIHono } from '@hono/zod-openapi';
import { MethodNotAllowedError, NotFoundError, PayloadTooLargeError } from '@polku/domain';
import { IdempotencyRecordExists } from '@polku/storage';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { AppConfig } from './config.ts';
import { StatusCache } from './http/access.ts';
import { authenticate, scopeToTenant } from './http/authenticate.ts';
import type { AppEnv } from './http/env.ts';
import { replayAfterRace } from './http/idempotency.ts';
import { isProblem, problemOf, problemOfHttpException, validationError } from './http/problem.ts';
import { registerAdminTenants } from './routes/admin-tenants.ts';
import { registerAuditEvents } from './routes/audit-events.ts';
import { registerClients } from './routes/clients.ts';
import { registerConsents } from './routes/consents.ts';
import { registerEnrolments } from './routes/enrolments.ts';
import { registerErasures } from './routes/erasures.ts';
import { registerFundingProjects } from './routes/funding-projects.ts';
import { registerIdentityProvider } from './routes/identity-provider.ts';
import { registerMetrics } from './routes/metrics.ts';
import { registerNetworkMeetings } from './routes/network-meetings.ts';
import { registerOrganisations } from './routes/organisations.ts';
import { registerOutcomes } from './routes/outcomes.ts';
import { registerParticipants } from './routes/participants.ts';
import { registerProgrammes } from './routes/programmes.ts';
import { registerPublic } from './routes/public.ts';
import { registerReferrals } from './routes/referrals.ts';
import { registerSessions } from './routes/sessions.ts';
import { registerSignup } from './routes/signup.ts';
import { registerTemplates } from './routes/templates.ts';
import { registerWebhooks } from './routes/webhooks.ts';
import { sourceMapped } from './stack-trace.ts';

export const API_VERSION = '1.0.0';
const PUBLIC_V1 = new Set(['/v1/oauth/token', '/v1/openapi.json', '/v1/signup']);
/** What a client's own X-Request-Id may be to be kept beside ours: bounded, and safe in a log line. */
const CLIENT_REQUEST_ID = /^[\w.:=-]{1,128}$/;

/** Adds GET /v1/openapi.json and GET /docs (app.ts); the Lambda leaves them to the docs function. */
export type DocsRoutes = (app: OpenAPIHono<AppEnv>) => void;

/**
 * The API without the docs routes unless given them: the Lambda's bundle then carries neither the
 * Swagger UI nor the docs front matter (the docs function serves them).
 */
export function createApi(config: AppConfig, docs?: DocsRoutes) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.target, result.error);
    },
  });

  const statuses = new StatusCache(config);
  app.use(async (c, next) => {
    // Ours, so no two requests share one in the audit trail; a client's own is kept apart from it.
    c.set('requestId', crypto.randomUUID());
    const given = c.req.header('X-Request-Id');
    c.set('clientRequestId', given !== undefined && CLIENT_REQUEST_ID.test(given) ? given : undefined);
    c.set('config', config);
    c.set('statuses', statuses);
    const started = performance.now();
    await next();
    // The one place the request id goes on a response, whatever built it.
    if (!c.res.headers.has('X-Request-Id')) c.res.headers.set('X-Request-Id', c.var.requestId);
    // Route patterns and ids only: no personal data in logs.
    const durationMs = Math.round(performance.now() - started);
    config.log({
      level: c.res.status >= 500 ? 'error' : 'info',
      msg: 'request',
      requestId: c.var.requestId,
      clientRequestId: c.var.clientRequestId,
      tenantId: c.var.principal?.tenantId,
      role: c.var.principal?.role,
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      durationMs,
      ...(config.metricsNamespace ? requestMetrics(config.metricsNamespace, c.res.status, durationMs) : {}),
    });
  });
  app.use(
    bodyLimit({
      maxSize: config.maxBodyBytes,
      onError: () => {
        throw new PayloadTooLargeError(`The request body is larger than ${config.maxBodyBytes} bytes`);
      },
    }),
  );
  app.use('/v1/*', (c, next) => (PUBLIC_V1.has(c.req.path) ? next() : authenticate(c, next)));
  app.use('/v1/*', (c, next) => (PUBLIC_V1.has(c.req.path) ? next() : scopeToTenant(c, next)));

  registerPublic(app);
  registerSignup(app);
  registerAdminTenants(app);
  registerClients(app);
  registerIdentityProvider(app);
  registerAuditEvents(app);
  registerTemplates(app);
  registerOrganisations(app);
  registerFundingProjects(app);
  registerProgrammes(app);
  registerParticipants(app);
  registerErasures(app);
  registerEnrolments(app);
  registerSessions(app);
  registerConsents(app);
  registerReferrals(app);
  registerNetworkMeetings(app);
  registerWebhooks(app);
  registerOutcomes(app);
  registerMetrics(app);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from POST /v1/oauth/token (client credentials).',
  });
  // In AWS the docs function serves both from the generated document (docs-lambda.ts).
  docs?.(app);

  const routes = app.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => ({ method: r.method, pattern: new RegExp(`^${r.path.replace(/:[^/]+/g, '[^/]+')}$`) }));
  app.notFound((c) => {
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(c.req.path)).map((r) => r.method))];
    if (allowed.length > 0) {
      const response = problemOf(c, new MethodNotAllowedError(`${c.req.method} is not allowed here`));
      response.headers.set('Allow', allowed.join(', '));
      return response;
    }
    return problemOf(c, new NotFoundError(`No route ${c.req.method} ${c.req.path}`));
  });

  app.onError(async (error, c) => {
    if (error instanceof IdempotencyRecordExists) {
      const replayed = await replayAfterRace(c).catch((e: unknown) =>
        isProblem(e) ? problemOf(c, e) : undefined,
      );
      if (replayed) return replayed;
    }
    if (isProblem(error)) return problemOf(c, error);
    if (error instanceof HTTPException) return problemOfHttpException(c, error);
    config.log({
      level: 'error',
      msg: 'unhandled error',
      requestId: c.var.requestId,
      error: error.name,
      // The message of an SDK or runtime error carries no request data; the stack helps operators.
      detail: error.message,
      stack: sourceMapped(error.stack),
    });
    return problemOfHttpException(c, new HTTPException(500, { message: 'Something went wrong on our side' }));
  });

  return app;
}

export type App = ReturnType<typeof createApi>;

/**
 * The request's metrics in CloudWatch's embedded metric format: the log line itself becomes one
 * data point of each, by route pattern and method (never by anything a caller chose).
 */
export function requestMetrics(namespace: string, status: number, durationMs: number) {
  return {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [['route', 'method']],
          Metrics: [
            { Name: 'requests', Unit: 'Count' },
            { Name: 'serverErrors', Unit: 'Count' },
            { Name: 'clientErrors', Unit: 'Count' },
            { Name: 'latency', Unit: 'Milliseconds' },
          ],
        },
      ],
    },
    requests: 1,
    serverErrors: status >= 500 ? 1 : 0,
    clientErrors: status >= 400 && status < 500 ? 1 : 0,
    latency: durationMs,
  };
}
