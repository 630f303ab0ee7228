import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DataKeys } from './data-keys.ts';

export interface Db {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Tenants' data keys, to read and write sealed fields (the sensitive ESF characteristics). */
  readonly dataKeys?: DataKeys | undefined;
}

export interface DbOptions {
  tableName: string;
  /** DynamoDB Local's URL; omit in AWS. */
  endpoint?: string | undefined;
  region?: string | undefined;
  /** An existing client, e.g. one wrapped by aws-sdk-client-mock in fault tests. */
  client?: DynamoDBClient;
  dataKeys?: DataKeys | undefined;
}

export function createDb(options: DbOptions): Db {
  const config: DynamoDBClientConfig = {
    region: options.region ?? process.env.AWS_REGION ?? 'eu-north-1',
    maxAttempts: 4,
  };
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    // DynamoDB Local accepts any credentials; these keep the SDK from searching for real ones.
    config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  const client = options.client ?? new DynamoDBClient(config);
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { doc, tableName: options.tableName, dataKeys: options.dataKeys };
}
