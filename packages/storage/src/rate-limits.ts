/**
 * Fixed-window counters in the table (so every Lambda instance shares them), expired by TTL.
 * `spendRateLimit` counts one attempt and says when the window allows no more; limits that count
 * only failures read the window first (`rateLimitWait`) and count a failure after it (`countAttempt`).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { attributes, keys } from '@polku/table';
import type { Db } from './db.ts';
import { translate } from './errors.ts';
import { getItem } from './read.ts';

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
  const { start: windowStart, end: windowEnd, nowSeconds } = windowOf(rule, now);
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

function windowOf(rule: RateLimit, now: Date) {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const start = nowSeconds - (nowSeconds % rule.windowSeconds);
  return { start, end: start + rule.windowSeconds, nowSeconds };
}

/**
 * Whether the window has room for another attempt: undefined when it has, or the seconds until it
 * ends. A read, for limits that count only failures (countAttempt), decided before the attempt.
 */
export async function rateLimitWait(
  db: Db,
  rule: RateLimit,
  subject: string,
  now = new Date(),
): Promise<number | undefined> {
  const window = windowOf(rule, now);
  const item = await getItem(db, keys.rateCounter(rule.scope, subject, String(window.start)));
  if (Number(item?.count ?? 0) < rule.limit) return undefined;
  return Math.max(1, window.end - window.nowSeconds);
}

/** Counts an attempt whatever the count is (a failure, after the fact). */
export async function countAttempt(
  db: Db,
  rule: RateLimit,
  subject: string,
  now = new Date(),
): Promise<void> {
  const window = windowOf(rule, now);
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keys.rateCounter(rule.scope, subject, String(window.start)),
        UpdateExpression: 'ADD #count :one SET #ttl = :expires, entity = :entity',
        ExpressionAttributeNames: { '#count': 'count', '#ttl': attributes.ttl },
        ExpressionAttributeValues: { ':one': 1, ':expires': window.end, ':entity': 'rate-counter' },
      }),
    );
  } catch (error) {
    translate(error);
  }
}
