import * as z from 'zod';
import { EventDate, Id, IsoDate, ListQuery, resourceMeta, Timestamp, text } from './common.ts';
import { Actor } from './referrals.ts';

/** Labour-market and education results (shared/PRODUCT.md), in the order reports list them. */
export const OUTCOME_KINDS = [
  'employed-open-market',
  'employed-pay-subsidy',
  'self-employed',
  'apprenticeship',
  'study-place',
  'training',
  'work-try-out',
  'rehabilitative-work',
  'job-searching',
  'inactive',
] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

export const OUTCOME_SOURCES = ['self-reported', 'employer', 'register'] as const;

const datesInOrder = (value: { startDate?: string | undefined; endDate?: string | null | undefined }) =>
  value.startDate === undefined || value.endDate == null || value.startDate <= value.endDate;
const datesMessage = { message: 'endDate must not be before startDate', path: ['endDate'] };

const fields = {
  kind: z.enum(OUTCOME_KINDS),
  startDate: EventDate,
  endDate: EventDate.nullable()
    .optional()
    .meta({ description: 'When the job, study or other situation ended; omit or null while it goes on.' }),
  hoursPerWeek: z.number().min(0).max(80).optional(),
  employerOrInstitution: text(200).optional(),
  source: z.enum(OUTCOME_SOURCES),
  verifiedOn: EventDate.optional().meta({
    description:
      'When the situation was last checked with the person, employer or register; defaults to today. ' +
      'A follow-up counts as recorded once an outcome of the person is verified on or after its due date.',
  }),
};

export const OutcomeCreate = z
  .strictObject({
    participantId: Id,
    enrolmentId: Id.optional().meta({ description: 'The enrolment the outcome follows, if any.' }),
    ...fields,
  })
  .refine(datesInOrder, datesMessage)
  .meta({ id: 'OutcomeCreate' });
export type OutcomeCreate = z.infer<typeof OutcomeCreate>;

export const OutcomeAmend = z
  .strictObject({
    ...fields,
    reason: text(500).meta({ description: 'Why it changes; kept in the history.' }),
  })
  .partial()
  .required({ reason: true })
  .refine((value) => Object.keys(value).length > 1, 'give at least one field to change besides the reason')
  .refine(datesInOrder, datesMessage)
  .meta({ id: 'OutcomeAmend' });
export type OutcomeAmend = z.infer<typeof OutcomeAmend>;

export const OutcomeWithdrawal = z
  .strictObject({ reason: text(500).meta({ description: 'Why the outcome no longer stands.' }) })
  .meta({ id: 'OutcomeWithdrawal' });

/** One change of an outcome: what it recorded before the change, who changed it and why. */
export const OutcomeRevision = z
  .object({
    action: z.enum(['record', 'amend', 'withdraw']),
    at: Timestamp,
    by: Actor,
    reason: z.string().optional(),
    changes: z
      .record(z.string(), z.object({ from: z.unknown(), to: z.unknown() }))
      .meta({ description: 'Field by field, the value before and after.' }),
  })
  .meta({ id: 'OutcomeRevision' });

export const Outcome = z
  .object({
    ...resourceMeta,
    participantId: Id,
    enrolmentId: Id.nullable(),
    kind: z.enum(OUTCOME_KINDS),
    startDate: IsoDate,
    endDate: IsoDate.nullable(),
    hoursPerWeek: z.number().nullable(),
    employerOrInstitution: z.string().nullable(),
    source: z.enum(OUTCOME_SOURCES),
    verifiedOn: IsoDate,
    recordedBy: Actor,
    withdrawn: z.boolean().meta({ description: 'A withdrawn outcome no longer counts in any metric.' }),
    history: z.array(OutcomeRevision),
  })
  .meta({ id: 'Outcome' });
export type Outcome = z.infer<typeof Outcome>;

export const OutcomeListQuery = ListQuery.extend({
  participantId: Id.meta({ description: 'Whose outcomes.' }),
});

export const FOLLOW_UP_CHECKPOINTS = ['28-days', '4-months', '6-months'] as const;
export type FollowUpCheckpoint = (typeof FOLLOW_UP_CHECKPOINTS)[number];

export const FollowUp = z
  .object({
    participantId: Id,
    enrolmentId: Id,
    programmeId: Id,
    coachId: z.string(),
    exitDate: IsoDate,
    checkpoint: z.enum(FOLLOW_UP_CHECKPOINTS),
    dueDate: IsoDate,
  })
  .meta({ id: 'FollowUp' });
export type FollowUp = z.infer<typeof FollowUp>;

export const FollowUpListQuery = ListQuery.extend({
  'due-before': IsoDate.optional().meta({
    description: 'Follow-ups due on or before this date; defaults to today.',
  }),
  coachId: z.string().max(200).optional().meta({ description: 'Only this coach’s people.' }),
});
