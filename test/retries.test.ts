/**
 * A busy DynamoDB answers a batch only in part (aws-sdk-client-mock plays it here, in front of
 * DynamoDB Local): what it leaves unprocessed is asked again after a backoff, with attempts counted
 * for each chunk of the call, so a large read or write completes, and one that never does gets 503.
 */
import { randomUUID } from 'node:crypto';
import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '@polku/domain';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UNPROCESSED_ATTEMPTS } from '../packages/storage/src/backoff.ts';
import type { Db } from '../packages/storage/src/db.ts';
import { batchGet } from '../packages/storage/src/read.ts';
import { writeInBatches } from '../packages/storage/src/write.ts';
import type { Stub } from './support/faults.ts';
import { createHarness } from './support/harness.ts';

const COUNT = 2000; // 20 calls of 100 keys, 80 of 25 writes

let db: Db;
let stub: Stub | undefined;

beforeAll(async () => {
  db = (await createHarness()).db;
});

afterEach(() => {
  stub?.restore();
  stub = undefined;
});

type Key = { PK: string; SK: string };
const keysOf = (partition: string) =>
  Array.from({ length: COUNT }, (_, n): Key => ({ PK: partition, SK: `N#${String(n).padStart(4, '0')}` }));
const idOf = (key: Key) => `${key.PK}|${key.SK}`;

/**
 * Every call goes to DynamoDB Local, but the first call with a key answers only the first half of
 * its keys or writes, and hands the rest back unprocessed.
 */
function halfAnsweredOnce() {
  const real = db.doc.send.bind(db.doc) as (command: unknown) => Promise<Record<string, unknown>>;
  const asked = { reads: new Set<string>(), writes: new Set<string>() };
  const firstAsk = (seen: Set<string>, keys: Key[]) => {
    const fresh = keys.every((key) => !seen.has(idOf(key)));
    for (const key of keys) seen.add(idOf(key));
    return fresh;
  };
  const partial = { reads: 0, writes: 0 };
  stub = mockClient(db.doc);
  // biome-ignore lint/suspicious/noExplicitAny: the command's input
  stub.on(BatchGetCommand).callsFake(async (input: any) => {
    const request = input.RequestItems[db.tableName];
    if (!firstAsk(asked.reads, request.Keys)) return real(new BatchGetCommand(input));
    partial.reads++;
    const half = request.Keys.length / 2;
    const answered = await real(
      new BatchGetCommand({
        RequestItems: { [db.tableName]: { ...request, Keys: request.Keys.slice(0, half) } },
      }),
    );
    return {
      ...answered,
      UnprocessedKeys: { [db.tableName]: { ...request, Keys: request.Keys.slice(half) } },
    };
  });
  // biome-ignore lint/suspicious/noExplicitAny: the command's input
  stub.on(BatchWriteCommand).callsFake(async (input: any) => {
    const requests = input.RequestItems[db.tableName];
    const items = requests.map((request: { PutRequest: { Item: Key } }) => request.PutRequest.Item);
    if (!firstAsk(asked.writes, items)) {
      return real(new BatchWriteCommand(input));
    }
    partial.writes++;
    const half = Math.ceil(requests.length / 2);
    await real(new BatchWriteCommand({ RequestItems: { [db.tableName]: requests.slice(0, half) } }));
    return { UnprocessedItems: { [db.tableName]: requests.slice(half) } };
  });
  return partial;
}

describe('a batch DynamoDB answers only in part', () => {
  it('writes 2,000 items and reads them back when each batch comes back partly unprocessed once', async () => {
    const keys = keysOf(`RETRY#${randomUUID()}`);
    const partial = halfAnsweredOnce();
    await writeInBatches(
      db,
      keys.map((key, n) => ({ PutRequest: { Item: { ...key, n } } })),
    );
    const items = await batchGet(db, keys);
    expect(partial).toEqual({ writes: COUNT / 25, reads: COUNT / 100 });
    expect(items.map((item) => item.n).sort((a, b) => Number(a) - Number(b))).toEqual(keys.map((_, n) => n));
  });

  it('answers 503 when DynamoDB keeps a key unprocessed, after a bounded number of attempts', async () => {
    const keys = keysOf(`RETRY#${randomUUID()}`).slice(0, 3);
    let calls = 0;
    stub = mockClient(db.doc);
    // biome-ignore lint/suspicious/noExplicitAny: the command's input
    stub.on(BatchGetCommand).callsFake(async (input: any) => {
      calls++;
      const asked = input.RequestItems[db.tableName];
      return { Responses: { [db.tableName]: [] }, UnprocessedKeys: { [db.tableName]: asked } };
    });
    const read = batchGet(db, keys);
    await expect(read).rejects.toThrow(ServiceUnavailableError);
    await expect(read).rejects.toMatchObject({ status: 503 });
    expect(calls).toBe(UNPROCESSED_ATTEMPTS);
  });
});
