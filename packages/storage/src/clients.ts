/**
 * API clients (OAuth client credentials). The public client id is `<tenantId>.<id>`, so the token
 * endpoint finds the client under its tenant's partition without any tenant-less index.
 */
import type { Role } from '@polku/auth';
import { keys } from '@polku/table';
import type { Db } from './db.ts';
import { getItem } from './read.ts';
import { newResource, type Resource, repository, type WriteOptions } from './repository.ts';
import { commit } from './write.ts';

export interface ApiClient extends Resource {
  clientId: string;
  name: string;
  role: Role;
  organisationId?: string | undefined;
  status: 'active' | 'revoked';
}

const SECRET_HASH = 'secretHash';

export const clients = repository<ApiClient>({
  name: 'client',
  entity: 'client',
  key: (tenantId, client) => keys.client(tenantId, client.clientId),
  privateAttributes: [SECRET_HASH],
});

export function parseClientId(clientId: string): { tenantId: string } | undefined {
  const match = /^([0-9A-Z]{26})\.([0-9A-Z]{26})$/.exec(clientId);
  return match ? { tenantId: match[1]! } : undefined;
}

export async function createClient(
  db: Db,
  tenantId: string,
  fields: { name: string; role: Role; organisationId?: string | undefined },
  secretHash: string,
  options: WriteOptions & { id?: string } = {},
): Promise<ApiClient> {
  const base = newResource({ ...fields, status: 'active' as const }, options.now);
  const id = options.id ?? base.id;
  const client: ApiClient = { ...base, id, clientId: `${tenantId}.${id}` };
  await commit(db, [clients.insert(tenantId, client, { [SECRET_HASH]: secretHash })]);
  return client;
}

/** The client and its secret hash, for the token endpoint only. */
export async function findClientCredentials(
  db: Db,
  clientId: string,
): Promise<{ client: ApiClient; tenantId: string; secretHash: string } | undefined> {
  const parsed = parseClientId(clientId);
  if (!parsed) return undefined;
  const item = await getItem(db, keys.client(parsed.tenantId, clientId));
  if (item?.entity !== 'client') return undefined;
  return { client: clients.fromItem(item), tenantId: parsed.tenantId, secretHash: String(item[SECRET_HASH]) };
}
