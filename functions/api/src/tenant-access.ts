/**
 * Tenant isolation enforced by IAM, beneath the application's own checks: in AWS a request of a
 * tenant reaches DynamoDB only with credentials of an assumed role whose session policy allows
 * items whose partition key (in the table or the index queried) is the tenant's: `T#<tenant>` or
 * `T#<tenant>#…`, and the field key only under the tenant's encryption context. A bug that built
 * another tenant's key would meet AccessDenied, not data, and so would one that unwrapped another
 * tenant's data key. Credentials are cached per tenant until shortly before they expire.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { createDb, type Db } from '@polku/storage';
import { ENCRYPTION_CONTEXT_TENANT, FIELD_KEY_ACTIONS, kmsDataKeys } from './kms-key-wrapper.ts';
import { type AssumeRole, type IssuedCredentials, stsAssumeRole } from './sts.ts';

/** Every DynamoDB action the API's handlers use, reads and writes (transactions check these per item). */
export const TENANT_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
] as const;

/** The table's customer-managed key: what reading and writing encrypted items needs. */
export const TABLE_KEY_ACTIONS = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey*',
  'kms:DescribeKey',
] as const;

export interface TenantAccessSettings {
  /** The role request handlers assume; its own policy allows the table, the session policy narrows it. */
  roleArn: string;
  tableArn: string;
  tableName: string;
  /** The table's KMS key, when it has a customer-managed one. */
  keyArn?: string | undefined;
  /** The KMS key that wraps tenants' data keys (the sealed sensitive characteristics). */
  fieldKeyArn?: string | undefined;
  region: string;
}

/** The partition keys a tenant's session may touch. */
export const tenantKeyPatterns = (tenantId: string) => [`T#${tenantId}`, `T#${tenantId}#*`];

/** The session policy of one tenant's credentials: this document is what a request gets. */
export function tenantSessionPolicy(
  settings: Pick<TenantAccessSettings, 'tableArn' | 'keyArn' | 'fieldKeyArn'>,
  tenantId: string,
) {
  if (!/^[0-9A-Z]{26}$/.test(tenantId)) throw new Error('a tenant id is a ULID');
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OwnTenantItemsOnly',
        Effect: 'Allow',
        Action: [...TENANT_TABLE_ACTIONS],
        Resource: [settings.tableArn, `${settings.tableArn}/index/*`],
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': tenantKeyPatterns(tenantId) } },
      },
      ...(settings.keyArn
        ? [{ Sid: 'TableKey', Effect: 'Allow', Action: [...TABLE_KEY_ACTIONS], Resource: settings.keyArn }]
        : []),
      ...(settings.fieldKeyArn
        ? [
            {
              Sid: 'OwnDataKeyOnly',
              Effect: 'Allow',
              Action: [...FIELD_KEY_ACTIONS],
              Resource: settings.fieldKeyArn,
              Condition: {
                StringEquals: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_TENANT}`]: tenantId },
              },
            },
          ]
        : []),
    ],
  };
}

type Credentials = IssuedCredentials;

/** Renew this long before the credentials expire. */
const RENEW_MS = 2 * 60_000;
const SESSION_SECONDS = 3600;
/** Tenants whose clients are kept; the least recently used goes first. */
const MAX_TENANTS = 500;

/** A Db per tenant, each signing with that tenant's scoped, cached credentials. */
export function tenantDbs(
  settings: TenantAccessSettings,
  assumeRole: AssumeRole = stsAssumeRole({ region: settings.region, credentials: fromEnv() }),
): (tenantId: string) => Db {
  /** Each tenant's Db and what closes its clients. */
  const dbs = new Map<string, { db: Db; close: () => void }>();

  const credentialsOf = (tenantId: string) => {
    let current: Credentials | undefined;
    let pending: Promise<Credentials> | undefined;
    const assume = (): Promise<Credentials> =>
      assumeRole({
        roleArn: settings.roleArn,
        sessionName: `tenant-${tenantId}`,
        policy: JSON.stringify(tenantSessionPolicy(settings, tenantId)),
        durationSeconds: SESSION_SECONDS,
      });
    return async (): Promise<Credentials> => {
      if (current && current.expiration.getTime() - Date.now() > RENEW_MS) return current;
      pending ??= assume().finally(() => {
        pending = undefined;
      });
      current = await pending;
      return current;
    };
  };

  return (tenantId: string) => {
    const cached = dbs.get(tenantId);
    if (cached) {
      dbs.delete(tenantId);
      dbs.set(tenantId, cached);
      return cached.db;
    }
    const credentials = credentialsOf(tenantId);
    const client = new DynamoDBClient({ region: settings.region, credentials, maxAttempts: 4 });
    // The tenant's data key is unwrapped with the tenant's credentials too: its own context only.
    const dataKeys = settings.fieldKeyArn
      ? kmsDataKeys({ region: settings.region, credentials }, settings.fieldKeyArn)
      : undefined;
    const db = createDb({ tableName: settings.tableName, client, dataKeys });
    dbs.set(tenantId, {
      db,
      close: () => {
        db.doc.destroy();
      },
    });
    if (dbs.size > MAX_TENANTS) {
      const oldest = dbs.keys().next().value as string;
      dbs.get(oldest)?.close();
      dbs.delete(oldest);
    }
    return db;
  };
}

/** The settings from the Lambda's environment, or undefined when it runs without a tenant role (locally). */
export function tenantAccessFromEnv(env: NodeJS.ProcessEnv = process.env): TenantAccessSettings | undefined {
  const roleArn = env.POLKU_TENANT_ROLE_ARN;
  if (!roleArn) return undefined;
  const tableArn = env.POLKU_TABLE_ARN;
  const tableName = env.POLKU_TABLE_NAME;
  const region = env.AWS_REGION;
  if (!tableArn || !tableName || !region) {
    throw new Error('POLKU_TENANT_ROLE_ARN needs POLKU_TABLE_ARN, POLKU_TABLE_NAME and AWS_REGION');
  }
  return {
    roleArn,
    tableArn,
    tableName,
    keyArn: env.POLKU_TABLE_KEY_ARN,
    fieldKeyArn: env.POLKU_FIELD_KEY_ARN,
    region,
  };
}
