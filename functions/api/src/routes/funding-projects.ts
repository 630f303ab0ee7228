import type { OpenAPIHono } from '@hono/zod-openapi';
import { schemas, ValidationError } from '@polku/domain';
import { type FundingProject, fundingProjects } from '@polku/storage';
import type { AppEnv } from '../http/env.ts';
import { registerCrud } from './crud.ts';

export function registerFundingProjects(app: OpenAPIHono<AppEnv>) {
  registerCrud<FundingProject>(app, {
    path: '/v1/funding-projects',
    tag: 'Funding projects',
    noun: 'a funding project',
    read: 'funding-projects:read',
    write: 'funding-projects:write',
    schema: schemas.FundingProject,
    create: schemas.FundingProjectCreate,
    update: schemas.FundingProjectUpdate,
    store: {
      ...fundingProjects,
      // A patch may move one end of the period past the other: check the result, not the patch.
      async update(db, tenantId, id, patch, expected, options) {
        const current = await fundingProjects.get(db, tenantId, id);
        const merged = { ...current, ...(patch as Partial<FundingProject>) };
        if (!schemas.periodInOrder(merged)) {
          throw new ValidationError('the period would end before it starts', [
            { field: 'body.periodEnd', message: 'periodEnd must not be before periodStart' },
          ]);
        }
        return fundingProjects.update(db, tenantId, id, patch, expected, options);
      },
    },
  });
}
