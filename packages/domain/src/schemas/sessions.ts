import * as z from 'zod';
import { isValidTimeZone } from '../schedule.ts';
import { EventDate, Id, IsoDate, resourceMeta, Timestamp, text } from './common.ts';
import { SchedulePhase, SessionKind } from './programmes.ts';

const sessionFields = {
  programmeId: Id,
  groupId: Id.optional().meta({
    description: 'For group sessions; attendance is then taken for its members.',
  }),
  kind: SessionKind,
  title: text(200).optional(),
  durationMinutes: z
    .number()
    .int()
    .min(5)
    .max(24 * 60),
  location: text(200).optional(),
  participantIds: z
    .array(Id)
    .min(1)
    .max(20)
    .refine((ids) => new Set(ids).size === ids.length, 'each participant at most once')
    .optional()
    .meta({ description: 'For sessions without a group: who is expected (enrolled in the programme).' }),
};

/** A session is for a group, or for listed participants: exactly one of the two. */
const hasOneAudience = (value: { groupId?: string | undefined; participantIds?: string[] | undefined }) =>
  (value.groupId === undefined) !== (value.participantIds === undefined);
const oneAudienceMessage = {
  message: 'give a groupId, or the participantIds of a session without a group (not both)',
  path: ['participantIds'],
};

export const SessionCreate = z
  .strictObject({
    ...sessionFields,
    startsAt: Timestamp.refine(
      (at) => at >= '2000-01-01' && at < '2100-01-01',
      'must be a time from 2000 to 2099',
    ),
  })
  .refine(hasOneAudience, oneAudienceMessage)
  .meta({ id: 'SessionCreate' });

export const ScheduleCreate = z
  .strictObject({
    ...sessionFields,
    startDate: EventDate,
    time: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM')
      .meta({ example: '10:00' }),
    timeZone: z
      .string()
      .max(64)
      .refine(isValidTimeZone, 'must be an IANA time zone')
      .default('Europe/Helsinki'),
    phases: z
      .array(SchedulePhase)
      .min(1)
      .max(10)
      .meta({ description: 'E.g. weekly ×4, then every two weeks ×6.' }),
  })
  .refine(hasOneAudience, oneAudienceMessage)
  .meta({ id: 'ScheduleCreate' });

export const Session = z
  .object({
    ...resourceMeta,
    programmeId: Id,
    groupId: Id.nullable(),
    kind: SessionKind,
    title: z.string().optional(),
    startsAt: Timestamp,
    durationMinutes: z.number().int(),
    location: z.string().optional(),
    participantIds: z.array(Id),
    scheduleId: Id.nullable(),
    attendanceTaken: z.boolean(),
  })
  .meta({ id: 'Session' });

export const ATTENDANCE_STATUSES = ['present', 'excused-absence', 'unexcused-absence'] as const;

export const AttendanceRecord = z
  .strictObject({
    participantId: Id,
    status: z.enum(ATTENDANCE_STATUSES),
    note: text(500).optional(),
  })
  .meta({ id: 'AttendanceRecord' });

export const AttendanceUpdate = z
  .strictObject({
    records: z
      .array(AttendanceRecord)
      .min(1)
      // One transaction: the session, a record and an audit event per participant (DynamoDB's limit is 100).
      .max(49)
      .refine((records) => new Set(records.map((r) => r.participantId)).size === records.length, {
        message: 'each participant at most once',
      }),
  })
  .meta({ id: 'AttendanceUpdate' });

export const Attendance = z
  .object({
    sessionId: Id,
    records: z.array(
      z.object({
        participantId: Id,
        status: z.enum(ATTENDANCE_STATUSES),
        note: z.string().optional(),
        recordedAt: Timestamp,
        recordedBy: z.string(),
      }),
    ),
  })
  .meta({ id: 'Attendance' });

export const SessionListQuery = z.object({
  programmeId: Id.optional(),
  groupId: Id.optional(),
  from: IsoDate.optional().meta({ description: 'Sessions starting on or after this date (UTC).' }),
  to: IsoDate.optional().meta({ description: 'Sessions starting before the end of this date (UTC).' }),
});

export type SessionCreate = z.infer<typeof SessionCreate>;
export type ScheduleCreate = z.infer<typeof ScheduleCreate>;
export type Session = z.infer<typeof Session>;
export type Attendance = z.infer<typeof Attendance>;
