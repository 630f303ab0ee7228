/**
 * Network meetings and their agreed actions. A meeting and its actions share one partition, so a
 * meeting is read whole with one query; each action is indexed under its owner, status and due date.
 */
import { NotFoundError, type schemas } from '@polku/domain';
import { indexKeys, keys } from '@polku/table';
import type { Db } from './db.ts';
import type { Item } from './item.ts';
import { domainEvent, domainEventOp } from './outbox.ts';
import { participantStillExists } from './participants.ts';
import { type PageRequest, queryAll, queryPage } from './read.ts';
import {
  assertVersion,
  newResource,
  recordsOf,
  repository,
  revised,
  type WriteOptions,
} from './repository.ts';
import { commit, type WriteOp } from './write.ts';

export type NetworkMeeting = schemas.NetworkMeeting;
export type NetworkMeetingSummary = schemas.NetworkMeetingSummary;
export type MeetingAction = schemas.MeetingAction;
export type MeetingActionStatus = schemas.MeetingActionStatus;

export const networkMeetings = repository<NetworkMeetingSummary>({
  name: 'network meeting',
  entity: 'network-meeting',
  key: (tenantId, meeting) => keys.networkMeeting(tenantId, meeting.id),
  indexKeys: (tenantId, meeting) =>
    indexKeys.meetingByParticipant(tenantId, meeting.participantId, meeting.date, meeting.id),
});

export const meetingActions = repository<MeetingAction>({
  name: 'action',
  entity: 'meeting-action',
  key: (tenantId, action) => keys.meetingAction(tenantId, action.meetingId, action.id),
  // A change of owner, status or due date moves the action in the owners' lists.
  indexKeys: (tenantId, action) =>
    indexKeys.actionByOwner(tenantId, action.ownerOrganisationId, action.status, action.dueDate, action.id),
});

/** Tells the owning organisation's systems that an action is theirs. */
function assigned(tenantId: string, action: MeetingAction, now: Date): WriteOp {
  const path = `/v1/network-meetings/${action.meetingId}/actions/${action.id}`;
  const event = domainEvent(
    {
      type: 'action.assigned',
      organisationIds: [action.ownerOrganisationId],
      resource: { kind: 'network-meeting-action', id: action.id, path },
    },
    now,
  );
  return domainEventOp(tenantId, event);
}

export interface NewMeetingAction {
  description: string;
  ownerOrganisationId: string;
  dueDate: string;
  status: MeetingActionStatus;
  notes?: string | undefined;
}

export interface NewNetworkMeeting {
  participantId: string;
  date: string;
  organisationsPresent: string[];
  summary: string;
  actions: NewMeetingAction[];
}

/** The meeting, its actions and an `action.assigned` event per action, in one transaction. */
export async function createNetworkMeeting(
  db: Db,
  tenantId: string,
  input: NewNetworkMeeting,
  options: WriteOptions = {},
): Promise<NetworkMeeting> {
  const now = options.now ?? new Date();
  const { actions: agreed, ...fields } = input;
  const meeting = newResource(fields, now);
  const actions = agreed.map((action) =>
    newResource(
      {
        meetingId: meeting.id,
        participantId: input.participantId,
        description: action.description,
        ownerOrganisationId: action.ownerOrganisationId,
        dueDate: action.dueDate,
        status: action.status,
        notes: action.notes ?? null,
      },
      now,
    ),
  );
  const ops: WriteOp[] = [
    networkMeetings.insert(tenantId, meeting),
    ...actions.map((action) => meetingActions.insert(tenantId, action)),
    ...actions.map((action) => assigned(tenantId, action, now)),
    participantStillExists(tenantId, input.participantId),
  ];
  const created = { ...meeting, actions };
  await commit(db, ops, recordsOf(options, created));
  return created;
}

/** A meeting with its actions (in the order agreed): one consistent query of its partition. */
export async function getNetworkMeeting(db: Db, tenantId: string, id: string): Promise<NetworkMeeting> {
  const items = await queryAll(db, { partition: keys.networkMeeting(tenantId, id).PK }, 100);
  const stored = items.find((item) => item.entity === networkMeetings.spec.entity);
  if (!stored) throw new NotFoundError(`network meeting ${id} not found`);
  const actions = items.filter((item) => item.entity === meetingActions.spec.entity);
  return { ...networkMeetings.fromItem(stored), actions: actions.map(meetingActions.fromItem) };
}

/** One action of a meeting already read. */
export function meetingActionOf(meeting: NetworkMeeting, actionId: string): MeetingAction {
  const action = meeting.actions.find((a) => a.id === actionId);
  if (!action) throw new NotFoundError(`action ${actionId} not found in network meeting ${meeting.id}`);
  return action;
}

export async function updateNetworkMeeting(
  db: Db,
  tenantId: string,
  current: NetworkMeeting,
  patch: Partial<Pick<NetworkMeeting, 'date' | 'organisationsPresent' | 'summary'>>,
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<NetworkMeeting> {
  const { actions, ...meeting } = current;
  assertVersion(networkMeetings.spec.name, meeting, expectedVersion);
  const next = revised<NetworkMeetingSummary>(meeting, patch, options.now);
  const changed = { ...next, actions };
  await commit(db, [networkMeetings.replace(tenantId, next, expectedVersion)], recordsOf(options, changed));
  return changed;
}

export type MeetingActionPatch = Partial<
  Pick<MeetingAction, 'description' | 'ownerOrganisationId' | 'dueDate' | 'status' | 'notes'>
>;

/** Changes an action at its version; a new owner hears of it through `action.assigned`. */
export async function updateMeetingAction(
  db: Db,
  tenantId: string,
  current: MeetingAction,
  patch: MeetingActionPatch,
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<MeetingAction> {
  assertVersion(meetingActions.spec.name, current, expectedVersion);
  const now = options.now ?? new Date();
  const next = revised<MeetingAction>(current, patch, now);
  const ops = [meetingActions.replace(tenantId, next, expectedVersion)];
  if (next.ownerOrganisationId !== current.ownerOrganisationId) ops.push(assigned(tenantId, next, now));
  await commit(db, ops, recordsOf(options, next));
  return next;
}

/** A participant's meetings, newest first (by date, then id): one index query. */
export async function listMeetingsOfParticipant(
  db: Db,
  tenantId: string,
  participantId: string,
  page: PageRequest,
): Promise<{ items: NetworkMeetingSummary[]; lastKey: Item | undefined }> {
  const partition = indexKeys.meetingsOfParticipantPartition(tenantId, participantId);
  const result = await queryPage(db, { index: 'gsi1', partition, newestFirst: true }, page);
  return { items: result.items.map(networkMeetings.fromItem), lastKey: result.lastKey };
}

/** An organisation's actions in one status, soonest due first: one index query, no filter. */
export async function listActionsOfOrganisation(
  db: Db,
  tenantId: string,
  organisationId: string,
  status: MeetingActionStatus,
  page: PageRequest,
): Promise<{ items: MeetingAction[]; lastKey: Item | undefined }> {
  const partition = indexKeys.actionsOfOrganisationPartition(tenantId, organisationId, status);
  const result = await queryPage(db, { index: 'gsi1', partition }, page);
  return { items: result.items.map(meetingActions.fromItem), lastKey: result.lastKey };
}
