/**
 * Tenant isolation by IAM: the session policy a tenant's request gets, the credentials cache, and
 * the check from the attacker's side: a tenant's scoped access naming another tenant's key, or the
 * platform registry, is refused. (Every integration suite runs its tenant requests through the
 * same LeadingKeys check, test/support/iam.ts, so a handler that strayed would fail there.)
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '@polku/table';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { AwsServiceError } from '../functions/api/src/aws-request.ts';
import { type AssumeRole, stsAssumeRole } from '../functions/api/src/sts.ts';
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
  /** A stand-in for STS on loopback: AssumeRole's form in, its XML out, each call recorded. */
  const calls: Record<string, string>[] = [];
  let minutes = 60;
  let refuse = false;
  const standIn = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    calls.push({ ...form, authorization: String(request.headers.authorization) });
    response.writeHead(refuse ? 403 : 200, { 'content-type': 'text/xml' });
    response.end(
      refuse
        ? '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not &amp; never</Message></Error></ErrorResponse>'
        : `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA1</AccessKeyId>
<SecretAccessKey>secret/+=</SecretAccessKey><SessionToken>token&amp;more</SessionToken>
<Expiration>${new Date(Date.now() + minutes * 60_000).toISOString()}</Expiration></Credentials>
</AssumeRoleResult></AssumeRoleResponse>`,
    );
  });
  let assumeRole: AssumeRole;
  beforeAll(async () => {
    await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
    const { port } = standIn.address() as AddressInfo;
    assumeRole = stsAssumeRole({
      region: 'eu-north-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      endpoint: `http://127.0.0.1:${port}/`,
    });
  });
  afterAll(() => standIn.close());
  afterEach(() => {
    calls.length = 0;
    minutes = 60;
    refuse = false;
  });
  const settings = {
    roleArn: 'arn:aws:iam::123456789012:role/tenant',
    tableArn: TABLE_ARN,
    tableName: 'polku',
    region: 'eu-north-1',
  };

  it('assumes the role once per tenant with its own session policy, and reuses the credentials', async () => {
    const dbFor = tenantDbs(settings, assumeRole);
    const other = '01KAQ4T0Z8X2N5W7P9R3M6B1CE';
    expect(dbFor(TENANT)).toBe(dbFor(TENANT));
    const provider = (tenantId: string) => dbFor(tenantId).doc.config.credentials;
    expect(await provider(TENANT)()).toMatchObject({
      accessKeyId: 'ASIA1',
      secretAccessKey: 'secret/+=',
      sessionToken: 'token&more',
    });
    await provider(TENANT)();
    await provider(other)();
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({
      Action: 'AssumeRole',
      RoleArn: settings.roleArn,
      RoleSessionName: `tenant-${TENANT}`,
      DurationSeconds: '3600',
    });
    expect(calls[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=x\/\d{8}\/eu-north-1\/sts\/aws4_request, /,
    );
    expect(JSON.parse(String(calls[0]?.Policy))).toEqual(tenantSessionPolicy(settings, TENANT));
    expect(JSON.parse(String(calls[1]?.Policy))).toEqual(tenantSessionPolicy(settings, other));
  });

  it('assumes the role again when the credentials are about to expire', async () => {
    minutes = 1;
    const provider = tenantDbs(settings, assumeRole)(TENANT).doc.config.credentials;
    await provider();
    await provider();
    expect(calls.length).toBeGreaterThanOrEqual(2);
  });

  it("fails with STS's own error when STS refuses", async () => {
    refuse = true;
    const refused = tenantDbs(settings, assumeRole)(TENANT).doc.config.credentials();
    await expect(refused).rejects.toBeInstanceOf(AwsServiceError);
    await expect(refused).rejects.toMatchObject({ name: 'AccessDenied', message: 'not & never' });
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
