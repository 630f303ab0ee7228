import * as z from 'zod';
import { Id, resourceMeta, Timestamp, text } from './common.ts';

/** Roles a tenant can give its API clients and staff: every role but the platform's own. */
export const TENANT_ROLES = ['tenant_admin', 'coach', 'partner', 'analyst'] as const;
export const TenantRole = z.enum(TENANT_ROLES);

/** A partner acts for exactly one organisation; no other role is tied to one. */
const organisationMatchesRole = <T extends { role: string; organisationId?: string | undefined }>(
  schema: z.ZodType<T>,
) =>
  schema.check((ctx) => {
    const { role, organisationId } = ctx.value;
    if (role === 'partner' && !organisationId) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['organisationId'],
        message: 'a partner needs its organisation',
      });
    }
    if (role !== 'partner' && organisationId) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['organisationId'],
        message: 'only partners belong to an organisation',
      });
    }
  });

export const ClientCreate = organisationMatchesRole(
  z.strictObject({
    name: text(100).meta({ example: 'KASKI case system' }),
    role: TenantRole,
    organisationId: Id.optional(),
  }),
).meta({ id: 'ClientCreate' });
export type ClientCreate = z.infer<typeof ClientCreate>;

export const ApiClient = z
  .object({
    ...resourceMeta,
    clientId: z.string().meta({ description: 'The OAuth client_id: `<tenant id>.<id>`' }),
    name: z.string(),
    role: TenantRole,
    organisationId: Id.optional(),
    status: z.enum(['active', 'revoked']),
    secretRotatedAt: Timestamp.optional(),
    previousSecretExpiresAt: Timestamp.optional().meta({
      description: 'Until then the secret before the last rotation also works',
    }),
    revokedAt: Timestamp.optional(),
    revokedReason: z.string().optional(),
  })
  .meta({ id: 'ApiClient' });
export type ApiClient = z.infer<typeof ApiClient>;

export const ClientWithSecret = ApiClient.extend({
  clientSecret: z
    .string()
    .optional()
    .meta({
      description:
        'Shown once, in this response only; Polku keeps a hash. Absent when the response is an ' +
        'idempotent replay: rotate the secret to get a new one.',
    }),
}).meta({ id: 'ClientWithSecret' });

export const DEFAULT_SECRET_GRACE_SECONDS = 24 * 3600;
export const MAX_SECRET_GRACE_SECONDS = 7 * 24 * 3600;

export const RotateSecretRequest = z
  .strictObject({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_SECRET_GRACE_SECONDS)
      .optional()
      .meta({
        description: `How long the old secret keeps working; default ${DEFAULT_SECRET_GRACE_SECONDS} (24 h), at most 7 days`,
      }),
  })
  .meta({ id: 'RotateSecretRequest' });

export const RevokeClientRequest = z
  .strictObject({ reason: text(500).optional() })
  .meta({ id: 'RevokeClientRequest' });
