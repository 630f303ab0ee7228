import * as z from 'zod';
import { WEEKDAYS } from '../schedule.ts';
import { PROGRAMME_TEMPLATES, SERVICE_KINDS, SESSION_KINDS } from '../templates.ts';
import { Id, IsoDate, resourceMeta, text } from './common.ts';

export const Weekday = z.enum(WEEKDAYS);
export const SessionKind = z.enum(SESSION_KINDS);
const TemplateId = z.enum(PROGRAMME_TEMPLATES.map((template) => template.id) as [string, ...string[]]);

export const SchedulePhase = z
  .strictObject({
    frequency: z.enum(['daily', 'weekly']),
    interval: z.number().int().min(1).max(52).default(1),
    days: z.array(Weekday).min(1).max(7).optional(),
    count: z.number().int().min(1).max(99).optional(),
    until: IsoDate.optional(),
  })
  .refine((phase) => phase.count !== undefined || phase.until !== undefined, {
    message: 'give a count or an end date (until)',
  })
  .meta({ id: 'SchedulePhase' });

export const TemplatePhase = z.object({
  kind: SessionKind,
  frequency: z.enum(['daily', 'weekly']),
  interval: z.number(),
  days: z.array(Weekday).optional(),
  count: z.number().optional(),
  until: IsoDate.optional(),
  note: z.string(),
});

export const ProgrammeTemplate = z
  .object({
    id: z.string(),
    name: z.string(),
    summary: z.string(),
    source: z.object({
      projectCode: z.string().nullable(),
      priorityAxis: z.string().nullable(),
      specificObjective: z.string().nullable(),
    }),
    defaults: z.object({
      groupCapacity: z.number().nullable(),
      leadersPerGroup: z.number().nullable(),
      groupDaysPerWeek: z.object({ min: z.number(), max: z.number() }).nullable(),
      sessionKinds: z.array(SessionKind),
      schedule: z.array(TemplatePhase),
      nextServices: z.array(z.enum(SERVICE_KINDS)),
      milestones: z.array(z.string()),
    }),
    headlineResults: z.array(
      z.object({ metric: z.string(), target: z.number().nullable(), text: z.string() }),
    ),
  })
  .meta({ id: 'ProgrammeTemplate' });

const datesInOrder = (value: { startDate?: string | undefined; endDate?: string | undefined }) =>
  value.startDate === undefined || value.endDate === undefined || value.startDate <= value.endDate;
const datesMessage = { message: 'endDate must not be before startDate', path: ['endDate'] };

export const ProgrammeCreate = z
  .strictObject({
    templateId: TemplateId.optional().meta({
      description: 'Start from a seed model; omit for a custom programme.',
    }),
    name: text(200).optional().meta({ description: "Defaults to the template's name." }),
    description: text(2000).optional(),
    organisationId: Id.meta({ description: 'The organisation that runs the programme.' }),
    fundingProjectId: Id.optional(),
    startDate: IsoDate.optional(),
    endDate: IsoDate.optional(),
    groupCapacity: z.number().int().min(1).max(99).optional(),
  })
  .refine((value) => value.templateId !== undefined || value.name !== undefined, {
    message: 'a custom programme needs a name',
    path: ['name'],
  })
  .refine(datesInOrder, datesMessage)
  .meta({ id: 'ProgrammeCreate' });

export const ProgrammeUpdate = z
  .strictObject({
    name: text(200),
    description: text(2000),
    fundingProjectId: Id.nullable(),
    startDate: IsoDate,
    endDate: IsoDate,
    groupCapacity: z.number().int().min(1).max(99).nullable(),
  })
  .partial()
  .refine((value) => Object.keys(value).length > 0, 'give at least one field to change')
  .meta({ id: 'ProgrammeUpdate' });

export const Programme = z
  .object({
    ...resourceMeta,
    templateId: z.string().nullable(),
    name: z.string(),
    description: z.string().optional(),
    organisationId: Id,
    fundingProjectId: Id.nullable(),
    startDate: IsoDate.optional(),
    endDate: IsoDate.optional(),
    groupCapacity: z.number().nullable().meta({ description: 'Default capacity of new groups.' }),
    sessionKinds: z.array(SessionKind),
    schedule: z.array(TemplatePhase).meta({ description: 'Suggested schedule, from the template.' }),
  })
  .meta({ id: 'Programme' });

const groupFields = {
  name: text(200),
  leaderName: text(200).optional(),
  capacity: z.number().int().min(1).max(99),
  meetingDays: z.array(Weekday).max(7).optional(),
};

export const GroupCreate = z
  .strictObject({ ...groupFields, capacity: groupFields.capacity.optional() })
  .meta({ id: 'GroupCreate' });
export const GroupUpdate = z
  .strictObject(groupFields)
  .partial()
  .refine((value) => Object.keys(value).length > 0, 'give at least one field to change')
  .meta({ id: 'GroupUpdate' });
export const Group = z
  .object({
    ...resourceMeta,
    programmeId: Id,
    ...groupFields,
    seatsTaken: z.number().int().meta({ description: 'Enrolments in stage enrolled or active.' }),
  })
  .meta({ id: 'Group' });

export type ProgrammeCreate = z.infer<typeof ProgrammeCreate>;
export type Programme = z.infer<typeof Programme>;
export type Group = z.infer<typeof Group>;
