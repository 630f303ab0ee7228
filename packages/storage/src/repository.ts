/**
 * What every stored resource shares: id, version, timestamps; reading one by key (404 when absent,
 * indistinguishable across tenants since the tenant is in the key); and the conditional put that
 * creates it or replaces it at an expected version (412 when stale).
 */
import { NotFoundError, newId, PreconditionFailedError } from '@polku/domain';
import type { Key } from '@polku/table';
import { IDEMPOTENCY_RECORD } from './audit.ts';
import type { Db } from './db.ts';
import type { IdempotencyRecorder } from './idempotency.ts';
import { entityOf, type Item } from './item.ts';
import { getItem } from './read.ts';
import { conditions, type SideRecords, type WriteOp } from './write.ts';

export type Resource = {
  id: string;
  version: number;
  createdAt: string;
  updatedAt: string;
};

export interface WriteOptions {
  now?: Date | undefined;
  /** Makes the write exactly-once for an Idempotency-Key. */
  idempotency?: IdempotencyRecorder | undefined;
  /** The audit events of the write, from what it wrote; committed with it. */
  audit?: ((result: unknown) => Item[]) | undefined;
}

/** The side records a write commits with its own items. */
export function recordsOf(options: WriteOptions, result: unknown): SideRecords {
  const idempotency = options.idempotency?.(result);
  const audit = options.audit?.(result);
  if (!idempotency || !audit) return { audit, idempotency };
  // The stored response names the people the write touched: their erasure must find it.
  return { audit: audit.map((item) => ({ ...item, [IDEMPOTENCY_RECORD]: idempotency.PK })), idempotency };
}

export function newResource<T extends object>(fields: T, now: Date = new Date()): T & Resource {
  const at = now.toISOString();
  return { id: newId(now.getTime()), version: 1, createdAt: at, updatedAt: at, ...fields };
}

/** The next version of a resource with a patch applied (undefined fields are left as they are). */
export function revised<T extends Resource>(current: T, patch: Partial<T>, now: Date = new Date()): T {
  const next: Item = { ...current };
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    next[name] = value;
  }
  return { ...(next as T), version: current.version + 1, updatedAt: now.toISOString() };
}

export interface RepositorySpec<T extends Resource> {
  /** Used in messages: "organisation 01J… not found". */
  name: string;
  entity: string;
  key: (tenantId: string, resource: T) => Key;
  indexKeys?: (tenantId: string, resource: T) => Record<string, string>;
  /** Stored attributes that never leave storage (e.g. a keyed hash). */
  privateAttributes?: readonly string[];
}

export interface Repository<T extends Resource> {
  readonly spec: RepositorySpec<T>;
  item(tenantId: string, resource: T, extra?: Item): Item;
  fromItem(item: Item): T;
  find(db: Db, key: Key): Promise<T | undefined>;
  /** The resource, or NotFoundError. */
  load(db: Db, key: Key, id: string): Promise<T>;
  insert(tenantId: string, resource: T, extra?: Item): WriteOp;
  replace(tenantId: string, resource: T, expectedVersion: number, extra?: Item): WriteOp;
}

export function repository<T extends Resource>(spec: RepositorySpec<T>): Repository<T> {
  const item = (tenantId: string, resource: T, extra: Item = {}): Item => ({
    ...resource,
    ...extra,
    ...spec.key(tenantId, resource),
    ...spec.indexKeys?.(tenantId, resource),
    entity: spec.entity,
    tenantId,
  });
  const fromItem = (stored: Item) => entityOf<T>(stored, spec.privateAttributes);
  return {
    spec,
    item,
    fromItem,
    async find(db, key) {
      const stored = await getItem(db, key);
      return stored && stored.entity === spec.entity ? fromItem(stored) : undefined;
    },
    async load(db, key, id) {
      const found = await this.find(db, key);
      if (!found) throw new NotFoundError(`${spec.name} ${id} not found`);
      return found;
    },
    insert(tenantId, resource, extra) {
      return { kind: 'put', item: item(tenantId, resource, extra), condition: conditions.absent() };
    },
    replace(tenantId, resource, expectedVersion, extra) {
      return {
        kind: 'put',
        item: item(tenantId, resource, extra),
        condition: conditions.version(expectedVersion),
        onConflict: () => stale(spec.name, resource.id),
      };
    },
  };
}

export function stale(name: string, id: string): PreconditionFailedError {
  return new PreconditionFailedError(`${name} ${id} was changed by another request; read it again`);
}

/** Refuses a write based on an old read (If-Match). */
export function assertVersion(name: string, resource: Resource, expectedVersion: number): void {
  if (resource.version !== expectedVersion) throw stale(name, resource.id);
}
