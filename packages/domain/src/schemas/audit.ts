import * as z from 'zod';
import { Id, ListQuery, Timestamp } from './common.ts';

/**
 * What was done to a participant's record: the participant, their milestones, enrolments, attendance,
 * consents, referrals and network meetings.
 */
export const AUDIT_ACTIONS = [
  'participant.list',
  'participant.read',
  'participant.create',
  'participant.update',
  'participant.export',
  'participant.erase',
  'milestone.list',
  'milestone.create',
  'enrolment.list',
  'enrolment.read',
  'enrolment.create',
  'enrolment.stage-change',
  'enrolment.coach-change',
  'attendance.read',
  'attendance.record',
  'consent.list',
  'consent.read',
  'consent.create',
  'consent.withdraw',
  'referral.list',
  'referral.read',
  'referral.create',
  'referral.transition',
  'referral.participant-view',
  'network-meeting.list',
  'network-meeting.read',
  'network-meeting.create',
  'network-meeting.update',
  'meeting-action.list',
  'meeting-action.read',
  'meeting-action.update',
  'outcome.list',
  'outcome.read',
  'outcome.record',
  'outcome.amend',
  'outcome.withdraw',
  'follow-up.list',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const ACTOR_KINDS = ['client', 'user', 'system'] as const;

export const AuditActor = z
  .object({
    kind: z.enum(ACTOR_KINDS).meta({ description: '`system`: Polku itself (the retention job)' }),
    id: z.string().meta({
      description: 'The API client id, the staff user’s subject at their identity provider, or the job',
    }),
    role: z.string(),
    organisationId: Id.optional(),
  })
  .meta({ id: 'AuditActor' });

export const AuditEvent = z
  .object({
    id: Id,
    at: Timestamp,
    participantId: Id,
    action: z.enum(AUDIT_ACTIONS),
    actor: AuditActor,
    requestId: z.string().meta({ description: "Polku's id of the request, unique per request." }),
    clientRequestId: z.string().optional().meta({
      description: 'The X-Request-Id the caller sent, if any (up to 128 of A–Z a–z 0–9 _ . : = -).',
    }),
  })
  .meta({ id: 'AuditEvent' });
export type AuditEvent = z.infer<typeof AuditEvent>;

export const AuditQuery = ListQuery.extend({
  participantId: Id.optional().meta({ description: 'Events about this participant' }),
  actorId: z.string().min(1).max(300).optional().meta({ description: 'Events by this client or user' }),
  actorKind: z
    .enum(ACTOR_KINDS)
    .default('client')
    .meta({ description: 'With actorId: an API client (the default) or a staff user (their subject)' }),
});
