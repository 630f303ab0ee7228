/**
 * The local stream poller (packages/devstack) on DynamoDB Local: it hands over what is written after
 * it started, even on a table that was empty then while other tables were being written (as when
 * test files run side by side), and drain() waits for the records, not for the poll interval.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ensureTable, type StreamPoller, startStreamPoller } from '@polku/devstack';
import { afterEach, describe, expect, inject, it } from 'vitest';

const client = new DynamoDBClient({
  endpoint: inject('dynamoEndpoint'),
  region: 'eu-north-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

async function newTable(): Promise<string> {
  const name = `poller-${randomUUID()}`;
  await ensureTable(client, name);
  return name;
}

const put = (tableName: string, pk: string) =>
  client.send(new PutItemCommand({ TableName: tableName, Item: { PK: { S: pk }, SK: { S: 'ITEM' } } }));

let poller: StreamPoller | undefined;
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

/** A poller on the table that keeps the keys of what it is handed; a long interval unless told. */
async function watch(tableName: string, intervalMs = 600_000) {
  const seen: string[] = [];
  const errors: unknown[] = [];
  poller = await startStreamPoller({
    endpoint: inject('dynamoEndpoint'),
    tableName,
    intervalMs,
    onRecords: async (records) => {
      for (const record of records) seen.push(String(record.dynamodb?.Keys?.PK?.S));
      return { batchItemFailures: [] };
    },
    log: (entry) => {
      if (entry.level === 'error') errors.push(entry);
    },
  });
  return { poller, seen, errors };
}

describe('the local stream poller', () => {
  it('hands over the first writes to a table that was empty when it started, while another table is written', async () => {
    const [empty, busy] = [await newTable(), await newTable()];
    await put(busy, 'before');
    const { poller, seen, errors } = await watch(empty, 50);
    // DynamoDB Local answers TrimmedDataAccessException, from then on, to the iterator the poller took
    // on the empty shard once another table's write comes between.
    await put(busy, 'between');
    await put(empty, 'first');
    await put(empty, 'second');
    await poller.drain(10_000);
    expect(seen).toEqual(['first', 'second']);
    expect(errors).toEqual([]);
  });

  it('hands over nothing written before it started', async () => {
    const table = await newTable();
    await put(table, 'old');
    const { poller, seen } = await watch(table, 50);
    await put(table, 'new');
    await poller.drain(10_000);
    expect(seen).toEqual(['new']);
  });

  it('drains without waiting out its poll interval', async () => {
    const table = await newTable();
    await put(table, 'old');
    // Ten minutes between rounds: a drain that waited for the next round would time out.
    const { poller, seen } = await watch(table);
    await put(table, 'one');
    await poller.drain(5_000);
    await put(table, 'two');
    await poller.drain(5_000);
    expect(seen).toEqual(['one', 'two']);
  });
});
