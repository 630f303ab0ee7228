/** Stored items: the entity's fields plus keys and bookkeeping that never leave this package. */
import { attributes, indexes } from '@polku/table';

const STORAGE_ONLY = new Set<string>([
  attributes.partitionKey,
  attributes.sortKey,
  attributes.ttl,
  ...Object.values(indexes).flatMap((index) => [index.partitionKey, index.sortKey]),
  'entity',
  'tenantId',
]);

export type Item = Record<string, unknown>;

/** The entity an item holds, without keys and without the named private attributes. */
export function entityOf<T>(item: Item, privateAttributes: readonly string[] = []): T {
  const entity: Item = {};
  for (const [name, value] of Object.entries(item)) {
    if (!STORAGE_ONLY.has(name) && !privateAttributes.includes(name)) entity[name] = value;
  }
  return entity as T;
}
