import { keys } from '@polku/table';
import type { Db } from './db.ts';
import { newResource, type Resource, repository, type WriteOptions } from './repository.ts';
import { commit } from './write.ts';

export const TENANT_KINDS = ['municipality', 'employment-area', 'ely-centre'] as const;
export type TenantStatus = 'pending' | 'active' | 'suspended';

export interface Tenant extends Resource {
  name: string;
  kind: (typeof TENANT_KINDS)[number];
  businessId: string;
  region: string;
  status: TenantStatus;
}

export const tenants = repository<Tenant>({
  name: 'tenant',
  entity: 'tenant',
  key: (_tenantId, tenant) => keys.tenant(tenant.id),
});

export async function createTenant(
  db: Db,
  fields: Omit<Tenant, keyof Resource>,
  options: WriteOptions & { id?: string } = {},
): Promise<Tenant> {
  const tenant = { ...newResource(fields, options.now), ...(options.id ? { id: options.id } : {}) };
  await commit(db, [tenants.insert(tenant.id, tenant)]);
  return tenant;
}

export function findTenant(db: Db, tenantId: string): Promise<Tenant | undefined> {
  return tenants.find(db, keys.tenant(tenantId));
}
