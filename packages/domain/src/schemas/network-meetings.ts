/**
 * Network meetings: a multi-agency meeting about one participant, who took part, and the agreed
 * actions each owned by an organisation (the seeds' "division of work").
 */
import * as z from 'zod';
import { Id, IsoDate, ListQuery, resourceMeta, text } from './common.ts';

export const MEETING_ACTION_STATUSES = ['open', 'in-progress', 'done', 'cancelled'] as const;
export const MeetingActionStatus = z.enum(MEETING_ACTION_STATUSES);

const OrganisationsPresent = z
  .array(Id)
  .min(1, 'name at least one organisation present')
  .max(20)
  .refine((ids) => new Set(ids).size === ids.length, 'name each organisation once')
  .meta({ description: 'The organisations that took part (1–20, each once).' });

const actionFields = {
  description: text(1000),
  ownerOrganisationId: Id.meta({ description: "The organisation that does it: one of the tenant's." }),
  dueDate: IsoDate,
  status: MeetingActionStatus,
  notes: text(2000).meta({ description: 'Progress notes, e.g. from the owning organisation.' }),
};

export const MeetingActionCreate = z
  .strictObject({
    ...actionFields,
    status: actionFields.status.default('open'),
    notes: actionFields.notes.optional(),
  })
  .meta({ id: 'MeetingActionCreate' });

export const NetworkMeetingCreate = z
  .strictObject({
    participantId: Id,
    date: IsoDate,
    organisationsPresent: OrganisationsPresent,
    summary: text(4000),
    actions: z
      .array(MeetingActionCreate)
      .max(30)
      .default([])
      .meta({ description: 'Up to 30 agreed actions.' }),
  })
  .meta({ id: 'NetworkMeetingCreate' });

export const NetworkMeetingUpdate = z
  .strictObject({ date: IsoDate, organisationsPresent: OrganisationsPresent, summary: text(4000) })
  .partial()
  .refine((value) => Object.keys(value).length > 0, 'give at least one field to change')
  .meta({ id: 'NetworkMeetingUpdate' });

export const MeetingActionUpdate = z
  .strictObject(actionFields)
  .partial()
  .refine((value) => Object.keys(value).length > 0, 'give at least one field to change')
  .meta({
    id: 'MeetingActionUpdate',
    description: "A partner may change only its own organisation's actions, and only status and notes.",
  });

export const MeetingAction = z
  .object({
    ...resourceMeta,
    meetingId: Id,
    participantId: Id,
    description: z.string(),
    ownerOrganisationId: Id,
    dueDate: IsoDate,
    status: MeetingActionStatus,
    notes: z.string().nullable(),
  })
  .meta({ id: 'MeetingAction' });

const meetingFields = {
  ...resourceMeta,
  participantId: Id,
  date: IsoDate,
  organisationsPresent: z.array(Id),
  summary: z.string(),
};

export const NetworkMeetingSummary = z.object(meetingFields).meta({ id: 'NetworkMeetingSummary' });
export const NetworkMeeting = z
  .object({ ...meetingFields, actions: z.array(MeetingAction) })
  .meta({ id: 'NetworkMeeting', description: 'The ETag is the meeting’s version; each action has its own.' });

export const MeetingActionParams = z.object({
  id: Id.meta({ param: { name: 'id', in: 'path' } }),
  actionId: Id.meta({ param: { name: 'actionId', in: 'path' } }),
});

export const OrganisationActionsQuery = ListQuery.extend({
  status: MeetingActionStatus.default('open').meta({
    description: 'The actions in this status; open by default.',
  }),
});

export type MeetingActionStatus = z.infer<typeof MeetingActionStatus>;
export type NetworkMeetingCreate = z.infer<typeof NetworkMeetingCreate>;
export type NetworkMeetingUpdate = z.infer<typeof NetworkMeetingUpdate>;
export type MeetingActionUpdate = z.infer<typeof MeetingActionUpdate>;
export type MeetingAction = z.infer<typeof MeetingAction>;
export type NetworkMeetingSummary = z.infer<typeof NetworkMeetingSummary>;
export type NetworkMeeting = z.infer<typeof NetworkMeeting>;
