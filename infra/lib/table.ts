/**
 * The region's DynamoDB table, translated from the @polku/table definition so that CDK,
 * the local bootstrap and the tests cannot disagree about a key, an index or the stream.
 */
import { attributes, createTableInput, TABLE_NAME_DEFAULT } from '@polku/table';
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  Billing,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export interface PolkuTableProps {
  readonly encryptionKey: IKey;
  /** Deletion protection and RETAIN (prod), or a table the stack may delete (staging). */
  readonly retain: boolean;
}

const attributeTypes = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY } as const;

type KeySchema = readonly { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];

/** The table's physical name is left to CloudFormation; the function reads it from its environment. */
export function polkuTable(scope: Construct, id: string, props: PolkuTableProps): TableV2 {
  const definition = createTableInput(TABLE_NAME_DEFAULT);
  const typeOf = new Map<string, keyof typeof attributeTypes>(
    definition.AttributeDefinitions.map((a) => [a.AttributeName, a.AttributeType]),
  );
  const attribute = (name: string): Attribute => {
    const type = typeOf.get(name);
    if (type === undefined) throw new Error(`@polku/table defines no attribute "${name}"`);
    return { name, type: attributeTypes[type] };
  };
  const keysOf = (schema: KeySchema) => {
    const partition = schema.find((k) => k.KeyType === 'HASH');
    const sort = schema.find((k) => k.KeyType === 'RANGE');
    if (partition === undefined) throw new Error('@polku/table key schema has no HASH key');
    return {
      partitionKey: attribute(partition.AttributeName),
      ...(sort && { sortKey: attribute(sort.AttributeName) }),
    };
  };
  if (definition.BillingMode !== 'PAY_PER_REQUEST') {
    throw new Error(`Unsupported billing mode ${definition.BillingMode}`);
  }

  return new TableV2(scope, id, {
    ...keysOf(definition.KeySchema),
    globalSecondaryIndexes: definition.GlobalSecondaryIndexes.map((index) => ({
      indexName: index.IndexName,
      ...keysOf(index.KeySchema),
      projectionType: ProjectionType[index.Projection.ProjectionType],
    })),
    billing: Billing.onDemand(),
    timeToLiveAttribute: attributes.ttl,
    dynamoStream: StreamViewType[definition.StreamSpecification.StreamViewType],
    encryption: TableEncryptionV2.customerManagedKey(props.encryptionKey),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: props.retain,
    removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
}
