/**
 * Tenants' data keys wrapped by KMS: each is made and unwrapped with the tenant as its encryption
 * context, over signed HTTP requests to a stand-in for KMS on loopback (it checks the target, the
 * signature's scope and the context, and opens a blob only under the context it was made with), and
 * a tenant's session may use the field key under its own context only. The records sealed with such
 * a key are in the table of DynamoDB Local.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { schemas } from '@polku/domain';
import { createParticipant, type Db, dataKeysOf, getItem, getParticipant, isTransient } from '@polku/storage';
import { keys } from '@polku/table';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsServiceError } from '../functions/api/src/aws-request.ts';
import { kmsClient } from '../functions/api/src/kms.ts';
import { kmsKeyWrapper } from '../functions/api/src/kms-key-wrapper.ts';
import { tenantDbs, tenantSessionPolicy } from '../functions/api/src/tenant-access.ts';
import { participantBody } from './support/fixtures.ts';
import { createHarness, createTestTenant, type Harness } from './support/harness.ts';

const FIELD_KEY_ARN = 'arn:aws:kms:eu-north-1:123456789012:key/5678efab-12ab-34cd-56ef-1234567890ab';
const TABLE_ARN = 'arn:aws:dynamodb:eu-north-1:123456789012:table/polku';
const TENANT = '01KAQ4T0Z8X2N5W7P9R3M6B1CD';
const ALL_FIVE = Object.fromEntries(schemas.SENSITIVE_ESF_FIELDS.map((field) => [field, true]));

interface KmsCall {
  action: string;
  input: {
    KeyId?: string;
    KeySpec?: string;
    CiphertextBlob?: string;
    EncryptionContext?: Record<string, string>;
  };
  authorization: string;
}

/** What KMS holds: each wrapped key (its blob, base64) → the key and the tenant it was made for. */
const made = new Map<string, { key: Buffer; tenant: string | undefined }>();
const calls: KmsCall[] = [];
const callsOf = (action: string) => calls.filter((call) => call.action === action);

const body = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const standIn = createServer(async (request, response) => {
  const action = String(request.headers['x-amz-target']).replace('TrentService.', '');
  const input = JSON.parse(await body(request)) as KmsCall['input'];
  const authorization = String(request.headers.authorization);
  calls.push({ action, input, authorization });
  const answer = (status: number, json: unknown) => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(json));
  };
  if (!/^AWS4-HMAC-SHA256 Credential=x\/\d{8}\/eu-north-1\/kms\/aws4_request, /.test(authorization))
    return answer(400, { __type: 'InvalidSignatureException', message: 'not signed for KMS' });
  if (throttled) return answer(400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
  if (action === 'GenerateDataKey') {
    const key = randomBytes(32);
    const blob = randomBytes(48).toString('base64');
    made.set(blob, { key, tenant: input.EncryptionContext?.tenant });
    return answer(200, { Plaintext: key.toString('base64'), CiphertextBlob: blob, KeyId: FIELD_KEY_ARN });
  }
  // Like KMS: the blob opens only under the context it was made with.
  const entry = made.get(String(input.CiphertextBlob));
  if (action !== 'Decrypt' || !entry || entry.tenant !== input.EncryptionContext?.tenant) {
    return answer(400, {
      __type: 'com.amazonaws.kms#InvalidCiphertextException',
      message: 'invalid ciphertext',
    });
  }
  return answer(200, { Plaintext: entry.key.toString('base64'), KeyId: FIELD_KEY_ARN });
});

let kms: ReturnType<typeof kmsClient>;
let throttled = false;

beforeAll(async () => {
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  const { port } = standIn.address() as AddressInfo;
  kms = kmsClient({
    region: 'eu-north-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    endpoint: `http://127.0.0.1:${port}/`,
  });
});

afterAll(() => {
  standIn.close();
});

beforeEach(() => {
  calls.length = 0;
});

describe('the KMS wrapper', () => {
  it("makes a tenant's data key under the field key, with the tenant as the encryption context", async () => {
    const wrapper = kmsKeyWrapper(kms, FIELD_KEY_ARN);
    const dataKey = await wrapper.newDataKey(TENANT);
    expect(dataKey.key).toHaveLength(32);
    expect(dataKey.keyId).toBe(FIELD_KEY_ARN);
    expect(callsOf('GenerateDataKey')[0]!.input).toEqual({
      KeyId: FIELD_KEY_ARN,
      KeySpec: 'AES_256',
      EncryptionContext: { tenant: TENANT },
    });
  });

  it('unwraps it with the same context, and as no other tenant', async () => {
    const wrapper = kmsKeyWrapper(kms, FIELD_KEY_ARN);
    const { key, wrapped, keyId } = await wrapper.newDataKey(TENANT);
    expect(Buffer.from(await wrapper.unwrap(TENANT, wrapped, keyId)).equals(Buffer.from(key))).toBe(true);
    expect(callsOf('Decrypt')[0]!.input).toEqual({
      KeyId: FIELD_KEY_ARN,
      CiphertextBlob: Buffer.from(wrapped).toString('base64'),
      EncryptionContext: { tenant: TENANT },
    });
    const asAnother = wrapper.unwrap('01KAQ4T0Z8X2N5W7P9R3M6B1ZZ', wrapped, keyId);
    await expect(asAnother).rejects.toThrow(AwsServiceError);
    await expect(asAnother).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });

  it('unwraps without a key to make new ones under (an operator reading), but makes none', async () => {
    const { wrapped, keyId } = await kmsKeyWrapper(kms, FIELD_KEY_ARN).newDataKey(TENANT);
    const reader = kmsKeyWrapper(kms, undefined);
    expect(await reader.unwrap(TENANT, wrapped, keyId)).toHaveLength(32);
    await expect(reader.newDataKey(TENANT)).rejects.toThrow(/POLKU_FIELD_KEY_ARN/);
  });
});

describe('KMS failing', () => {
  it('is a transient error (503 to the client) when KMS throttles or cannot be reached', async () => {
    throttled = true;
    try {
      const refused = kmsKeyWrapper(kms, FIELD_KEY_ARN).newDataKey(TENANT);
      await expect(refused).rejects.toMatchObject({ name: 'ThrottlingException' });
      expect(isTransient(await refused.catch((error: unknown) => error))).toBe(true);
    } finally {
      throttled = false;
    }
    const nowhere = kmsClient({
      region: 'eu-north-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      endpoint: 'http://127.0.0.1:9/',
    });
    const unreached = await nowhere
      .decrypt(FIELD_KEY_ARN, new Uint8Array(8), {})
      .catch((error: unknown) => error);
    expect(unreached).toBeInstanceOf(AwsServiceError);
    expect(isTransient(unreached)).toBe(true);
  });
});

describe('records sealed under a KMS-wrapped key', () => {
  let harness: Harness;
  let db: Db;
  beforeAll(async () => {
    harness = await createHarness();
    db = { ...harness.db, dataKeys: dataKeysOf(kmsKeyWrapper(kms, FIELD_KEY_ARN)) };
  });

  it("store the key wrapped, named by the field key's ARN, and ask KMS once per tenant while it is cached", async () => {
    const tenant = await createTestTenant(harness);
    const fields = schemas.ParticipantCreate.parse(
      participantBody({ esf: { ...participantBody().esf, ...ALL_FIVE } }),
    );
    const { esf } = fields;
    const person = await createParticipant(db, tenant.id, fields, undefined);
    const stored = await getItem(db, keys.dataKey(tenant.id));
    expect(stored).toMatchObject({ entity: 'data-key', keyId: FIELD_KEY_ARN });
    expect(callsOf('GenerateDataKey')).toHaveLength(1);

    // A cold instance unwraps it once, with the tenant's context, then reads from its cache.
    const cold: Db = { ...harness.db, dataKeys: dataKeysOf(kmsKeyWrapper(kms, FIELD_KEY_ARN)) };
    for (let i = 0; i < 3; i++) expect((await getParticipant(cold, tenant.id, person.id)).esf).toEqual(esf);
    expect(callsOf('Decrypt').map((call) => call.input.EncryptionContext)).toEqual([{ tenant: tenant.id }]);
  });
});

describe("a tenant's session", () => {
  it('may make and unwrap data keys under the field key only with its own tenant as the context', () => {
    const policy = tenantSessionPolicy({ tableArn: TABLE_ARN, fieldKeyArn: FIELD_KEY_ARN }, TENANT);
    expect(policy.Statement).toContainEqual({
      Sid: 'OwnDataKeyOnly',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: FIELD_KEY_ARN,
      Condition: { StringEquals: { 'kms:EncryptionContext:tenant': TENANT } },
    });
    // Within AssumeRole's limit on an inline session policy (2,048 characters).
    expect(
      JSON.stringify(
        tenantSessionPolicy(
          { tableArn: TABLE_ARN, keyArn: FIELD_KEY_ARN, fieldKeyArn: FIELD_KEY_ARN },
          TENANT,
        ),
      ).length,
    ).toBeLessThan(2048);
  });

  it('reaches the table with data keys when the function is told the field key, and without otherwise', () => {
    const settings = {
      roleArn: 'arn:aws:iam::123456789012:role/t',
      tableArn: TABLE_ARN,
      tableName: 'polku',
      region: 'eu-north-1',
    };
    expect(tenantDbs({ ...settings, fieldKeyArn: FIELD_KEY_ARN })(TENANT).dataKeys).toBeDefined();
    expect(tenantDbs(settings)(TENANT).dataKeys).toBeUndefined();
  });
});
