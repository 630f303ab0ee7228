/**
 * IAM's view of a tenant's scoped credentials, for DynamoDB Local (which enforces no IAM): every
 * request a tenant's Db sends is checked against the session policy the API would get in AWS
 * (`tenantSessionPolicy`), and refused with AccessDeniedException when it names a partition key,
 * in the table or an index, that the policy's `dynamodb:LeadingKeys` does not allow.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDb, type Db } from '@polku/storage';
import { tenantSessionPolicy } from '../../functions/api/src/tenant-access.ts';

/** Items as the request carries them: marshalled (`{ S: … }`) or still native, as the document client has them. */
type AttributeMap = Record<string, { S?: string } | string | undefined>;
const stringOf = (value: { S?: string } | string | undefined) =>
  typeof value === 'string' ? value : value?.S;
type Input = Record<string, unknown>;

const TABLE_ARN = 'arn:aws:dynamodb:eu-north-1:000000000000:table/test';

/** The partition key values one request names, by the operation it is. */
function partitionKeysOf(operation: string, input: Input): string[] {
  const pk = (item: AttributeMap | undefined) => stringOf(item?.PK) ?? '';
  switch (operation) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem':
      return [pk(input.Key as AttributeMap)];
    case 'PutItem':
      return [pk(input.Item as AttributeMap)];
    case 'Query': {
      const condition = String(input.KeyConditionExpression ?? '');
      const match = /^\s*(#?\w+)\s*=\s*(:\w+)/.exec(condition);
      const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
      const values = (input.ExpressionAttributeValues ?? {}) as AttributeMap;
      if (!match) return [''];
      const attribute = names[match[1]!] ?? match[1]!;
      if (!/^(PK|GSI\dPK)$/.test(attribute)) return [''];
      return [stringOf(values[match[2]!]) ?? ''];
    }
    case 'BatchGetItem':
      return Object.values(input.RequestItems as Record<string, { Keys: AttributeMap[] }>).flatMap((r) =>
        r.Keys.map(pk),
      );
    case 'BatchWriteItem':
      return Object.values(
        input.RequestItems as Record<
          string,
          { PutRequest?: { Item: AttributeMap }; DeleteRequest?: { Key: AttributeMap } }[]
        >,
      ).flatMap((requests) => requests.map((r) => pk(r.PutRequest?.Item ?? r.DeleteRequest?.Key)));
    case 'TransactWriteItems':
    case 'TransactGetItems':
      return (input.TransactItems as Record<string, { Item?: AttributeMap; Key?: AttributeMap }>[]).map(
        (entry) => {
          const op = Object.values(entry)[0];
          return pk(op?.Item ?? op?.Key);
        },
      );
    default:
      return [];
  }
}

/** What the session policy allows: the actions, and the key patterns as expressions. */
function allowedBy(tenantId: string) {
  const [statement] = tenantSessionPolicy({ tableArn: TABLE_ARN }, tenantId).Statement;
  const patterns = statement!.Condition!['ForAllValues:StringLike']!['dynamodb:LeadingKeys'].map(
    (pattern) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`),
  );
  return { actions: new Set<string>(statement!.Action), patterns };
}

export class AccessDenied extends Error {
  override name = 'AccessDeniedException';
  readonly $metadata = { httpStatusCode: 400 };
}

/** A Db per tenant on DynamoDB Local whose every request IAM's LeadingKeys check would pass. */
export function leadingKeysEnforced(endpoint: string, tableName: string): (tenantId: string) => Db {
  const dbs = new Map<string, Db>();
  return (tenantId) => {
    const cached = dbs.get(tenantId);
    if (cached) return cached;
    const { actions, patterns } = allowedBy(tenantId);
    const client = new DynamoDBClient({
      endpoint,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName).replace(/Command$/, '');
        const action = `dynamodb:${operation.replace(/^Transact(Write|Get)Items$/, (_, kind) => (kind === 'Write' ? 'PutItem' : 'GetItem'))}`;
        const keys = partitionKeysOf(operation, args.input as Input);
        const denied =
          !actions.has(action) || keys.length === 0 || keys.some((key) => !patterns.some((p) => p.test(key)));
        if (denied) {
          throw new AccessDenied(
            `tenant ${tenantId} may not ${operation} on ${keys.join(', ') || 'the table'} (dynamodb:LeadingKeys)`,
          );
        }
        return next(args);
      },
      { step: 'initialize', name: 'leadingKeysCheck' },
    );
    const db = createDb({ tableName, endpoint, client });
    dbs.set(tenantId, db);
    return db;
  };
}
