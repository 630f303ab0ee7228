/**
 * `pnpm dev`: DynamoDB Local (data under .data/, or --in-memory), the table from its single
 * definition, the demo tenant, the API on PORT (default 3000), the webhook dispatcher and the metrics
 * projector on the table's stream, and the webhook retry sweeper and due metric projections every
 * few seconds. Ctrl-C stops them all.
 */

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  createApp,
  createConfig,
  createDispatcher,
  dispatchStreamRecords,
  serveLocally,
  sweepDueRetries,
} from '@polku/api';
import {
  type DemoCredentials,
  ensureTable,
  loadOrCreateOperator,
  loadOrCreateSecrets,
  seedDemo,
  startDynamoDbLocal,
  startStreamPoller,
} from '@polku/devstack';
import { createDb } from '@polku/storage';
import { TABLE_NAME_DEFAULT } from '@polku/table';
import { projectStreamRecords, runDueProjections } from '../functions/api/src/metrics/stream.ts';

const { values } = parseArgs({
  options: {
    'in-memory': { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: process.env.POLKU_DATA_DIR ?? '.data' },
  },
});
const dataDir = resolve(values['data-dir']);
const port = Number(process.env.PORT ?? 3000);
const started = performance.now();
const SWEEP_INTERVAL_MS = 5_000;
// Where other scripts (`pnpm metrics:reconcile`) find this stack's DynamoDB Local, on a port picked at start.
const stackFile = join(dataDir, 'dev-stack.json');
mkdirSync(dataDir, { recursive: true });

const dynamo = await startDynamoDbLocal(values['in-memory'] ? {} : { dataDir: join(dataDir, 'dynamodb') });
const stop = async (code = 0) => {
  rmSync(stackFile, { force: true });
  await dynamo.stop();
  process.exit(code);
};
try {
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const table = await ensureTable(client, TABLE_NAME_DEFAULT);
  const secretsFile = join(dataDir, 'platform-secrets.json');
  const operatorFile = join(dataDir, 'operator-credentials.json');
  const { secrets, operator } = await loadOrCreateOperator(
    secretsFile,
    operatorFile,
    await loadOrCreateSecrets(secretsFile),
  );
  const config = await createConfig({
    db: createDb({ tableName: TABLE_NAME_DEFAULT, endpoint: dynamo.endpoint }),
    secrets,
    issuer: `http://localhost:${port}`,
    // A local identity provider (e.g. Keycloak on localhost) may serve its JWKS over plain http.
    staffSignOn: { allowLoopbackHttp: true },
    // A partner system under development listens on localhost, often over plain http.
    webhooks: { allowLoopbackTargets: true },
  });
  // The same dispatcher and projector the Lambdas run, fed by one poller on DynamoDB Local's stream.
  // In AWS each has its own filtered event source; here a record that fails in either is handed to
  // both again, which both take (deliveries are at least once, projecting again changes nothing).
  const dispatcher = createDispatcher(config);
  const projector = { db: config.db, now: () => new Date(), log: config.log };
  const poller = await startStreamPoller({
    endpoint: dynamo.endpoint,
    tableName: TABLE_NAME_DEFAULT,
    onRecords: async (records) => {
      const results = await Promise.all([
        dispatchStreamRecords(dispatcher, records, config.log),
        projectStreamRecords(projector, records),
      ]);
      const failed = new Set(
        results.flatMap((result) => result.batchItemFailures.map((f) => f.itemIdentifier)),
      );
      return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
    },
    log: config.log,
  });
  // The webhook retry sweeper and the due metric projections the Lambda schedules run every minute
  // and every 5 minutes, here every few seconds, never overlapping.
  const logFailure = (msg: string) => (error: unknown) =>
    config.log({ level: 'error', msg, error: error instanceof Error ? error.message : String(error) });
  let sweeping: Promise<void> | undefined;
  const sweeper = setInterval(() => {
    sweeping ??= Promise.all([
      sweepDueRetries(config, config.now()).catch(logFailure('webhook retry sweep failed')),
      runDueProjections(projector).catch(logFailure('metrics due projections failed')),
    ])
      .then(() => {})
      .finally(() => {
        sweeping = undefined;
      });
  }, SWEEP_INTERVAL_MS);

  // Seeded after the poller started, so the demo tenant's metrics are projected off the stream too.
  const credentialsFile = join(dataDir, 'demo-credentials.json');
  const existing =
    values['in-memory'] || !existsSync(credentialsFile)
      ? undefined
      : (JSON.parse(readFileSync(credentialsFile, 'utf8')) as DemoCredentials);
  const { seeded, credentials } = await seedDemo(createApp(config), config, existing);
  writeFileSync(credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  const server = await serveLocally(config, port);
  writeFileSync(
    stackFile,
    `${JSON.stringify({ endpoint: dynamo.endpoint, tableName: TABLE_NAME_DEFAULT, pid: process.pid }, null, 2)}\n`,
  );

  const out = (line = '') => process.stdout.write(`${line}\n`);
  out();
  out(`Polku API      http://localhost:${port}   (docs: http://localhost:${port}/docs)`);
  out(
    `DynamoDB Local ${dynamo.endpoint}   table "${TABLE_NAME_DEFAULT}" ${table}, ${values['in-memory'] ? 'in memory' : `data in ${dataDir}`}`,
  );
  out(`Demo tenant    ${seeded ? 'seeded' : 'reused'}; credentials in ${credentialsFile}:`);
  for (const [role, { clientId, clientSecret }] of Object.entries(credentials)) {
    out(`  ${role.padEnd(13)} client_id=${clientId}  client_secret=${clientSecret}`);
  }
  out(`Operator       credentials in ${operatorFile}:`);
  out(`  ${'operator'.padEnd(13)} client_id=${operator.clientId}  client_secret=${operator.clientSecret}`);
  out(
    `Webhooks       dispatched from the table's stream, retries swept every ${SWEEP_INTERVAL_MS / 1000} s (loopback receivers allowed)`,
  );
  out(
    `Metrics        projected from the table's stream, due projections every ${SWEEP_INTERVAL_MS / 1000} s; check them with pnpm metrics:reconcile`,
  );
  out(
    `Ready in ${((performance.now() - started) / 1000).toFixed(1)} s. Ctrl-C stops the API, the dispatcher, the projector and DynamoDB Local.`,
  );
  out();

  const shutdown = () => {
    server.close();
    clearInterval(sweeper);
    void Promise.all([poller.stop(), sweeping]).finally(() => stop(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
} catch (error) {
  process.stderr.write(`pnpm dev failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  await stop(1);
}
