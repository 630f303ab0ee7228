/**
 * The API's Lambda entry: configuration (table, issuer, platform secrets from Secrets Manager) is
 * loaded at cold start, reused by every invocation and refreshed every ten minutes, so a rotated
 * signing key or a new operator reaches every warm instance without a redeploy.
 */
import { createDb } from '@polku/storage';
import { getConnInfo, handle } from 'hono/aws-lambda';
import { createApi } from './api.ts';
import { createConfig, jsonLogger, loadPlatformSecrets } from './config.ts';
import { refreshing, secretRefreshMs } from './refreshing.ts';
import { tenantAccessFromEnv, tenantDbs } from './tenant-access.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

// Made once per cold start, so each tenant's credentials outlive the secret's refreshes.
const tenantAccess = tenantAccessFromEnv();
const tenantDb = tenantAccess ? tenantDbs(tenantAccess) : undefined;

const currentApp = refreshing(
  async () => {
    const config = await createConfig({
      db: createDb({
        tableName: required('POLKU_TABLE_NAME'),
        endpoint: process.env.POLKU_DYNAMODB_ENDPOINT,
      }),
      tenantDb,
      metricsNamespace: 'Polku/Api',
      // API Gateway sends GET /v1/openapi.json and GET /docs to the docs function.
      serveDocs: false,
      secrets: await loadPlatformSecrets(),
      issuer: required('POLKU_ISSUER'),
      // API Gateway's view of the caller; a client-sent X-Forwarded-For could be anything.
      sourceAddress: (c) => getConnInfo(c).remote.address,
    });
    return handle(createApi(config));
  },
  secretRefreshMs(),
  jsonLogger(),
);

export const handler: ReturnType<typeof handle> = async (event, context) =>
  (await currentApp())(event, context);
