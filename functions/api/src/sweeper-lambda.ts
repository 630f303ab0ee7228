/**
 * The webhook retry sweeper's Lambda entry: an EventBridge schedule invokes it every minute to make
 * the retries that have fallen due. The platform secret (for the webhook key) is read at cold start
 * and again every POLKU_SECRET_REFRESH_SECONDS (default 600).
 */
import { createDb } from '@polku/storage';
import { jsonLogger, loadPlatformSecrets, webhookSettingsOf } from './config.ts';
import { refreshing, secretRefreshMs } from './refreshing.ts';
import { type SweepResult, sweepDueRetries } from './webhooks/sweeper.ts';

const log = jsonLogger();
const refreshMs = secretRefreshMs();
const tableName = process.env.POLKU_TABLE_NAME;
if (!tableName) throw new Error('environment variable POLKU_TABLE_NAME is not set');
const db = createDb({ tableName, endpoint: process.env.POLKU_DYNAMODB_ENDPOINT });

const currentSettings = refreshing(
  async () => webhookSettingsOf(await loadPlatformSecrets()),
  refreshMs,
  log,
);

export const handler = async (): Promise<SweepResult> => {
  const webhooks = await currentSettings();
  const result = await sweepDueRetries({ db, webhooks, now: () => new Date(), log }, new Date());
  if (result.delivered + result.rescheduled + result.failed + result.dropped + result.skipped > 0) {
    log({ level: 'info', msg: 'webhook retries swept', ...result });
  }
  return result;
};
