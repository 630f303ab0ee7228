/**
 * Referrals: one partition each, indexed for the receiver's inbox (by status and all) and the
 * sender's outbox; a summary in the participant's partition follows every change, indexed for the
 * sender's outbox by status. Each change commits the referral, its summary and its domain event together.
 */
import {
  isOpenReferral,
  type ReferralAction,
  type ReferralStatus,
  referralStatusAfter,
  type schemas,
} from '@polku/domain';
import { collections, indexKeys, keys } from '@polku/table';
import type { Db } from './db.ts';
import type { Item } from './item.ts';
import { type DomainEventType, domainEvent, domainEventOp } from './outbox.ts';
import { participantStillExists } from './participants.ts';
import { type PageRequest, type QuerySpec, queryAll, queryPage } from './read.ts';
import {
  assertVersion,
  newResource,
  recordsOf,
  repository,
  revised,
  type WriteOptions,
} from './repository.ts';
import { commit, type WriteOp } from './write.ts';

export type Referral = schemas.Referral;
export type ReferralSummary = schemas.ReferralSummary;
export type Actor = schemas.Actor;

export const referrals = repository<Referral>({
  name: 'referral',
  entity: 'referral',
  key: (tenantId, referral) => keys.referral(tenantId, referral.id),
  indexKeys: (tenantId, referral) =>
    indexKeys.referralIndexes(
      tenantId,
      referral.toOrganisationId,
      referral.fromOrganisationId,
      referral.status,
      referral.id,
    ),
});

export const referralSummaries = repository<ReferralSummary>({
  name: 'referral',
  entity: 'referral-summary',
  key: (tenantId, summary) => keys.referralOfParticipant(tenantId, summary.participantId, summary.id),
  indexKeys: (tenantId, summary) =>
    indexKeys.referralSummaryIndexes(tenantId, summary.fromOrganisationId, summary.status, summary.id),
});

export function referralSummaryOf(referral: Referral): ReferralSummary {
  const { id, version, createdAt, updatedAt, participantId, fromOrganisationId, toOrganisationId } = referral;
  const { serviceKind, desiredStart, dueDate, status } = referral;
  return {
    id,
    version,
    createdAt,
    updatedAt,
    participantId,
    fromOrganisationId,
    toOrganisationId,
    serviceKind,
    desiredStart,
    dueDate,
    status,
  };
}

/** The events partner systems hear of; holding, resuming and failing have none. */
const EVENT_OF: Partial<Record<ReferralAction | 'send', DomainEventType>> = {
  send: 'referral.created',
  accept: 'referral.accepted',
  decline: 'referral.declined',
  start: 'referral.started',
  complete: 'referral.completed',
  cancel: 'referral.cancelled',
};

function eventOps(
  tenantId: string,
  referral: Referral,
  action: ReferralAction | 'send',
  now: Date,
): WriteOp[] {
  const type = EVENT_OF[action];
  if (!type) return [];
  const event = domainEvent(
    {
      type,
      organisationIds: [referral.toOrganisationId, referral.fromOrganisationId],
      resource: { kind: 'referral', id: referral.id, path: `/v1/referrals/${referral.id}` },
    },
    now,
  );
  return [domainEventOp(tenantId, event)];
}

export function getReferral(db: Db, tenantId: string, id: string): Promise<Referral> {
  return referrals.load(db, keys.referral(tenantId, id), id);
}

export type NewReferral = Pick<
  Referral,
  | 'participantId'
  | 'fromOrganisationId'
  | 'toOrganisationId'
  | 'serviceKind'
  | 'needsSummary'
  | 'desiredStart'
  | 'dueDate'
  | 'consentId'
> & { by: Actor };

/**
 * Sends a referral. `consentCheck` is the covering consent's guard: it fails the transaction if the
 * consent was withdrawn since it was read, so a concurrent withdrawal cannot miss this referral.
 */
export async function createReferral(
  db: Db,
  tenantId: string,
  input: NewReferral,
  consentCheck: WriteOp,
  options: WriteOptions = {},
): Promise<Referral> {
  const now = options.now ?? new Date();
  const { by, ...fields } = input;
  const referral = newResource(
    {
      ...fields,
      status: 'sent' as const,
      outcome: null,
      history: [{ action: 'send' as const, from: null, to: 'sent' as const, at: now.toISOString(), by }],
    },
    now,
  );
  await commit(
    db,
    [
      referrals.insert(tenantId, referral),
      referralSummaries.insert(tenantId, referralSummaryOf(referral)),
      consentCheck,
      participantStillExists(tenantId, input.participantId),
      ...eventOps(tenantId, referral, 'send', now),
    ],
    recordsOf(options, referral),
  );
  return referral;
}

export interface ReferralTransition {
  action: ReferralAction;
  reason?: string | undefined;
  outcome?: string | undefined;
  by: Actor;
}

/** The referral after the action, or 409 illegal-transition. */
export function referralAfter(current: Referral, transition: ReferralTransition, now: Date): Referral {
  const status = referralStatusAfter(current.status, transition.action);
  return revised(
    current,
    {
      status,
      ...(transition.outcome !== undefined ? { outcome: transition.outcome } : {}),
      history: [
        ...current.history,
        {
          action: transition.action,
          from: current.status,
          to: status,
          at: now.toISOString(),
          by: transition.by,
          ...(transition.reason !== undefined ? { reason: transition.reason } : {}),
          ...(transition.outcome !== undefined ? { outcome: transition.outcome } : {}),
        },
      ],
    },
    now,
  );
}

/** What a transition writes: the referral and its summary at the version read, and its event. */
export function transitionOps(
  tenantId: string,
  current: Referral,
  next: Referral,
  action: ReferralAction,
  now: Date,
): WriteOp[] {
  return [
    referrals.replace(tenantId, next, current.version),
    referralSummaries.replace(tenantId, referralSummaryOf(next), current.version),
    ...eventOps(tenantId, next, action, now),
  ];
}

/** Moves a referral the caller has read (and may act on) by an action, at the version it sent. */
export async function transitionReferral(
  db: Db,
  tenantId: string,
  current: Referral,
  transition: ReferralTransition,
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<Referral> {
  const now = options.now ?? new Date();
  assertVersion('referral', current, expectedVersion);
  const next = referralAfter(current, transition, now);
  await commit(db, transitionOps(tenantId, current, next, transition.action, now), recordsOf(options, next));
  return next;
}

/** Every referral of a participant, as summaries (a person's referrals are few). */
export async function referralSummariesOf(
  db: Db,
  tenantId: string,
  participantId: string,
): Promise<ReferralSummary[]> {
  const { PK, prefix } = collections.referralsOfParticipant(tenantId, participantId);
  const items = await queryAll(db, { partition: PK, prefix });
  return items.map(referralSummaries.fromItem);
}

/** The participant's referrals still open (sent, accepted, in progress or on hold). */
export async function openReferralsOf(db: Db, tenantId: string, participantId: string) {
  const summaries = await referralSummariesOf(db, tenantId, participantId);
  return summaries.filter((summary) => isOpenReferral(summary.status));
}

/** A page of a participant's referrals with their current status, newest first. */
export async function listReferralsOfParticipant(
  db: Db,
  tenantId: string,
  participantId: string,
  page: PageRequest,
): Promise<{ items: ReferralSummary[]; lastKey: Item | undefined }> {
  const { PK, prefix } = collections.referralsOfParticipant(tenantId, participantId);
  const result = await queryPage(db, { partition: PK, prefix, newestFirst: true }, page);
  return { items: result.items.map(referralSummaries.fromItem), lastKey: result.lastKey };
}

export interface ReferralListFilter {
  direction: 'incoming' | 'outgoing';
  organisationId: string;
  status?: ReferralStatus | undefined;
}

/**
 * Which index answers a list: the receiver's inbox by status (GSI1) or whole (GSI2), the sender's
 * outbox whole (GSI3), or by status from the participant summaries (their GSI1).
 */
function specOf(tenantId: string, filter: ReferralListFilter): QuerySpec {
  const { direction, organisationId, status } = filter;
  if (direction === 'incoming') {
    return {
      index: status ? 'gsi1' : 'gsi2',
      partition: indexKeys.incomingReferralsPartition(tenantId, organisationId, status),
      newestFirst: true,
    };
  }
  return {
    index: status ? 'gsi1' : 'gsi3',
    partition: indexKeys.outgoingReferralsPartition(tenantId, organisationId, status),
    newestFirst: true,
  };
}

/** A page of an organisation's incoming or outgoing referrals, newest first: one index query. */
export async function listReferrals(
  db: Db,
  tenantId: string,
  filter: ReferralListFilter,
  page: PageRequest,
): Promise<{ items: ReferralSummary[]; lastKey: Item | undefined }> {
  const result = await queryPage(db, specOf(tenantId, filter), page);
  const items = result.items.map((item) =>
    item.entity === 'referral'
      ? referralSummaryOf(referrals.fromItem(item))
      : referralSummaries.fromItem(item),
  );
  return { items, lastKey: result.lastKey };
}
