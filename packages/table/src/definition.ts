/**
 * The one DynamoDB table of a region: key attributes, indexes, TTL and stream.
 * CDK, the local bootstrap and the tests all read this module; nothing else names an attribute.
 */

export const TABLE_NAME_DEFAULT = 'polku';

export const attributes = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /** Epoch seconds; DynamoDB's TTL deletes the item some time after this instant. */
  ttl: 'expiresAt',
} as const;

export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

/**
 * Overloaded GSIs: each entity decides what its GSIn keys mean (see keys.ts).
 * All project ALL attributes so a list needs no second read per item.
 */
export const indexes = {
  gsi1: { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
  gsi2: { name: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
  gsi3: { name: 'GSI3', partitionKey: 'GSI3PK', sortKey: 'GSI3SK' },
} as const satisfies Record<string, IndexDefinition>;

export type IndexId = keyof typeof indexes;

export const stream = { viewType: 'NEW_AND_OLD_IMAGES' } as const;

/** Every key attribute is a string; the table bills per request. */
export const billingMode = 'PAY_PER_REQUEST' as const;

/**
 * The CreateTable input in the SDK's shape, without importing the SDK,
 * so the CDK app and the local bootstrap share it.
 */
export function createTableInput(tableName: string) {
  const keyAttributes = [
    attributes.partitionKey,
    attributes.sortKey,
    ...Object.values(indexes).flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  return {
    TableName: tableName,
    BillingMode: billingMode,
    AttributeDefinitions: keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: attributes.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: attributes.sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: Object.values(indexes).map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: stream.viewType },
  };
}
