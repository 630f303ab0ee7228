import * as z from 'zod';
import { TENANT_ACTIONS, TENANT_STATUSES } from '../tenant-status.ts';
import { Email, ListQuery, resourceMeta, Timestamp, text } from './common.ts';
import { BusinessId } from './organisations.ts';

export const TENANT_KINDS = ['municipality', 'employment-area', 'ely-centre'] as const;
export const TenantStatus = z.enum(TENANT_STATUSES);

export const SignupRequest = z
  .strictObject({
    name: text(200).meta({ example: 'City of Joensuu' }),
    kind: z.enum(TENANT_KINDS),
    businessId: BusinessId.meta({ example: '0201256-6' }),
    contactEmail: Email.meta({ example: 'tyollisyys@joensuu.example' }),
  })
  .meta({ id: 'SignupRequest' });
export type SignupRequest = z.infer<typeof SignupRequest>;

export const TenantStatusChange = z
  .object({
    at: Timestamp,
    action: z.enum(['signup', ...(Object.keys(TENANT_ACTIONS) as (keyof typeof TENANT_ACTIONS)[])]),
    status: TenantStatus,
    reason: z.string().optional(),
    by: z.string().meta({ description: 'The operator, or `signup`' }),
  })
  .meta({ id: 'TenantStatusChange' });
export type TenantStatusChange = z.infer<typeof TenantStatusChange>;

/** What operators see of a tenant: metadata and history, never anything inside it. */
export const TenantRecord = z
  .object({
    ...resourceMeta,
    name: z.string(),
    kind: z.enum(TENANT_KINDS),
    businessId: z.string(),
    contactEmail: z.string().optional(),
    region: z.string(),
    status: TenantStatus,
    history: z.array(TenantStatusChange),
    smallCountThreshold: z
      .number()
      .int()
      .optional()
      .meta({ description: 'k of small-count suppression; 5 when not set.' }),
    retentionYears: z
      .number()
      .int()
      .optional()
      .meta({ description: 'Years a person is kept after their last activity; 5 when not set.' }),
  })
  .meta({ id: 'TenantRecord' });
export type TenantRecord = z.infer<typeof TenantRecord>;

export const TenantListQuery = ListQuery.extend({ status: TenantStatus.optional() });

export const TenantStatusChangeRequest = z
  .strictObject({ reason: text(500).meta({ example: 'Contract signed 2026-11-20' }) })
  .meta({ id: 'TenantStatusChangeRequest' });
