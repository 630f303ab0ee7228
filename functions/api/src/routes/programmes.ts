import type { OpenAPIHono } from '@hono/zod-openapi';
import { findTemplate, SESSION_KINDS, schemas, ValidationError } from '@polku/domain';
import {
  createGroup,
  fundingProjects,
  getGroup,
  listGroups,
  organisations,
  type Programme,
  programmes,
  updateGroup,
} from '@polku/storage';
import * as z from 'zod';
import type { AppEnv } from '../http/env.ts';
import { expectedVersion } from '../http/etag.ts';
import { pageOf, pageRequest } from '../http/paging.ts';
import { referenced } from '../http/references.ts';
import { responder, sendResource } from '../http/respond.ts';
import { json, jsonBody, route } from '../http/route.ts';
import { registerCrud } from './crud.ts';

type ProgrammeCreate = z.infer<typeof schemas.ProgrammeCreate>;
type ProgrammeUpdate = z.infer<typeof schemas.ProgrammeUpdate>;

const GroupParams = z.object({
  id: schemas.Id.meta({ param: { name: 'id', in: 'path' }, description: 'The programme' }),
  groupId: schemas.Id.meta({ param: { name: 'groupId', in: 'path' } }),
});

export function registerProgrammes(app: OpenAPIHono<AppEnv>) {
  registerCrud<Programme>(app, {
    path: '/v1/programmes',
    tag: 'Programmes',
    noun: 'a programme (from a template or custom)',
    read: 'programmes:read',
    write: 'programmes:write',
    schema: schemas.Programme,
    create: schemas.ProgrammeCreate,
    update: schemas.ProgrammeUpdate,
    store: {
      ...programmes,
      async create(db, tenantId, fields, options) {
        const input = fields as ProgrammeCreate;
        const template = input.templateId ? findTemplate(input.templateId) : undefined;
        await referenced('organisationId', organisations.get(db, tenantId, input.organisationId));
        if (input.fundingProjectId) {
          await referenced('fundingProjectId', fundingProjects.get(db, tenantId, input.fundingProjectId));
        }
        const description = input.description ?? template?.summary;
        return programmes.create(
          db,
          tenantId,
          {
            templateId: template?.id ?? null,
            name: input.name ?? template?.name ?? '',
            ...(description ? { description } : {}),
            organisationId: input.organisationId,
            fundingProjectId: input.fundingProjectId ?? null,
            ...(input.startDate ? { startDate: input.startDate } : {}),
            ...(input.endDate ? { endDate: input.endDate } : {}),
            groupCapacity: input.groupCapacity ?? template?.defaults.groupCapacity ?? null,
            sessionKinds: template?.defaults.sessionKinds ?? [...SESSION_KINDS],
            schedule: template?.defaults.schedule ?? [],
          },
          options,
        );
      },
      async update(db, tenantId, id, patch, expected, options) {
        const change = patch as ProgrammeUpdate;
        const current = await programmes.get(db, tenantId, id);
        const startDate = change.startDate ?? current.startDate;
        const endDate = change.endDate ?? current.endDate;
        if (startDate && endDate && endDate < startDate) {
          throw new ValidationError('the programme would end before it starts', [
            { field: 'body.endDate', message: 'endDate must not be before startDate' },
          ]);
        }
        if (change.fundingProjectId) {
          await referenced('fundingProjectId', fundingProjects.get(db, tenantId, change.fundingProjectId));
        }
        return programmes.update(db, tenantId, id, change as Partial<Programme>, expected, options);
      },
    },
  });

  const tag = 'Groups';
  app.openapi(
    route({
      method: 'get',
      path: '/v1/programmes/{id}/groups',
      tag,
      permission: 'groups:read',
      summary: "A programme's groups",
      request: { params: schemas.IdParam, query: schemas.ListQuery },
      responses: { 200: json(schemas.page(schemas.Group, 'GroupPage'), 'A page of groups') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      await programmes.get(db, tenantId, id);
      const result = await listGroups(
        db,
        tenantId,
        id,
        pageRequest(c, c.req.valid('query'), { programmeId: id }),
      );
      return c.json(pageOf(c, result, { programmeId: id }), 200);
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/programmes/{id}/groups',
      tag,
      permission: 'groups:write',
      summary: 'Create a group',
      description: "Capacity defaults to the programme's group capacity (4 in the small-group model).",
      request: { params: schemas.IdParam, body: jsonBody(schemas.GroupCreate) },
      responses: { 201: json(schemas.Group, 'Created') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const input = c.req.valid('json');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      const programme = await programmes.get(db, tenantId, id);
      const capacity = input.capacity ?? programme.groupCapacity;
      if (capacity === null) {
        throw new ValidationError('this programme has no default group capacity', [
          { field: 'body.capacity', message: 'give the capacity of the group' },
        ]);
      }
      const reply = responder(c, 201, (group: { id: string }) => `/v1/programmes/${id}/groups/${group.id}`);
      const group = await createGroup(
        db,
        tenantId,
        { ...input, programmeId: id, capacity, meetingDays: input.meetingDays ?? [] },
        reply.options,
      );
      return reply.send(group);
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/programmes/{id}/groups/{groupId}',
      tag,
      permission: 'groups:read',
      summary: 'One group',
      request: { params: GroupParams },
      responses: { 200: json(schemas.Group, 'The group, with its ETag') },
    }),
    async (c) => {
      const { id, groupId } = c.req.valid('param');
      return sendResource(await getGroup(c.var.config.db, c.var.principal.tenantId, id, groupId));
    },
  );

  app.openapi(
    route({
      method: 'patch',
      path: '/v1/programmes/{id}/groups/{groupId}',
      tag,
      permission: 'groups:write',
      ifMatch: true,
      summary: 'Change a group (e.g. raise its capacity)',
      request: { params: GroupParams, body: jsonBody(schemas.GroupUpdate) },
      responses: { 200: json(schemas.Group, 'Changed') },
    }),
    async (c) => {
      const { id, groupId } = c.req.valid('param');
      const reply = responder(c, 200);
      const { db } = c.var.config;
      const group = await updateGroup(
        db,
        c.var.principal.tenantId,
        id,
        groupId,
        c.req.valid('json'),
        expectedVersion(c),
        reply.options,
      );
      return reply.send(group);
    },
  );
}
