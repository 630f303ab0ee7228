import * as z from 'zod';
import { TenantRole } from './clients.ts';
import { Id, resourceMeta, text } from './common.ts';

const HttpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(1000);

export const RoleMapping = z
  .strictObject({
    value: text(200).meta({
      description: 'A value of the role claim, e.g. a group name',
      example: 'polku-coaches',
    }),
    role: TenantRole,
    organisationId: Id.optional().meta({ description: 'For partner staff: their organisation' }),
  })
  .check((ctx) => {
    const { role, organisationId } = ctx.value;
    if ((role === 'partner') !== (organisationId !== undefined)) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['organisationId'],
        message: 'a partner mapping needs an organisation, and only a partner mapping has one',
      });
    }
  })
  .meta({ id: 'RoleMapping' });

const fields = {
  issuer: HttpUrl.meta({
    description: 'The `iss` of the tokens, exactly',
    example: 'https://login.joensuu.example',
  }),
  jwksUri: HttpUrl.meta({ example: 'https://login.joensuu.example/.well-known/jwks.json' }),
  audience: text(200).meta({ description: 'The `aud` the tokens must carry', example: 'polku' }),
  roleClaim: text(100)
    .regex(/^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/, 'must be a claim name, dotted for nested claims')
    .meta({ description: 'The claim that holds roles or groups; dotted for nested', example: 'groups' }),
  roleMappings: z
    .array(RoleMapping)
    .min(1)
    .max(50)
    .meta({ description: 'The first mapping whose value the claim holds gives the role' }),
};

export const IdentityProviderInput = z.strictObject(fields).meta({ id: 'IdentityProviderInput' });
export type IdentityProviderInput = z.infer<typeof IdentityProviderInput>;
export const IdentityProvider = z.object({ ...resourceMeta, ...fields }).meta({ id: 'IdentityProvider' });
export type IdentityProvider = z.infer<typeof IdentityProvider>;
