/**
 * Fixed-window counters in the table (so every Lambda instance shares them), expired by TTL.
 * `spend` counts one attempt and says when the window allows no more.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { attributes, keys } from '@polku/table';
import type { Db } from './db.ts';
import { translate } from './errors.ts';

export interface RateLimit {
  /** Names the counter, e.g. `signup-address`. */
  scope: string;
  limit: number;
  windowSeconds: number;
}

/** Counts an attempt; returns undefined when allowed, or the seconds until the window ends. */
export async function spendRateLimit(
  db: Db,
  rule: RateLimit,
  subject: string,
  now = new Date(),
): Promise<number | undefined> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const windowStart = nowSeconds - (nowSeconds % rule.windowSeconds);
  const windowEnd = windowStart + rule.windowSeconds;
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.rateCounter(rule.scope, subject, String(windowStart)),
        UpdateExpression: 'ADD #count :one SET #ttl = :expires, entity = :entity',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
        ExpressionAttributeNames: { '#count': 'count', '#ttl': attributes.ttl },
        ExpressionAttributeValues: {
          ':one': 1,
          ':limit': rule.limit,
          ':expires': windowEnd,
          ':entity': 'rate-counter',
        },
      }),
    );
    return undefined;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return Math.max(1, windowEnd - nowSeconds);
    translate(error);
  }
}
