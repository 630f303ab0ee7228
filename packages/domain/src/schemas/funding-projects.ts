import * as z from 'zod';
import { IsoDate, resourceMeta, text } from './common.ts';

const fields = {
  code: z
    .string()
    .trim()
    .regex(/^[A-Z]{1,3}\d{3,8}$/, 'must be a project code such as S20168'),
  name: text(200),
  priorityAxis: text(200),
  specificObjective: text(300),
  fundingAuthority: text(200).optional(),
  periodStart: IsoDate,
  periodEnd: IsoDate,
};

const periodInOrder = (value: { periodStart?: string; periodEnd?: string }) =>
  value.periodStart === undefined || value.periodEnd === undefined || value.periodStart <= value.periodEnd;
const periodMessage = { message: 'periodEnd must not be before periodStart', path: ['periodEnd'] };

export const FundingProjectCreate = z
  .strictObject(fields)
  .refine(periodInOrder, periodMessage)
  .meta({ id: 'FundingProjectCreate' });
export const FundingProjectUpdate = z
  .strictObject(fields)
  .partial()
  .refine((value) => Object.keys(value).length > 0, 'give at least one field to change')
  .meta({ id: 'FundingProjectUpdate' });
export const FundingProject = z.object({ ...resourceMeta, ...fields }).meta({ id: 'FundingProject' });

export type FundingProjectCreate = z.infer<typeof FundingProjectCreate>;
export type FundingProject = z.infer<typeof FundingProject>;
export { periodInOrder };
