/**
 * A fresh table on the shared DynamoDB Local, the real app on it, and helpers to make tenants
 * with one API client per role and to call the API as any of them.
 */

import { randomInt, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AppConfig,
  createApp,
  createConfig,
  type SignupLimits,
  type StaffSignOnSettings,
} from '@polku/api';
import { hashSecret, type Role } from '@polku/auth';
import { ensureTable, generateSecrets } from '@polku/devstack';
import { businessIdFrom } from '@polku/domain';
import { createClient, createDb, createTenant, type Db, type TenantStatus } from '@polku/storage';
import { inject } from 'vitest';
import { leadingKeysEnforced } from './iam.ts';

export const ISSUER = 'https://polku.test';

/**
 * The scrypt cost of the secrets the harness makes (a sixteenth of Polku's): they guard nothing, and
 * at full cost they were about a tenth of the suite's CPU. Clients made through the API, and the
 * token endpoint's stand-in for a missing second secret, stay at full cost.
 */
const TEST_SECRET_COST = { N: 2 ** 10, r: 8, p: 1 };

export interface Harness {
  db: Db;
  config: AppConfig;
  app: ReturnType<typeof createApp>;
  client: DynamoDBClient;
  tableName: string;
  /** An operator's credentials (platform_admin), as configured in the platform secret. */
  operator: Credentials;
}

/** Tests say where a request comes from with this header; the runtime's address otherwise. */
export const SOURCE_ADDRESS_HEADER = 'x-test-source-address';

/** A valid business id no other test tenant has (random seven digits with their check digit). */
export function randomBusinessId(): string {
  for (;;) {
    const id = businessIdFrom(String(randomInt(0, 10_000_000)).padStart(7, '0'));
    if (id) return id;
  }
}

export async function createHarness(
  overrides: {
    now?: () => Date;
    maxBodyBytes?: number;
    tokenTtlSeconds?: number;
    statusCacheSeconds?: number;
    signupLimits?: SignupLimits;
    staffSignOn?: Partial<StaffSignOnSettings>;
    client?: DynamoDBClient;
    /** false: tenant requests share the platform's client (fault tests mock that one client). */
    scoped?: boolean;
  } = {},
): Promise<Harness> {
  const endpoint = inject('dynamoEndpoint');
  const client =
    overrides.client ??
    new DynamoDBClient({
      endpoint,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  const tableName = `test-${randomUUID()}`;
  await ensureTable(client, tableName);
  const db = createDb({ tableName, endpoint, client });
  // Tenant requests reach the table as IAM would let their scoped credentials in AWS (fault tests,
  // which hand in a mocked client, keep every request on it).
  const tenantDb =
    overrides.client || overrides.scoped === false ? undefined : leadingKeysEnforced(endpoint, tableName);
  const operator = { clientId: 'operator.test', clientSecret: `operator-${randomUUID()}` };
  const config = await createConfig({
    db,
    tenantDb,
    secrets: {
      ...(await generateSecrets()),
      operators: [
        { id: operator.clientId, secretHash: await hashSecret(operator.clientSecret, TEST_SECRET_COST) },
      ],
    },
    issuer: ISSUER,
    region: 'eu-north-1',
    sourceAddress: (c) => c.req.header(SOURCE_ADDRESS_HEADER),
    // DynamoDB Local's indexes show a write at once: an erasure's second pass need not wait at all
    // (it still runs, on the same code path).
    erasureSettleMs: 0,
    ...Object.fromEntries(Object.entries(overrides).filter(([name]) => name !== 'scoped')),
  });
  // The platform's Db as the app has it: with the data keys the config made from the secrets.
  return { db: config.platformDb, config, app: createApp(config), client, tableName, operator };
}

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

export interface TestTenant {
  id: string;
  credentials: Partial<Record<Role, Credentials>>;
  /** A token for the role, issued through POST /v1/oauth/token. */
  token(role: Role): Promise<string>;
  /** Calls the API as the role. */
  as(role: Role): Caller;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** A raw body sent as is. */
  raw?: string;
}

export type Caller = (method: string, path: string, options?: CallOptions) => Promise<TestResponse>;

export interface TestResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected field by field
  body: any;
}

export async function call(
  harness: Harness,
  token: string | undefined,
  method: string,
  path: string,
  options: CallOptions = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined || options.raw !== undefined) headers['Content-Type'] ??= 'application/json';
  const response = await harness.app.request(path, {
    method,
    headers,
    ...(options.raw !== undefined ? { body: options.raw } : {}),
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: response.status, headers: response.headers, body } as TestResponse;
}

export async function requestToken(harness: Harness, credentials: Credentials): Promise<TestResponse> {
  return call(harness, undefined, 'POST', '/v1/oauth/token', {
    raw: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
    }).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
}

export async function createTestTenant(
  harness: Harness,
  options: { status?: TenantStatus; partnerOrganisationId?: string; name?: string } = {},
): Promise<TestTenant> {
  const tenant = await createTenant(harness.db, {
    name: options.name ?? 'Test employment area',
    kind: 'employment-area',
    businessId: randomBusinessId(),
    region: 'eu-north-1',
    status: options.status ?? 'active',
  });
  const credentials: Partial<Record<Role, Credentials>> = {};
  const secret = `secret-${randomUUID()}`;
  const hash = await hashSecret(secret, TEST_SECRET_COST);
  for (const role of ['tenant_admin', 'coach', 'partner', 'analyst'] as const) {
    const client = await createClient(
      harness.db,
      tenant.id,
      {
        name: role,
        role,
        ...(role === 'partner' && options.partnerOrganisationId
          ? { organisationId: options.partnerOrganisationId }
          : {}),
      },
      hash,
    );
    credentials[role] = { clientId: client.clientId, clientSecret: secret };
  }
  const tokens = new Map<Role, string>();
  const token = async (role: Role) => {
    const cached = tokens.get(role);
    if (cached) return cached;
    const response = await requestToken(harness, credentials[role]!);
    if (response.status !== 200)
      throw new Error(`token for ${role}: ${response.status} ${JSON.stringify(response.body)}`);
    tokens.set(role, response.body.access_token);
    return response.body.access_token as string;
  };
  return {
    id: tenant.id,
    credentials,
    token,
    as: (role) => async (method, path, options) => call(harness, await token(role), method, path, options),
  };
}

/** Every item of the test's table. A Scan, which only tests use: to prove what was (not) written. */
export async function scanTable(harness: Harness): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await harness.db.doc.send(
      new ScanCommand({ TableName: harness.tableName, ExclusiveStartKey }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/** A clock tests move by hand. */
export function manualClock(start = new Date()) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
  };
}
