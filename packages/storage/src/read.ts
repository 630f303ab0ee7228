import { BatchGetCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '@polku/domain';
import { type IndexId, indexes, type Key } from '@polku/table';
import { backoff, UNPROCESSED_ATTEMPTS } from './backoff.ts';
import type { Db } from './db.ts';
import { translate } from './errors.ts';
import type { Item } from './item.ts';

export async function getItem(db: Db, key: Key): Promise<Item | undefined> {
  try {
    const result = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: key, ConsistentRead: true }),
    );
    return result.Item;
  } catch (error) {
    translate(error);
  }
}

export interface PageRequest {
  limit: number;
  /** The DynamoDB key to continue after, as returned in `lastKey`. */
  startKey?: Item | undefined;
}

export interface Page {
  items: Item[];
  lastKey: Item | undefined;
}

export interface QuerySpec {
  index?: IndexId;
  partition: string;
  /** Sort keys beginning with this. */
  prefix?: string;
  /** Sort keys between these, inclusive. */
  between?: [string, string];
  newestFirst?: boolean;
}

/** One page of a key-condition query: never a Scan, never a filter over a larger read. */
export async function queryPage(db: Db, spec: QuerySpec, page: PageRequest): Promise<Page> {
  const index = spec.index ? indexes[spec.index] : undefined;
  const pk = index?.partitionKey ?? 'PK';
  const sk = index?.sortKey ?? 'SK';
  const names: Record<string, string> = { '#pk': pk };
  const values: Record<string, unknown> = { ':pk': spec.partition };
  let condition = '#pk = :pk';
  if (spec.prefix !== undefined) {
    names['#sk'] = sk;
    values[':prefix'] = spec.prefix;
    condition += ' AND begins_with(#sk, :prefix)';
  } else if (spec.between) {
    names['#sk'] = sk;
    values[':from'] = spec.between[0];
    values[':to'] = spec.between[1];
    condition += ' AND #sk BETWEEN :from AND :to';
  }
  try {
    const result = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        ...(index ? { IndexName: index.name } : { ConsistentRead: true }),
        KeyConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: !spec.newestFirst,
        // One more than asked tells whether another page exists, so the last page has no cursor.
        Limit: page.limit + 1,
        ...(page.startKey ? { ExclusiveStartKey: page.startKey } : {}),
      }),
    );
    const items = result.Items ?? [];
    if (items.length <= page.limit) return { items, lastKey: result.LastEvaluatedKey };
    const kept = items.slice(0, page.limit);
    const last = kept[kept.length - 1]!;
    const keyNames = index ? ['PK', 'SK', pk, sk] : ['PK', 'SK'];
    return { items: kept, lastKey: Object.fromEntries(keyNames.map((name) => [name, last[name]])) };
  } catch (error) {
    translate(error);
  }
}

/** Every item of a small bounded collection (e.g. a group's members), following pages. */
export async function queryAll(db: Db, spec: QuerySpec, max = 1000): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await queryPage(db, spec, { limit: Math.min(100, max - items.length), startKey });
    items.push(...page.items);
    startKey = page.lastKey;
  } while (startKey && items.length < max);
  return items;
}

/** The items at these keys (those that exist), 100 keys a call. */
export async function batchGet(
  db: Db,
  itemKeys: { PK: string; SK: string }[],
  consistent = true,
): Promise<Item[]> {
  const items: Item[] = [];
  for (let start = 0; start < itemKeys.length; start += 100) {
    items.push(...(await batchGetChunk(db, itemKeys.slice(start, start + 100), consistent)));
  }
  return items;
}

/** One call's keys, what DynamoDB leaves unprocessed asked again with this chunk's own backoff. */
async function batchGetChunk(db: Db, chunk: Record<string, unknown>[], consistent: boolean): Promise<Item[]> {
  const items: Item[] = [];
  const retry = backoff(UNPROCESSED_ATTEMPTS);
  let pending = chunk;
  for (;;) {
    try {
      const result = await db.doc.send(
        new BatchGetCommand({
          RequestItems: { [db.tableName]: { Keys: pending, ConsistentRead: consistent } },
        }),
      );
      items.push(...(result.Responses?.[db.tableName] ?? []));
      pending = result.UnprocessedKeys?.[db.tableName]?.Keys ?? [];
    } catch (error) {
      translate(error);
    }
    if (pending.length === 0) return items;
    if (!(await retry.wait())) throw new ServiceUnavailableError('The database is busy; retry shortly');
  }
}
