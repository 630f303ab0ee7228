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

function windowOf(rule: RateLimit, now: Date) {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const start = nowSeconds - (nowSeconds % rule.windowSeconds);
  return { start, end: start + rule.windowSeconds, nowSeconds };
}

/** Adds one to the window's counter; with `belowLimit`, only while it is below the rule's limit. */
async function addAttempt(db: Db, rule: RateLimit, subject: string, now: Date, belowLimit: boolean) {
  const window = windowOf(rule, now);
  await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: keys.rateCounter(rule.scope, subject, String(window.start)),
      UpdateExpression: 'ADD #count :one SET #ttl = :expires, entity = :entity',
      ...(belowLimit ? { ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit' } : {}),
      ExpressionAttributeNames: { '#count': 'count', '#ttl': attributes.ttl },
      ExpressionAttributeValues: {
        ':one': 1,
        ':expires': window.end,
        ':entity': 'rate-counter',
        ...(belowLimit ? { ':limit': rule.limit } : {}),
      },
    }),
  );
  return window;
}

/** Counts an attempt; returns undefined when allowed, or the seconds until the window ends. */
export async function spendRateLimit(
  db: Db,
  rule: RateLimit,
  subject: string,
  now = new Date(),
): Promise<number | undefined> {
  try {
    await addAttempt(db, rule, subject, now, true);
    return undefined;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      const window = windowOf(rule, now);
      return Math.max(1, window.end - window.nowSeconds);
    }
    translate(error);
  }
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
  try {
    await addAttempt(db, rule, subject, now, false);
  } catch (error) {
    translate(error);
  }
}
