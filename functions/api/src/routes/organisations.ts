import type { OpenAPIHono } from '@hono/zod-openapi';
import { schemas } from '@polku/domain';
import { organisations } from '@polku/storage';
import type { AppEnv } from '../http/env.ts';
import { registerCrud } from './crud.ts';

export function registerOrganisations(app: OpenAPIHono<AppEnv>) {
  registerCrud(app, {
    path: '/v1/organisations',
    tag: 'Organisations',
    noun: 'an organisation',
    read: 'organisations:read',
    write: 'organisations:write',
    schema: schemas.Organisation,
    create: schemas.OrganisationCreate,
    update: schemas.OrganisationUpdate,
    store: organisations,
  });
}
