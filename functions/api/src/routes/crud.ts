/**
 * The four routes of a simple tenant-level resource (list, create, read, update), for resources
 * whose create and update need nothing beyond their schema.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Permission } from '@polku/auth';
import { schemas } from '@polku/domain';
import type { Db, Item, PageRequest, Resource, WriteOptions } from '@polku/storage';
import type * as z from 'zod';
import type { AppEnv } from '../http/env.ts';
import { expectedVersion } from '../http/etag.ts';
import { pageOf, pageRequest } from '../http/paging.ts';
import { responder, sendResource } from '../http/respond.ts';
import { json, jsonBody, route } from '../http/route.ts';

interface Store<T extends Resource> {
  list(db: Db, tenantId: string, page: PageRequest): Promise<{ items: T[]; lastKey: Item | undefined }>;
  get(db: Db, tenantId: string, id: string): Promise<T>;
  create(db: Db, tenantId: string, fields: never, options: WriteOptions): Promise<T>;
  update(
    db: Db,
    tenantId: string,
    id: string,
    patch: never,
    expectedVersion: number,
    options: WriteOptions,
  ): Promise<T>;
}

export interface CrudSpec<T extends Resource> {
  path: `/v1/${string}`;
  tag: string;
  noun: string;
  read: Permission;
  write: Permission;
  schema: z.ZodType;
  create: z.ZodType;
  update: z.ZodType;
  store: Store<T>;
}

export function registerCrud<T extends Resource>(app: OpenAPIHono<AppEnv>, spec: CrudSpec<T>) {
  const { path, tag, noun, read, write, schema, store } = spec;
  const itemPath = `${path}/{id}` as const;
  const location = (resource: T) => `${path}/${resource.id}`;
  const pageName = `${tag.replaceAll(' ', '')}Page`;

  app.openapi(
    route({
      method: 'get',
      path,
      tag,
      permission: read,
      summary: `List ${tag.toLowerCase()}`,
      request: { query: schemas.ListQuery },
      responses: { 200: json(schemas.page(schema, pageName), `A page of ${tag.toLowerCase()}`) },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const result = await store.list(c.var.config.db, c.var.principal.tenantId, pageRequest(c, query));
      return c.json(pageOf(c, result), 200);
    },
  );

  app.openapi(
    route({
      method: 'post',
      path,
      tag,
      permission: write,
      summary: `Create ${noun}`,
      request: { body: jsonBody(spec.create) },
      responses: { 201: json(schema, 'Created') },
    }),
    async (c) => {
      const reply = responder(c, 201, location);
      const fields = c.req.valid('json') as never;
      return reply.send(await store.create(c.var.config.db, c.var.principal.tenantId, fields, reply.options));
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: itemPath,
      tag,
      permission: read,
      summary: `One ${noun}`,
      request: { params: schemas.IdParam },
      responses: { 200: json(schema, `The ${noun}, with its ETag`) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return sendResource(await store.get(c.var.config.db, c.var.principal.tenantId, id));
    },
  );

  app.openapi(
    route({
      method: 'patch',
      path: itemPath,
      tag,
      permission: write,
      ifMatch: true,
      summary: `Change ${noun}`,
      request: { params: schemas.IdParam, body: jsonBody(spec.update) },
      responses: { 200: json(schema, 'Changed') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const reply = responder(c, 200);
      const patch = c.req.valid('json') as never;
      const { db } = c.var.config;
      const updated = await store.update(
        db,
        c.var.principal.tenantId,
        id,
        patch,
        expectedVersion(c),
        reply.options,
      );
      return reply.send(updated);
    },
  );
}
