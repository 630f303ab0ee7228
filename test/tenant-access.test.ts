/**
 * Tenant isolation by IAM: the session policy a tenant's request gets, the credentials cache, and
 * the check from the attacker's side: a tenant's scoped access naming another tenant's key, or the
 * platform registry, is refused. (Every integration suite runs its tenant requests through the
 * same LeadingKeys check, test/support/iam.ts, so a handler that strayed would fail there.)
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { keys } from '@polku/table';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { tenantDbs, tenantSessionPolicy } from '../functions/api/src/tenant-access.ts';
import { createHarness, createTestTenant, type Harness, type TestTenant } from './support/harness.ts';
import { AccessDenied, leadingKeysEnforced } from './support/iam.ts';

const TABLE_ARN = 'arn:aws:dynamodb:eu-north-1:123456789012:table/polku';
const KEY_ARN = 'arn:aws:kms:eu-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const TENANT = '01KAQ4T0Z8X2N5W7P9R3M6B1CD';

describe('the session policy of a tenant request', () => {
  it('allows the table and its indexes only on partition keys of the tenant, and the table key', () => {
    expect(tenantSessionPolicy({ tableArn: TABLE_ARN, keyArn: KEY_ARN }, TENANT)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OwnTenantItemsOnly',
          Effect: 'Allow',
          Action: [
            'dynamodb:GetItem',
            'dynamodb:BatchGetItem',
            'dynamodb:Query',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:DeleteItem',
            'dynamodb:BatchWriteItem',
            'dynamodb:ConditionCheckItem',
          ],
          Resource: [TABLE_ARN, `${TABLE_ARN}/index/*`],
          Condition: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`T#${TENANT}`, `T#${TENANT}#*`] },
          },
        },
        {
          Sid: 'TableKey',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
          Resource: KEY_ARN,
        },
      ],
    });
    // No Scan: a Scan names no leading key, and IAM refuses it under this condition anyway.
    expect(JSON.stringify(tenantSessionPolicy({ tableArn: TABLE_ARN }, TENANT))).not.toContain('Scan');
  });

  it('refuses to build a policy for anything but a tenant id: a wildcard would open every tenant', () => {
    for (const id of [
      '*',
      `${TENANT.slice(0, 25)}*`,
      'platform',
      `${TENANT}#P`,
      '',
      'T#01KAQ4T0Z8X2N5W7P9R3M6B1CD',
    ]) {
      expect(() => tenantSessionPolicy({ tableArn: TABLE_ARN }, id), id).toThrow('a tenant id is a ULID');
    }
  });
});

describe('scoped credentials', () => {
  const sts = new STSClient({
    region: 'eu-north-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  const stub = mockClient(sts);
  afterEach(() => stub.reset());
  const issue = (minutes: number) =>
    stub.on(AssumeRoleCommand).callsFake(async () => ({
      Credentials: {
        AccessKeyId: 'AKIA',
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date(Date.now() + minutes * 60_000),
      },
    }));
  const settings = {
    roleArn: 'arn:aws:iam::123456789012:role/tenant',
    tableArn: TABLE_ARN,
    tableName: 'polku',
    region: 'eu-north-1',
  };

  it('assumes the role once per tenant with its own session policy, and reuses the credentials', async () => {
    issue(60);
    const dbFor = tenantDbs(settings, sts);
    const other = '01KAQ4T0Z8X2N5W7P9R3M6B1CE';
    expect(dbFor(TENANT)).toBe(dbFor(TENANT));
    const provider = (tenantId: string) => dbFor(tenantId).doc.config.credentials;
    await provider(TENANT)();
    await provider(TENANT)();
    await provider(other)();
    const calls = stub.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ RoleArn: settings.roleArn, RoleSessionName: `tenant-${TENANT}` });
    expect(JSON.parse(String(calls[0]?.Policy))).toEqual(tenantSessionPolicy(settings, TENANT));
    expect(JSON.parse(String(calls[1]?.Policy))).toEqual(tenantSessionPolicy(settings, other));
  });

  it('assumes the role again when the credentials are about to expire', async () => {
    issue(1);
    const provider = tenantDbs(settings, sts)(TENANT).doc.config.credentials;
    await provider();
    await provider();
    expect(stub.commandCalls(AssumeRoleCommand).length).toBeGreaterThanOrEqual(2);
  });
});

describe("from the attacker's side", () => {
  let harness: Harness;
  let a: TestTenant;
  let b: TestTenant;
  beforeAll(async () => {
    harness = await createHarness();
    a = await createTestTenant(harness, { name: 'Joensuu' });
    b = await createTestTenant(harness, { name: 'Lieksa' });
  });

  it("denies a tenant's scoped access to another tenant's items and to the platform registry", async () => {
    const asA = leadingKeysEnforced(inject('dynamoEndpoint'), harness.tableName)(a.id);
    const read = (key: { PK: string; SK: string }) =>
      asA.doc.send(new GetCommand({ TableName: harness.tableName, Key: key }));
    await expect(read(keys.tenant(a.id))).resolves.toMatchObject({ Item: { id: a.id } });
    await expect(read(keys.tenant(b.id))).rejects.toBeInstanceOf(AccessDenied);
    await expect(read(keys.businessId('0201256-6'))).rejects.toBeInstanceOf(AccessDenied);
    // A prefix of A's id is not A: T#<A> must end there or go on with '#'.
    await expect(read({ PK: `T#${a.id}X`, SK: 'TENANT' })).rejects.toBeInstanceOf(AccessDenied);
  });

  it('serves every request of a tenant through its scoped access', async () => {
    expect(harness.config.tenantDb).toBeDefined();
    const response = await a.as('tenant_admin')('POST', '/v1/organisations', {
      body: { name: 'Ohjaamo', kind: 'one-stop-guidance-centre' },
    });
    expect(response.status).toBe(201);
    expect((await b.as('tenant_admin')('GET', `/v1/organisations/${response.body.id}`)).status).toBe(404);
  });
});
