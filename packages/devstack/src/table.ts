/** Creates the table from the single definition, or adds what an older local table lacks. */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { attributes, createTableInput } from '@polku/table';

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesReady = (Table?.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === 'ACTIVE',
    );
    if (Table?.TableStatus === 'ACTIVE' && indexesReady) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`table ${tableName} did not become active`);
}

export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<'created' | 'updated' | 'unchanged'> {
  const wanted = createTableInput(tableName);
  let existing: TableDescription | undefined;
  try {
    existing = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  if (!existing) {
    await client.send(new CreateTableCommand(wanted));
    await waitUntilActive(client, tableName);
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: attributes.ttl, Enabled: true },
      }),
    );
    return 'created';
  }
  let changed = false;
  if (!existing.StreamSpecification?.StreamEnabled) {
    // Tables made before the stream was part of the definition: the webhook dispatcher reads it.
    await client.send(
      new UpdateTableCommand({ TableName: tableName, StreamSpecification: wanted.StreamSpecification }),
    );
    await waitUntilActive(client, tableName);
    changed = true;
  }
  const present = new Set((existing.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  const missing = wanted.GlobalSecondaryIndexes.filter((index) => !present.has(index.IndexName));
  for (const index of missing) {
    // DynamoDB adds one index per UpdateTable call.
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: wanted.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    await waitUntilActive(client, tableName);
  }
  return changed || missing.length > 0 ? 'updated' : 'unchanged';
}
