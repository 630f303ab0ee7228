import type { OpenAPIHono } from '@hono/zod-openapi';
import { findTemplate, NotFoundError, PROGRAMME_TEMPLATES, schemas } from '@polku/domain';
import * as z from 'zod';
import type { AppEnv } from '../http/env.ts';
import { json, route } from '../http/route.ts';

const tag = 'Programme templates';

export function registerTemplates(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route({
      method: 'get',
      path: '/v1/programme-templates',
      tag,
      permission: 'programme-templates:read',
      summary: 'The five seed models, read-only',
      responses: {
        200: json(z.object({ items: z.array(schemas.ProgrammeTemplate) }), 'Every template'),
      },
    }),
    (c) => c.json({ items: [...PROGRAMME_TEMPLATES] }, 200),
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/programme-templates/{templateId}',
      tag,
      permission: 'programme-templates:read',
      summary: 'One template',
      request: { params: z.object({ templateId: z.string().max(64) }) },
      responses: { 200: json(schemas.ProgrammeTemplate, 'The template') },
    }),
    (c) => {
      const { templateId } = c.req.valid('param');
      const template = findTemplate(templateId);
      if (!template) throw new NotFoundError(`no programme template ${templateId}`);
      return c.json(template, 200);
    },
  );
}
