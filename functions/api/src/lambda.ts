/**
 * The Lambda entry: configuration (table, issuer, platform secrets from Secrets Manager) is loaded
 * at cold start, reused by every invocation and refreshed every ten minutes.
 */
import { createDb } from '@polku/storage';
import { getConnInfo, handle } from 'hono/aws-lambda';
import { createApp } from './app.ts';
import { createConfig, jsonLogger, type PlatformSecrets } from './config.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/**
 * Reads the platform secret (at cold start and on each refresh) through the AWS Parameters and Secrets Lambda
 * extension (a layer the stack adds), which keeps the Secrets Manager SDK out of the bundle.
 */
async function loadSecrets(): Promise<PlatformSecrets> {
  const inline = process.env.POLKU_SECRETS_JSON;
  if (inline) return JSON.parse(inline) as PlatformSecrets;
  const port = process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773';
  const secretId = encodeURIComponent(required('POLKU_SECRETS_ARN'));
  const response = await fetch(`http://localhost:${port}/secretsmanager/get?secretId=${secretId}`, {
    headers: { 'X-Aws-Parameters-Secrets-Token': required('AWS_SESSION_TOKEN') },
  });
  if (!response.ok) throw new Error(`the platform secret could not be read: ${response.status}`);
  const { SecretString } = (await response.json()) as { SecretString?: string };
  try {
    return JSON.parse(SecretString ?? '') as PlatformSecrets;
  } catch {
    throw new Error('the platform secret is not JSON: write it as the README describes');
  }
}

async function loadApp() {
  const config = await createConfig({
    db: createDb({ tableName: required('POLKU_TABLE_NAME'), endpoint: process.env.POLKU_DYNAMODB_ENDPOINT }),
    secrets: await loadSecrets(),
    issuer: required('POLKU_ISSUER'),
    // API Gateway's view of the caller; a client-sent X-Forwarded-For could be anything.
    sourceAddress: (c) => getConnInfo(c).remote.address,
  });
  return handle(createApp(config));
}

/**
 * The secret is read again every POLKU_SECRET_REFRESH_SECONDS (default 600), so a rotated signing key
 * or a new operator reaches every warm instance without a redeploy. A failed reload keeps the
 * configuration that works, and says so in the log; a failed first load is retried by the next
 * invocation rather than remembered.
 */
const refreshSeconds = Number(process.env.POLKU_SECRET_REFRESH_SECONDS ?? 600);
if (!Number.isFinite(refreshSeconds) || refreshSeconds <= 0) {
  throw new Error('POLKU_SECRET_REFRESH_SECONDS must be a positive number of seconds');
}
let loaded: { app: Promise<ReturnType<typeof handle>>; at: number } | undefined;

function currentApp(): Promise<ReturnType<typeof handle>> {
  const now = Date.now();
  if (!loaded) {
    const app = loadApp();
    loaded = { app, at: now };
    app.catch(() => {
      loaded = undefined;
    });
  } else if (now - loaded.at > refreshSeconds * 1000) {
    const previous = loaded.app;
    loaded = {
      at: now,
      app: loadApp().catch((error: unknown) => {
        jsonLogger()({
          level: 'error',
          msg: 'the platform secret could not be reloaded; keeping the previous configuration',
          error: error instanceof Error ? error.message : String(error),
        });
        return previous;
      }),
    };
  }
  return loaded.app;
}

// Loaded during the init phase, before the first invocation; a failure there is retried by it.
currentApp().catch(() => {});

export const handler: ReturnType<typeof handle> = async (event, context) =>
  (await currentApp())(event, context);
