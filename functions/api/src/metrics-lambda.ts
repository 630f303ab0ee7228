/**
 * The metrics projector's Lambda entry: a DynamoDB event source on the table's stream, filtered to
 * the entities metrics count, with partial batch responses. It needs no platform secret; KMS unwraps
 * the data keys of the sealed characteristics it counts (POLKU_FIELD_KEY_ARN).
 */
import { createDb } from '@polku/storage';
import { jsonLogger } from './config.ts';
import { dataKeysFromEnv } from './kms-key-wrapper.ts';
import { type MetricsStreamRecord, projectStreamRecords } from './metrics/stream.ts';
import type { BatchResult } from './webhooks/stream.ts';

const log = jsonLogger();
const tableName = process.env.POLKU_TABLE_NAME;
if (!tableName) throw new Error('environment variable POLKU_TABLE_NAME is not set');
const db = createDb({
  tableName,
  endpoint: process.env.POLKU_DYNAMODB_ENDPOINT,
  dataKeys: dataKeysFromEnv(),
});

export const handler = async (event: { Records: MetricsStreamRecord[] }): Promise<BatchResult> =>
  projectStreamRecords({ db, now: () => new Date(), log }, event.Records);
