/**
 * API clients (OAuth client credentials). The public client id is `<tenantId>.<id>`, so the token
 * endpoint finds the client under its tenant's partition without any tenant-less index. A rotated
 * secret keeps working until its grace period ends; a revoked client gets no token.
 */
import type { Role } from '@polku/auth';
import { ConflictError, NotFoundError, type schemas } from '@polku/domain';
import { collections, keys } from '@polku/table';
import type { Db } from './db.ts';
import { getItem, type PageRequest, queryPage } from './read.ts';
import {
  assertVersion,
  newResource,
  recordsOf,
  repository,
  revised,
  type WriteOptions,
} from './repository.ts';
import { commit, type WriteOp } from './write.ts';

export type ApiClient = schemas.ApiClient & { role: Role };

const SECRET_HASH = 'secretHash';
const PREVIOUS_SECRET_HASH = 'previousSecretHash';

export const clients = repository<ApiClient>({
  name: 'client',
  entity: 'client',
  key: (tenantId, client) => keys.client(tenantId, client.clientId),
  privateAttributes: [SECRET_HASH, PREVIOUS_SECRET_HASH],
});

const CLIENT_ID = /^([0-9A-Z]{26})\.([0-9A-Z]{26})$/;

export function parseClientId(clientId: string): { tenantId: string; id: string } | undefined {
  const match = CLIENT_ID.exec(clientId);
  return match ? { tenantId: match[1]!, id: match[2]! } : undefined;
}

export function clientIdOf(tenantId: string, id: string): string {
  return `${tenantId}.${id}`;
}

type ClientFields = Pick<ApiClient, 'name' | 'role' | 'organisationId'>;

/** The write that creates a client, for committing with other writes (a tenant's first client). */
export function newClient(
  tenantId: string,
  fields: ClientFields,
  secretHash: string,
  options: { now?: Date | undefined; id?: string } = {},
): { client: ApiClient; op: WriteOp } {
  const base = newResource({ ...fields, status: 'active' as const }, options.now);
  const id = options.id ?? base.id;
  const client: ApiClient = { ...base, id, clientId: clientIdOf(tenantId, id) };
  return { client, op: clients.insert(tenantId, client, { [SECRET_HASH]: secretHash }) };
}

export async function createClient(
  db: Db,
  tenantId: string,
  fields: ClientFields,
  secretHash: string,
  options: WriteOptions & { id?: string } = {},
): Promise<ApiClient> {
  const { client, op } = newClient(tenantId, fields, secretHash, options);
  await commit(db, [op], recordsOf(options, client));
  return client;
}

export async function getClient(db: Db, tenantId: string, id: string): Promise<ApiClient> {
  const found = await clients.find(db, keys.client(tenantId, clientIdOf(tenantId, id)));
  if (!found) throw new NotFoundError(`client ${id} not found`);
  return found;
}

export async function listClients(db: Db, tenantId: string, page: PageRequest) {
  const { PK, prefix } = collections.clients(tenantId);
  const result = await queryPage(db, { partition: PK, prefix }, page);
  return { items: result.items.map(clients.fromItem), lastKey: result.lastKey };
}

/** A new secret; the old one keeps working for `graceSeconds`. */
export async function rotateClientSecret(
  db: Db,
  tenantId: string,
  id: string,
  newSecretHash: string,
  graceSeconds: number,
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<ApiClient> {
  const key = keys.client(tenantId, clientIdOf(tenantId, id));
  const item = await getItem(db, key);
  if (item?.entity !== 'client') throw new NotFoundError(`client ${id} not found`);
  const current = clients.fromItem(item);
  assertVersion('client', current, expectedVersion);
  if (current.status !== 'active') throw new ConflictError('client-revoked', `client ${id} is revoked`);
  const now = options.now ?? new Date();
  const next = revised(
    current,
    {
      secretRotatedAt: now.toISOString(),
      previousSecretExpiresAt: new Date(now.getTime() + graceSeconds * 1000).toISOString(),
    },
    now,
  );
  const extra = { [SECRET_HASH]: newSecretHash, [PREVIOUS_SECRET_HASH]: item[SECRET_HASH] };
  await commit(db, [clients.replace(tenantId, next, expectedVersion, extra)], recordsOf(options, next));
  return next;
}

export async function revokeClient(
  db: Db,
  tenantId: string,
  id: string,
  reason: string | undefined,
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<ApiClient> {
  const current = await getClient(db, tenantId, id);
  assertVersion('client', current, expectedVersion);
  if (current.status === 'revoked')
    throw new ConflictError('client-revoked', `client ${id} is already revoked`);
  const now = options.now ?? new Date();
  const { previousSecretExpiresAt: _, ...rest } = current;
  const next = revised(
    rest as ApiClient,
    { status: 'revoked', revokedAt: now.toISOString(), ...(reason ? { revokedReason: reason } : {}) },
    now,
  );
  // The secrets go with the revocation: nothing is left that could ever get a token.
  await commit(db, [clients.replace(tenantId, next, expectedVersion)], recordsOf(options, next));
  return next;
}

/** The client and the secret hashes that currently open it, for the token endpoint only. */
export async function findClientCredentials(
  db: Db,
  clientId: string,
  now = new Date(),
): Promise<{ client: ApiClient; tenantId: string; secretHashes: string[] } | undefined> {
  const parsed = parseClientId(clientId);
  if (!parsed) return undefined;
  const item = await getItem(db, keys.client(parsed.tenantId, clientId));
  if (item?.entity !== 'client') return undefined;
  const client = clients.fromItem(item);
  const secretHashes = item[SECRET_HASH] ? [String(item[SECRET_HASH])] : [];
  const graceEnds = client.previousSecretExpiresAt ? Date.parse(client.previousSecretExpiresAt) : 0;
  if (item[PREVIOUS_SECRET_HASH] && graceEnds > now.getTime())
    secretHashes.push(String(item[PREVIOUS_SECRET_HASH]));
  return { client, tenantId: parsed.tenantId, secretHashes };
}

/** The client of a token's subject, for the per-request status check. */
export function findClient(db: Db, clientId: string): Promise<ApiClient | undefined> {
  const parsed = parseClientId(clientId);
  if (!parsed) return Promise.resolve(undefined);
  return clients.find(db, keys.client(parsed.tenantId, clientId));
}
