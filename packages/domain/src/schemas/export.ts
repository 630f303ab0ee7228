import * as z from 'zod';
import { AuditEvent } from './audit.ts';
import { Id, Timestamp } from './common.ts';
import { Consent } from './consents.ts';
import { Enrolment } from './enrolments.ts';
import { NetworkMeeting } from './network-meetings.ts';
import { Outcome } from './outcomes.ts';
import { Milestone, Participant } from './participants.ts';
import { Referral } from './referrals.ts';
import { ATTENDANCE_STATUSES, Session } from './sessions.ts';

export const AttendanceMark = z
  .object({
    sessionId: Id,
    startsAt: Timestamp,
    status: z.enum(ATTENDANCE_STATUSES),
    note: z.string().optional(),
    recordedAt: Timestamp,
    recordedBy: z.string(),
  })
  .meta({ id: 'AttendanceMark' });

/** Everything Polku holds about one person (GDPR art. 15), each collection complete. */
export const ParticipantExport = z
  .object({
    exportedAt: Timestamp,
    tenantId: Id,
    participant: Participant,
    milestones: z.array(Milestone),
    consents: z.array(Consent),
    enrolments: z.array(Enrolment),
    attendance: z.array(AttendanceMark),
    sessions: z.array(Session).meta({ description: "The sessions the person's attendance was taken in" }),
    referrals: z.array(Referral).meta({ description: 'Each with its history' }),
    networkMeetings: z.array(NetworkMeeting).meta({ description: 'Each with its agreed actions' }),
    outcomes: z.array(Outcome).meta({ description: 'Withdrawn ones too, each with its history' }),
    auditEvents: z
      .array(AuditEvent)
      .meta({ description: "Who read or changed the person's records, oldest first" }),
  })
  .meta({ id: 'ParticipantExport' });
