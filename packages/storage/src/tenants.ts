/**
 * Tenants: metadata only (the tenant's data lives under its own key prefix). Each tenant is listed
 * for operators by status and overall, and guarded so one business id signs up once.
 */
import {
  ConflictError,
  schemas,
  type TenantAction,
  type TenantStatus,
  tenantStatusAfter,
} from '@polku/domain';
import { indexKeys, keys } from '@polku/table';
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
import { commit, conditions, type WriteOp } from './write.ts';

export type { TenantStatus };
export type Tenant = schemas.TenantRecord;
export const TENANT_KINDS = schemas.TENANT_KINDS;

/** Operators' reasons are kept; a tenant's history is short, so it lives in the tenant item. */
const MAX_HISTORY = 200;

export const tenants = repository<Tenant>({
  name: 'tenant',
  entity: 'tenant',
  key: (_tenantId, tenant) => keys.tenant(tenant.id),
  indexKeys: (_tenantId, tenant) => indexKeys.tenantListing(tenant.status, tenant.id),
});

class BusinessIdTaken extends Error {}

export function businessIdTakenError(businessId: string): ConflictError {
  return new ConflictError('business-id-taken', `business id ${businessId} has already signed up`);
}

/**
 * A new tenant with its business-id guard and whatever else must exist with it (the first API
 * client), in one transaction. A business id that already has a tenant → 409.
 */
export async function createTenant(
  db: Db,
  fields: Omit<Tenant, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'history'>,
  options: WriteOptions & { id?: string; by?: string; with?: (tenantId: string) => WriteOp[] } = {},
): Promise<Tenant> {
  const base = newResource(fields, options.now);
  const id = options.id ?? base.id;
  const tenant: Tenant = {
    ...base,
    id,
    history: [{ at: base.createdAt, action: 'signup', status: fields.status, by: options.by ?? 'signup' }],
  };
  const guard: WriteOp = {
    kind: 'put',
    item: { ...keys.businessId(tenant.businessId), entity: 'business-id', tenantId: id },
    condition: conditions.absent(),
    onConflict: () => new BusinessIdTaken(),
  };
  try {
    await commit(db, [tenants.insert(id, tenant), guard, ...(options.with?.(id) ?? [])]);
  } catch (error) {
    if (!(error instanceof BusinessIdTaken)) throw error;
    throw businessIdTakenError(tenant.businessId);
  }
  return tenant;
}

/** 409 when a tenant already holds this business id (a pending, active or suspended one). */
export async function assertBusinessIdFree(db: Db, businessId: string): Promise<void> {
  if (await getItem(db, keys.businessId(businessId))) throw businessIdTakenError(businessId);
}

export function findTenant(db: Db, tenantId: string): Promise<Tenant | undefined> {
  return tenants.find(db, keys.tenant(tenantId));
}

export function getTenant(db: Db, tenantId: string): Promise<Tenant> {
  return tenants.load(db, keys.tenant(tenantId), tenantId);
}

/** Tenants newest first, all or of one status: one index query either way. */
export async function listTenants(db: Db, status: TenantStatus | undefined, page: PageRequest) {
  const result = await queryPage(
    db,
    { index: status ? 'gsi1' : 'gsi2', partition: indexKeys.tenantsPartition(status), newestFirst: true },
    page,
  );
  return { items: result.items.map(tenants.fromItem), lastKey: result.lastKey };
}

/** An operator's action on a tenant, with the reason kept in its history. */
export async function changeTenantStatus(
  db: Db,
  tenantId: string,
  change: { action: TenantAction; reason: string; by: string },
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<Tenant> {
  const current = await getTenant(db, tenantId);
  assertVersion('tenant', current, expectedVersion);
  const status = tenantStatusAfter(current.status, change.action);
  const now = options.now ?? new Date();
  const entry = {
    at: now.toISOString(),
    action: change.action,
    status,
    reason: change.reason,
    by: change.by,
  };
  const next = revised(current, { status, history: [...current.history, entry].slice(-MAX_HISTORY) }, now);
  const ops: WriteOp[] = [tenants.replace(tenantId, next, expectedVersion)];
  if (status === 'rejected') {
    // A rejected signup gives its business id back: the real organisation can then sign up.
    ops.push({
      kind: 'delete',
      key: keys.businessId(current.businessId),
      condition: { expression: 'tenantId = :tenantId', values: { ':tenantId': tenantId } },
    });
  }
  await commit(db, ops, recordsOf(options, next));
  return next;
}

/** A tenant admin's change of the tenant's settings (small-count threshold, retention). */
export async function changeTenantSettings(
  db: Db,
  tenantId: string,
  settings: { smallCountThreshold?: number | undefined; retentionYears?: number | undefined },
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<Tenant> {
  const current = await getTenant(db, tenantId);
  assertVersion('tenant', current, expectedVersion);
  const next = revised(current, settings, options.now ?? new Date());
  await commit(db, [tenants.replace(tenantId, next, expectedVersion)], recordsOf(options, next));
  return next;
}
