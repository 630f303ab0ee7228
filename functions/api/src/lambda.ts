/**
 * The Lambda entry: configuration (table, issuer, platform secrets from Secrets Manager) is loaded
 * once per cold start and reused by every invocation.
 */
import { createDb } from '@polku/storage';
import { handle } from 'hono/aws-lambda';
import { createApp } from './app.ts';
import { createConfig, type PlatformSecrets } from './config.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** Reads the platform secret through the Lambda extension-free Secrets Manager API. */
async function loadSecrets(): Promise<PlatformSecrets> {
  const inline = process.env.POLKU_SECRETS_JSON;
  if (inline) return JSON.parse(inline) as PlatformSecrets;
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({});
  const result = await client.send(new GetSecretValueCommand({ SecretId: required('POLKU_SECRETS_ARN') }));
  try {
    return JSON.parse(result.SecretString ?? '') as PlatformSecrets;
  } catch {
    throw new Error('the platform secret is not JSON: write it with `pnpm secrets:init` (see README)');
  }
}

const app = (async () => {
  const config = await createConfig({
    db: createDb({ tableName: required('POLKU_TABLE_NAME'), endpoint: process.env.POLKU_DYNAMODB_ENDPOINT }),
    secrets: await loadSecrets(),
    issuer: required('POLKU_ISSUER'),
  });
  return handle(createApp(config));
})();

export const handler: ReturnType<typeof handle> = async (event, context) => (await app)(event, context);
