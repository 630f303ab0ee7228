/**
 * Resources that live in the tenant's own partition and are few per tenant (organisations,
 * funding projects, programmes): create, read, list in id order, update at a version.
 */
import type { Key } from '@polku/table';
import type { Db } from './db.ts';
import type { Item } from './item.ts';
import { type PageRequest, queryPage } from './read.ts';
import {
  assertVersion,
  newResource,
  type RepositorySpec,
  type Resource,
  recordsOf,
  repository,
  revised,
  type WriteOptions,
} from './repository.ts';
import { commit } from './write.ts';

export interface RootResourceSpec<T extends Resource> extends Omit<RepositorySpec<T>, 'key'> {
  keyOf: (tenantId: string, id: string) => Key;
  collection: (tenantId: string) => { PK: string; prefix: string };
}

export function rootResource<T extends Resource>(spec: RootResourceSpec<T>) {
  const repo = repository<T>({ ...spec, key: (tenantId, resource) => spec.keyOf(tenantId, resource.id) });
  return {
    ...repo,
    get(db: Db, tenantId: string, id: string): Promise<T> {
      return repo.load(db, spec.keyOf(tenantId, id), id);
    },
    async create(
      db: Db,
      tenantId: string,
      fields: Omit<T, keyof Resource>,
      options: WriteOptions = {},
    ): Promise<T> {
      const resource = newResource(fields, options.now) as T;
      await commit(db, [repo.insert(tenantId, resource)], recordsOf(options, resource));
      return resource;
    },
    async list(
      db: Db,
      tenantId: string,
      page: PageRequest,
    ): Promise<{ items: T[]; lastKey: Item | undefined }> {
      const { PK, prefix } = spec.collection(tenantId);
      const result = await queryPage(db, { partition: PK, prefix }, page);
      return { items: result.items.map(repo.fromItem), lastKey: result.lastKey };
    },
    async update(
      db: Db,
      tenantId: string,
      id: string,
      patch: Partial<T>,
      expectedVersion: number,
      options: WriteOptions = {},
    ): Promise<T> {
      const current = await repo.load(db, spec.keyOf(tenantId, id), id);
      assertVersion(spec.name, current, expectedVersion);
      const next = revised(current, patch, options.now);
      await commit(db, [repo.replace(tenantId, next, expectedVersion)], recordsOf(options, next));
      return next;
    },
  };
}
