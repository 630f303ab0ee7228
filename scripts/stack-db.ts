/**
 * The table a script works on: the one `pnpm dev` serves, or with `--table <name> [--region r]` a
 * deployed one, with the data keys that open its sealed fields either way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadOrCreateSecrets } from '@polku/devstack';
import { createDb, type Db, dataKeysOf, localKeyWrapper } from '@polku/storage';
import { kmsDataKeys } from '../functions/api/src/kms-key-wrapper.ts';

/** The command-line options that pick the table (for parseArgs). */
export const STACK_OPTIONS = {
  table: { type: 'string' },
  region: { type: 'string' },
  'data-dir': { type: 'string', default: process.env.POLKU_DATA_DIR ?? '.data' },
} as const;

/** The table `pnpm dev` serves: its DynamoDB Local's port is picked at start and written to dev-stack.json. */
async function devStackDb(dataDir: string, fail: (message: string) => never): Promise<Db> {
  const stackFile = join(resolve(dataDir), 'dev-stack.json');
  const notRunning = `no pnpm dev stack is running for ${dataDir}: start \`pnpm dev\` first (or give --table <name> for AWS)`;
  if (!existsSync(stackFile)) return fail(notRunning);
  const { endpoint, tableName } = JSON.parse(readFileSync(stackFile, 'utf8')) as {
    endpoint: string;
    tableName: string;
  };
  const probe = new DynamoDBClient({
    endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    await probe.send(new DescribeTableCommand({ TableName: tableName }), {
      abortSignal: AbortSignal.timeout(3000),
    });
  } catch {
    fail(`${notRunning}; DynamoDB Local at ${endpoint} does not answer`);
  } finally {
    probe.destroy();
  }
  // The sealed characteristics open with the stack's local wrapping key.
  const secrets = await loadOrCreateSecrets(join(resolve(dataDir), 'platform-secrets.json'));
  const wrappingKey = Buffer.from(secrets.dataKeyWrappingKey ?? '', 'base64');
  return createDb({ tableName, endpoint, dataKeys: dataKeysOf(localKeyWrapper(wrappingKey)) });
}

/** A deployed table, with your credentials; KMS unwraps the data keys with them too. */
async function awsDb(tableName: string, region: string | undefined): Promise<Db> {
  const client = new DynamoDBClient({ region });
  const dataKeys = kmsDataKeys(
    { region: await client.config.region(), credentials: client.config.credentials },
    process.env.POLKU_FIELD_KEY_ARN,
  );
  return createDb({ tableName, client, dataKeys });
}

export async function stackDb(
  values: { table?: string | undefined; region?: string | undefined; 'data-dir': string },
  fail: (message: string) => never,
): Promise<{ db: Db; where: string }> {
  if (values.region && !values.table) fail('--region goes with --table <name>');
  // In AWS, KMS unwraps the data keys with your credentials (each wrapped key names its KMS key; a
  // backfill that must make a tenant's first key needs POLKU_FIELD_KEY_ARN).
  return values.table
    ? { db: await awsDb(values.table, values.region), where: `table ${values.table}` }
    : { db: await devStackDb(values['data-dir'], fail), where: 'the pnpm dev stack' };
}
