/**
 * The local stack `pnpm dev` runs, as one function the walkthrough tests start too: DynamoDB Local,
 * the table, the platform secrets, the demo tenant, the API, and on the table's stream the webhook
 * dispatcher and the metrics projector, with the retry sweeper and due projections on timers.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  createApp,
  createConfig,
  createDispatcher,
  DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS,
  dispatchStreamRecords,
  jsonLogger,
  projectStreamRecords,
  runDueProjections,
  serveLocally,
  sweepDueRetries,
} from '@polku/api';
import { createDb } from '@polku/storage';
import { TABLE_NAME_DEFAULT } from '@polku/table';
import { freePort, startDynamoDbLocal } from './dynamodb-local.ts';
import { type LocalOperator, loadOrCreateOperator, loadOrCreateSecrets } from './secrets.ts';
import { type DemoCredentials, seedDemo } from './seed.ts';
import { startStreamPoller } from './stream-poller.ts';
import { ensureTable } from './table.ts';

export interface DevStackOptions {
  /** Holds the platform secrets, the credentials files, dev-stack.json and (unless inMemory) the table data. */
  dataDir: string;
  /** The API's port; 0 picks a free one. */
  port: number;
  /** Keep no table data: a fresh demo tenant every start. */
  inMemory?: boolean;
  /** A DynamoDB Local already running (the tests' own) instead of starting one. */
  dynamoEndpoint?: string;
  tableName?: string;
  log?: (entry: Record<string, unknown>) => void;
}

export interface DevStack {
  port: number;
  dynamoEndpoint: string;
  tableName: string;
  table: 'created' | 'updated' | 'unchanged';
  seeded: boolean;
  credentials: DemoCredentials;
  credentialsFile: string;
  operator: LocalOperator;
  operatorFile: string;
  /** Stops the API, the poller and the timers, and DynamoDB Local if this stack started it. */
  stop(): Promise<void>;
}

/** The sweeper looks for webhook retries this often; the due metric projections run every 5 s. */
export const SWEEP_INTERVAL_MS = 1_000;
export const DUE_PROJECTIONS_INTERVAL_MS = 5_000;
/**
 * Webhook retries come a second here for each minute of the schedule in AWS (1 s, 5 s, 30 s, 2 min,
 * 6 min, 24 min after the first attempt), so a developer sees a partner system's retry at once.
 */
export const LOCAL_WEBHOOK_RETRY_SCHEDULE_MS = DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS.map((ms) => ms / 60);

export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const dataDir = resolve(options.dataDir);
  const tableName = options.tableName ?? TABLE_NAME_DEFAULT;
  const log = options.log ?? jsonLogger();
  mkdirSync(dataDir, { recursive: true });
  // Where other scripts (`pnpm metrics:reconcile`, `pnpm webhook:receiver`) find this stack.
  const stackFile = join(dataDir, 'dev-stack.json');
  const dynamo = options.dynamoEndpoint
    ? { endpoint: options.dynamoEndpoint, stop: async () => {} }
    : await startDynamoDbLocal(options.inMemory ? {} : { dataDir: join(dataDir, 'dynamodb') });
  const stops: (() => Promise<void> | void)[] = [() => rmSync(stackFile, { force: true }), dynamo.stop];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step();
  };
  try {
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const table = await ensureTable(client, tableName);
    client.destroy();
    const secretsFile = join(dataDir, 'platform-secrets.json');
    const operatorFile = join(dataDir, 'operator-credentials.json');
    const { secrets, operator } = await loadOrCreateOperator(
      secretsFile,
      operatorFile,
      await loadOrCreateSecrets(secretsFile),
    );
    const port = options.port || (await freePort());
    const config = await createConfig({
      db: createDb({ tableName, endpoint: dynamo.endpoint }),
      secrets,
      issuer: `http://localhost:${port}`,
      log,
      // A local identity provider (e.g. Keycloak on localhost) may serve its JWKS over plain http.
      staffSignOn: { allowLoopbackHttp: true },
      // A partner system under development listens on localhost, often over plain http.
      webhooks: { allowLoopbackTargets: true, retryScheduleMs: LOCAL_WEBHOOK_RETRY_SCHEDULE_MS },
    });
    // The same dispatcher and projector the Lambdas run, fed by one poller on DynamoDB Local's stream.
    // In AWS each has its own filtered event source; here a record that fails in either is handed to
    // both again, which both take (deliveries are at least once, projecting again changes nothing).
    const dispatcher = createDispatcher(config);
    const projector = { db: config.db, now: () => new Date(), log };
    const poller = await startStreamPoller({
      endpoint: dynamo.endpoint,
      tableName,
      onRecords: async (records) => {
        const results = await Promise.all([
          dispatchStreamRecords(dispatcher, records, log),
          projectStreamRecords(projector, records),
        ]);
        const failed = new Set(
          results.flatMap((result) => result.batchItemFailures.map((f) => f.itemIdentifier)),
        );
        return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
      },
      log,
    });
    stops.push(() => poller.stop());
    // What the Lambdas' schedules run every minute and every 5 minutes, here sooner, never overlapping.
    const logFailure = (msg: string) => (error: unknown) =>
      log({ level: 'error', msg, error: error instanceof Error ? error.message : String(error) });
    stops.push(
      every(SWEEP_INTERVAL_MS, () =>
        sweepDueRetries(config, config.now()).catch(logFailure('webhook retry sweep failed')),
      ),
      every(DUE_PROJECTIONS_INTERVAL_MS, () =>
        runDueProjections(projector).catch(logFailure('metrics due projections failed')),
      ),
    );

    // Seeded after the poller started, so the demo tenant's metrics are projected off the stream too.
    const credentialsFile = join(dataDir, 'demo-credentials.json');
    const existing =
      options.inMemory || !existsSync(credentialsFile)
        ? undefined
        : (JSON.parse(readFileSync(credentialsFile, 'utf8')) as DemoCredentials);
    const { seeded, credentials } = await seedDemo(createApp(config), config, existing);
    writeFileSync(credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    // Ready once the projector has counted the seed: the demo tenant's metrics are current from the start.
    await poller.drain(120_000);
    const server = await serveLocally(config, port);
    stops.push(() => new Promise<void>((done) => server.close(() => done())));
    writeFileSync(
      stackFile,
      `${JSON.stringify({ endpoint: dynamo.endpoint, tableName, port, pid: process.pid }, null, 2)}\n`,
    );
    return {
      port,
      dynamoEndpoint: dynamo.endpoint,
      tableName,
      table,
      seeded,
      credentials,
      credentialsFile,
      operator,
      operatorFile,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs `task` every `ms`, a run never starting before the last one ended; returns its stop. */
function every(ms: number, task: () => Promise<unknown>): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    running ??= task().finally(() => {
      running = undefined;
    });
  }, ms);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
