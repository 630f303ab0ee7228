/**
 * `pnpm metrics:reconcile [--tenant <id>] [--project-all]`: recounts the metrics from the raw records
 * and compares them with the stored buckets, on the stack `pnpm dev` runs, or with
 * `--table <name> [--region r]` on a deployed table. Exits 1 when anything differs. `--project-all`
 * first projects every participant: the backfill for records written before the projector ran.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadOrCreateSecrets } from '@polku/devstack';
import { createDb, type Db, dataKeysOf, findTenant, localKeyWrapper } from '@polku/storage';
import { kmsDataKeys } from '../functions/api/src/kms-key-wrapper.ts';
import {
  projectEveryone,
  type Reconciliation,
  reconcileTenant,
  tenantIdsOf,
} from '../functions/api/src/metrics/reconcile.ts';

const PRINTED_DIFFERENCES = 50;

const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    'project-all': { type: 'boolean', default: false },
    table: { type: 'string' },
    region: { type: 'string' },
    'data-dir': { type: 'string', default: process.env.POLKU_DATA_DIR ?? '.data' },
  },
});

function fail(message: string): never {
  process.stderr.write(`pnpm metrics:reconcile: ${message}\n`);
  process.exit(2);
}

/** The table `pnpm dev` serves: its DynamoDB Local's port is picked at start and written to dev-stack.json. */
async function devStackDb(dataDir: string): Promise<Db> {
  const stackFile = join(resolve(dataDir), 'dev-stack.json');
  const notRunning = `no pnpm dev stack is running for ${dataDir}: start \`pnpm dev\` first (or give --table <name> for AWS)`;
  if (!existsSync(stackFile)) fail(notRunning);
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

if (values.region && !values.table) fail('--region goes with --table <name>');
// In AWS, KMS unwraps the data keys with your credentials (each wrapped key names its KMS key; a
// backfill that must make a tenant's first key needs POLKU_FIELD_KEY_ARN).
const db = values.table ? await awsDb(values.table, values.region) : await devStackDb(values['data-dir']);
const where = values.table ? `table ${values.table}` : 'the pnpm dev stack';

let results: Reconciliation[];
try {
  const now = new Date();
  if (values.tenant && !(await findTenant(db, values.tenant))) fail(`no tenant ${values.tenant} in ${where}`);
  const tenants = values.tenant ? [values.tenant] : await tenantIdsOf(db);
  if (values['project-all']) {
    // The backfill: project every participant first (idempotent), then recount.
    for (const tenantId of tenants) {
      process.stdout.write(
        `tenant ${tenantId}  projected ${await projectEveryone(db, tenantId, now)} participants\n`,
      );
    }
  }
  results = [];
  for (const tenantId of tenants) results.push(await reconcileTenant(db, tenantId, now));
} catch (error) {
  fail(`reconciling ${where} failed: ${error instanceof Error ? error.message : String(error)}`);
}

const out = (line: string) => process.stdout.write(`${line}\n`);
for (const { tenantId, participants, scopes, buckets, differences } of results) {
  out(
    `tenant ${tenantId}  participants ${participants}  scopes ${scopes}  buckets ${buckets}  differences ${differences.length}`,
  );
  for (const d of differences.slice(0, PRINTED_DIFFERENCES)) {
    out(`  ${d.scope} ${d.kind} ${d.month} ${d.name}: expected ${d.expected}, stored ${d.stored}`);
  }
  if (differences.length > PRINTED_DIFFERENCES)
    out(`  … and ${differences.length - PRINTED_DIFFERENCES} more`);
}
const differing = results.filter((result) => result.differences.length > 0).length;
out(
  differing === 0
    ? `${results.length} tenant(s) reconciled in ${where}: no differences`
    : `${differing} of ${results.length} tenant(s) in ${where} have metrics that differ from a recount`,
);
db.doc.destroy();
process.exitCode = differing === 0 ? 0 : 1;
