import * as z from 'zod';
import { parseIdentityCode } from '../identity-code.ts';
import { Email, EventDate, Id, IsoDate, Phone, resourceMeta, Timestamp, text } from './common.ts';

export const LABOUR_MARKET_STATUSES = ['unemployed', 'inactive', 'employed', 'self-employed'] as const;
export const GENDERS = ['woman', 'man', 'non-binary'] as const;

/**
 * The ESF characteristics that are special-category or otherwise sensitive data (GDPR art. 9):
 * a participant record leaves the API with them only for those who need them (see Records of
 * processing in docs/data-protection.md), never in lists.
 */
export const SENSITIVE_ESF_FIELDS = [
  'disability',
  'thirdCountNational',
  'foreignBackground',
  'minority',
  'homeless',
] as const;
export type SensitiveEsfField = (typeof SENSITIVE_ESF_FIELDS)[number];

export function isSensitiveEsfField(field: string): field is SensitiveEsfField {
  return (SENSITIVE_ESF_FIELDS as readonly string[]).includes(field);
}

/** The sensitive characteristics, each the given schema, in the list's order. */
function sensitiveFields<T extends z.ZodType>(schema: () => T): Record<SensitiveEsfField, T> {
  return Object.fromEntries(SENSITIVE_ESF_FIELDS.map((field) => [field, schema()])) as Record<
    SensitiveEsfField,
    T
  >;
}

const esfFields = {
  gender: z.enum(GENDERS),
  labourMarketStatus: z.enum(LABOUR_MARKET_STATUSES),
  unemployedSince: IsoDate.optional().meta({
    description: 'For the unemployed: the duration counts from here.',
  }),
  iscedLevel: z.number().int().min(0).max(8).meta({ description: 'Highest completed ISCED level, 0–8.' }),
};

const onlyTheUnemployed = (esf: { unemployedSince?: string | undefined; labourMarketStatus: string }) =>
  esf.unemployedSince === undefined || esf.labourMarketStatus === 'unemployed';
const onlyTheUnemployedMessage = {
  message: 'unemployedSince applies only to the unemployed',
  path: ['unemployedSince'],
};

/** What the ESF+ indicator report counts at entry. */
export const EsfCharacteristics = z
  .strictObject({
    ...esfFields,
    ...sensitiveFields(() => z.boolean().default(false)),
    rural: z.boolean().default(false),
  })
  .refine(onlyTheUnemployed, onlyTheUnemployedMessage)
  .meta({ id: 'EsfCharacteristics' });

/** A change of the characteristics: a sensitive one left out keeps its value. */
export const EsfCharacteristicsUpdate = z
  .strictObject({
    ...esfFields,
    ...sensitiveFields(() =>
      z.boolean().optional().meta({
        description:
          'Left out, the stored value is kept: a caller who is not shown it cannot clear it by mistake.',
      }),
    ),
    rural: z.boolean().default(false),
  })
  .refine(onlyTheUnemployed, onlyTheUnemployedMessage)
  .meta({ id: 'EsfCharacteristicsUpdate' });

/** The characteristics as a caller is shown them. */
export const EsfCharacteristicsShown = z
  .object({
    ...esfFields,
    ...sensitiveFields(() =>
      z
        .boolean()
        .optional()
        .meta({
          description:
            'Sensitive: shown only to tenant_admin and to the participant’s responsible coach (a coach named ' +
            'as `coachId` of one of their enrolments); left out for everyone else.',
        }),
    ),
    rural: z.boolean(),
  })
  .meta({ id: 'EsfCharacteristicsShown' });

const personFields = {
  firstName: text(100),
  lastName: text(100),
  email: Email.optional(),
  phone: Phone.optional(),
  birthDate: IsoDate,
  municipality: text(100),
};

export const ParticipantCreate = z
  .strictObject({
    ...personFields,
    identityCode: z
      .string()
      .trim()
      .max(11)
      .refine(
        (code) => parseIdentityCode(code) !== undefined,
        'must be a valid Finnish personal identity code',
      )
      .optional()
      .meta({ description: 'Validated and kept only as a keyed hash to find duplicates; never returned.' }),
    esf: EsfCharacteristics,
  })
  .refine(
    (value) =>
      value.identityCode === undefined ||
      parseIdentityCode(value.identityCode)?.birthDate === value.birthDate,
    { message: 'does not match the birth date in the identity code', path: ['birthDate'] },
  )
  .meta({ id: 'ParticipantCreate' });

export const ParticipantUpdate = z
  .strictObject({ ...personFields, esf: EsfCharacteristicsUpdate })
  .partial()
  .refine((value) => Object.keys(value).length > 0, 'give at least one field to change')
  .meta({ id: 'ParticipantUpdate' });

export const Participant = z
  .object({
    ...resourceMeta,
    ...personFields,
    hasIdentityCode: z.boolean(),
    esf: EsfCharacteristicsShown,
  })
  .meta({ id: 'Participant' });

export const ParticipantSummary = z
  .object({
    id: Id,
    firstName: z.string(),
    lastName: z.string(),
    municipality: z.string(),
    createdAt: Timestamp,
  })
  .meta({ id: 'ParticipantSummary' });

export const MILESTONE_KINDS = [
  'skills-identified',
  'skills-based-cv',
  'job-application',
  'licence-or-permit',
  'business-idea-tested',
  'self-assessment',
] as const;

const Score = z.number().int().min(1).max(10);

export const MilestoneCreate = z
  .strictObject({
    kind: z.enum(MILESTONE_KINDS),
    date: EventDate,
    enrolmentId: Id.optional(),
    title: text(200).optional().meta({ description: 'E.g. the licence gained or the job applied for.' }),
    note: text(2000).optional(),
    selfAssessment: z
      .strictObject({ phase: z.enum(['start', 'end']), confidence: Score, selfKnowledge: Score })
      .optional()
      .meta({ description: 'Scores 1–10 at the start and end of the programme.' }),
  })
  .refine((value) => (value.kind === 'self-assessment') === (value.selfAssessment !== undefined), {
    message: 'selfAssessment scores go with kind self-assessment, and only with it',
    path: ['selfAssessment'],
  })
  .meta({ id: 'MilestoneCreate' });

export const Milestone = z
  .object({
    ...resourceMeta,
    participantId: Id,
    kind: z.enum(MILESTONE_KINDS),
    date: IsoDate,
    enrolmentId: Id.optional(),
    title: z.string().optional(),
    note: z.string().optional(),
    selfAssessment: z
      .object({ phase: z.enum(['start', 'end']), confidence: z.number(), selfKnowledge: z.number() })
      .optional(),
  })
  .meta({ id: 'Milestone' });

export type ParticipantCreate = z.infer<typeof ParticipantCreate>;
export type Participant = z.infer<typeof Participant>;
export type ParticipantSummary = z.infer<typeof ParticipantSummary>;
export type Milestone = z.infer<typeof Milestone>;
