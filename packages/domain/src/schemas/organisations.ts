import * as z from 'zod';
import { isValidBusinessId } from '../business-id.ts';
import { Email, Phone, resourceMeta, text } from './common.ts';

export const ORGANISATION_KINDS = [
  'employment-services',
  'one-stop-guidance-centre',
  'youth-services',
  'social-services',
  'education-provider',
  'foundation',
  'ngo',
  'rehabilitative-work-provider',
  'employer',
  'ely-centre',
  'other',
] as const;

export const BusinessId = z
  .string()
  .trim()
  .refine(isValidBusinessId, 'must be a Finnish business ID (1234567-8) with a valid check digit');

const fields = {
  name: text(200),
  kind: z.enum(ORGANISATION_KINDS),
  businessId: BusinessId.optional(),
  municipality: text(100).optional(),
  contactEmail: Email.optional(),
  contactPhone: Phone.optional(),
};

export const OrganisationCreate = z.strictObject(fields).meta({ id: 'OrganisationCreate' });
export const OrganisationUpdate = z
  .strictObject(fields)
  .partial()
  .refine((value) => Object.keys(value).length > 0, 'give at least one field to change')
  .meta({ id: 'OrganisationUpdate' });
export const Organisation = z.object({ ...resourceMeta, ...fields }).meta({ id: 'Organisation' });

export type OrganisationCreate = z.infer<typeof OrganisationCreate>;
export type Organisation = z.infer<typeof Organisation>;
