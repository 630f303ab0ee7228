/**
 * The webhook dispatcher's Lambda entry: a DynamoDB event source on the table's stream, filtered to
 * inserted domain events, with partial batch responses. The platform secret (for the webhook key)
 * is read at cold start and again every POLKU_SECRET_REFRESH_SECONDS (default 600).
 */
import { createDb } from '@polku/storage';
import { jsonLogger, loadPlatformSecrets, webhookSettingsOf } from './config.ts';
import { refreshing, secretRefreshMs } from './refreshing.ts';
import { createDispatcher } from './webhooks/dispatcher.ts';
import { type BatchResult, dispatchStreamRecords, type StreamRecord } from './webhooks/stream.ts';

const log = jsonLogger();
const refreshMs = secretRefreshMs();
const tableName = process.env.POLKU_TABLE_NAME;
if (!tableName) throw new Error('environment variable POLKU_TABLE_NAME is not set');
const db = createDb({ tableName, endpoint: process.env.POLKU_DYNAMODB_ENDPOINT });

const currentDispatcher = refreshing(
  async () => {
    const webhooks = webhookSettingsOf(await loadPlatformSecrets());
    return createDispatcher({ db, webhooks, now: () => new Date(), log });
  },
  refreshMs,
  log,
);

export const handler = async (event: { Records: StreamRecord[] }): Promise<BatchResult> =>
  dispatchStreamRecords(await currentDispatcher(), event.Records, log);
