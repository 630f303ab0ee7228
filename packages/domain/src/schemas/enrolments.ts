import * as z from 'zod';
import { ENROLMENT_STAGES } from '../enrolment-stages.ts';
import { EventDate, Id, IsoDate, resourceMeta, Timestamp, text } from './common.ts';

export const EnrolmentStage = z.enum(ENROLMENT_STAGES);

export const EnrolmentCreate = z
  .strictObject({
    participantId: Id,
    programmeId: Id,
    groupId: Id.optional(),
    coachId: text(200).meta({
      description:
        'The responsible coach (staff user or client id). A tenant_admin names anyone; a coach names a coach ' +
        'already responsible for the person, anyone while it is responsible itself, or anyone for a person ' +
        'it registered who has had no enrolment yet. Otherwise 403 responsibility-not-given.',
    }),
    stage: z.enum(['applied', 'waitlisted', 'enrolled', 'active']).default('applied'),
    date: EventDate.optional().meta({ description: 'When the stage took effect; defaults to today.' }),
  })
  .meta({ id: 'EnrolmentCreate' });

export const CoachHandover = z
  .strictObject({
    coachId: text(200).meta({ description: 'The coach who is responsible from now on.' }),
    reason: text(500).optional().meta({ example: 'Aino moves to the Lieksa team' }),
  })
  .meta({ id: 'CoachHandover' });

export const CoachChange = z.object({
  from: z.string(),
  to: z.string(),
  at: Timestamp,
  by: z
    .string()
    .meta({ description: 'Who gave the responsibility: a tenant admin or the coach who had it.' }),
  reason: z.string().optional(),
});

export const EnrolmentTransition = z
  .strictObject({
    stage: EnrolmentStage,
    reason: text(500).optional().meta({ description: 'Required for discontinued.' }),
    date: EventDate.optional().meta({ description: 'When the stage took effect; defaults to today.' }),
  })
  .refine((value) => value.stage !== 'discontinued' || value.reason !== undefined, {
    message: 'a reason is required to discontinue',
    path: ['reason'],
  })
  .meta({ id: 'EnrolmentTransition' });

export const StageChange = z.object({
  stage: EnrolmentStage,
  date: IsoDate,
  at: Timestamp,
  by: z.string(),
  reason: z.string().optional(),
});

export const Enrolment = z
  .object({
    ...resourceMeta,
    participantId: Id,
    programmeId: Id,
    groupId: Id.nullable(),
    coachId: z.string(),
    stage: EnrolmentStage,
    startDate: IsoDate.nullable().meta({ description: 'When the participant became active.' }),
    exitDate: IsoDate.nullable().meta({ description: 'When the enrolment was completed or discontinued.' }),
    discontinuationReason: z.string().nullable(),
    history: z.array(StageChange),
    coachChanges: z
      .array(CoachChange)
      .optional()
      .meta({ description: 'Each time the responsibility was handed over, oldest first.' }),
  })
  .meta({ id: 'Enrolment' });

export const EnrolmentListQuery = z.object({
  participantId: Id.optional(),
  programmeId: Id.optional(),
  groupId: Id.optional(),
});

export type EnrolmentCreate = z.infer<typeof EnrolmentCreate>;
export type Enrolment = z.infer<typeof Enrolment>;
export type StageChange = z.infer<typeof StageChange>;
export type CoachHandover = z.infer<typeof CoachHandover>;
export type CoachChange = z.infer<typeof CoachChange>;
