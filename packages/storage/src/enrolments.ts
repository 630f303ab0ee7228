/**
 * Enrolments: a participant in a programme (and group) with a coach, moving through stages.
 * A seat in the group is taken on entering enrolled/active and released on exit, in the same
 * transaction as the stage change; one open enrolment per participant and programme.
 */
import {
  allowedNextStages,
  ConflictError,
  canMoveTo,
  type EnrolmentStage,
  holdsSeat,
  isExit,
  type schemas,
  ValidationError,
} from '@polku/domain';
import { indexKeys, keys } from '@polku/table';
import type { Db } from './db.ts';
import type { Item } from './item.ts';
import { participantStillExists } from './participants.ts';
import { type Group, getGroup, releaseSeat, takeSeat } from './programmes.ts';
import { getItem, type PageRequest, queryAll, queryPage } from './read.ts';
import {
  assertVersion,
  newResource,
  recordsOf,
  repository,
  revised,
  type WriteOptions,
} from './repository.ts';
import { commit, type WriteOp } from './write.ts';

export type Enrolment = schemas.Enrolment;

export const enrolments = repository<Enrolment>({
  name: 'enrolment',
  entity: 'enrolment',
  key: (tenantId, enrolment) => keys.enrolment(tenantId, enrolment.id),
  indexKeys: (tenantId, enrolment) => ({
    ...indexKeys.enrolmentByParticipant(tenantId, enrolment.participantId, enrolment.id),
    ...indexKeys.enrolmentByProgramme(tenantId, enrolment.programmeId, enrolment.id),
    ...(enrolment.groupId ? indexKeys.enrolmentByGroup(tenantId, enrolment.groupId, enrolment.id) : {}),
  }),
});

export function getEnrolment(db: Db, tenantId: string, id: string): Promise<Enrolment> {
  return enrolments.load(db, keys.enrolment(tenantId, id), id);
}

function dateOf(stage: EnrolmentStage, date: string, current?: Enrolment) {
  return {
    startDate: stage === 'active' ? date : (current?.startDate ?? null),
    exitDate: isExit(stage) ? date : null,
  };
}

class AlreadyEnrolled extends Error {}

export interface NewEnrolment {
  participantId: string;
  programmeId: string;
  groupId: string | null;
  coachId: string;
  stage: EnrolmentStage;
  date: string;
  actor: string;
}

export async function createEnrolment(
  db: Db,
  tenantId: string,
  input: NewEnrolment,
  group: Group | undefined,
  options: WriteOptions = {},
): Promise<Enrolment> {
  const now = options.now ?? new Date();
  const enrolment = newResource(
    {
      participantId: input.participantId,
      programmeId: input.programmeId,
      groupId: input.groupId,
      coachId: input.coachId,
      stage: input.stage,
      ...dateOf(input.stage, input.date),
      discontinuationReason: null,
      history: [{ stage: input.stage, date: input.date, at: now.toISOString(), by: input.actor }],
    },
    now,
  );
  const ops: WriteOp[] = [
    enrolments.insert(tenantId, enrolment),
    {
      kind: 'put',
      item: {
        ...keys.openEnrolment(tenantId, input.participantId, input.programmeId),
        entity: 'open-enrolment',
        enrolmentId: enrolment.id,
      },
      condition: { expression: 'attribute_not_exists(PK)' },
      onConflict: () => new AlreadyEnrolled(),
    },
    participantStillExists(tenantId, input.participantId),
  ];
  if (group && holdsSeat(input.stage)) ops.push(takeSeat(tenantId, group, now));
  try {
    await commit(db, ops, recordsOf(options, enrolment));
  } catch (error) {
    if (!(error instanceof AlreadyEnrolled)) throw error;
    const open = await getItem(db, keys.openEnrolment(tenantId, input.participantId, input.programmeId));
    throw new ConflictError(
      'already-enrolled',
      `participant ${input.participantId} already has an open enrolment ${String(open?.enrolmentId)} in this programme`,
      { existingEnrolmentId: open?.enrolmentId },
    );
  }
  return enrolment;
}

export interface Transition {
  stage: EnrolmentStage;
  reason?: string | undefined;
  date: string;
  actor: string;
}

export async function transitionEnrolment(
  db: Db,
  tenantId: string,
  id: string,
  transition: Transition,
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<Enrolment> {
  const now = options.now ?? new Date();
  const current = await getEnrolment(db, tenantId, id);
  assertVersion('enrolment', current, expectedVersion);
  if (!canMoveTo(current.stage, transition.stage)) {
    const allowed = allowedNextStages(current.stage);
    throw new ConflictError(
      'illegal-transition',
      `an enrolment in stage ${current.stage} cannot move to ${transition.stage}; allowed: ${allowed.join(', ') || 'none'}`,
      { stage: current.stage, allowed },
    );
  }
  // An exit dated before the start would count a stay of less than nothing.
  if (isExit(transition.stage) && current.startDate && transition.date < current.startDate) {
    const message = `must not be before ${current.startDate}, when the enrolment became active`;
    throw new ValidationError(`the ${transition.stage} date is before the start`, [
      { field: 'body.date', message },
    ]);
  }
  const change = {
    stage: transition.stage,
    date: transition.date,
    at: now.toISOString(),
    by: transition.actor,
    ...(transition.reason ? { reason: transition.reason } : {}),
  };
  const next = revised(
    current,
    {
      stage: transition.stage,
      ...dateOf(transition.stage, transition.date, current),
      discontinuationReason: transition.stage === 'discontinued' ? (transition.reason ?? null) : null,
      history: [...current.history, change],
    },
    now,
  );
  const ops: WriteOp[] = [enrolments.replace(tenantId, next, expectedVersion)];
  if (current.groupId) {
    const seatBefore = holdsSeat(current.stage);
    const seatAfter = holdsSeat(transition.stage);
    if (seatBefore !== seatAfter) {
      const group = await getGroup(db, tenantId, current.programmeId, current.groupId);
      ops.push(seatAfter ? takeSeat(tenantId, group, now) : releaseSeat(tenantId, group, now));
    }
  }
  if (isExit(transition.stage)) {
    ops.push({
      kind: 'delete',
      key: keys.openEnrolment(tenantId, current.participantId, current.programmeId),
    });
  }
  await commit(db, ops, recordsOf(options, next));
  return next;
}

export interface Handover {
  coachId: string;
  reason?: string | undefined;
  actor: string;
}

/** Gives the enrolment to another responsible coach; who may is the caller's to decide. */
export async function handOverEnrolment(
  db: Db,
  tenantId: string,
  id: string,
  handover: Handover,
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<Enrolment> {
  const now = options.now ?? new Date();
  const current = await getEnrolment(db, tenantId, id);
  assertVersion('enrolment', current, expectedVersion);
  const change = {
    from: current.coachId,
    to: handover.coachId,
    at: now.toISOString(),
    by: handover.actor,
    ...(handover.reason ? { reason: handover.reason } : {}),
  };
  const next = revised(
    current,
    { coachId: handover.coachId, coachChanges: [...(current.coachChanges ?? []), change] },
    now,
  );
  await commit(db, [enrolments.replace(tenantId, next, expectedVersion)], recordsOf(options, next));
  return next;
}

export type EnrolmentFilter = { participantId: string } | { programmeId: string } | { groupId: string };

function specOf(tenantId: string, filter: EnrolmentFilter) {
  if ('participantId' in filter) {
    return {
      index: 'gsi1' as const,
      partition: indexKeys.enrolmentsOfParticipantPartition(tenantId, filter.participantId),
    };
  }
  if ('programmeId' in filter) {
    return {
      index: 'gsi2' as const,
      partition: indexKeys.enrolmentsOfProgrammePartition(tenantId, filter.programmeId),
    };
  }
  return {
    index: 'gsi3' as const,
    partition: indexKeys.enrolmentsOfGroupPartition(tenantId, filter.groupId),
  };
}

export async function listEnrolments(
  db: Db,
  tenantId: string,
  filter: EnrolmentFilter,
  page: PageRequest,
): Promise<{ items: Enrolment[]; lastKey: Item | undefined }> {
  const result = await queryPage(db, specOf(tenantId, filter), page);
  return { items: result.items.map(enrolments.fromItem), lastKey: result.lastKey };
}

/** Every enrolment of a participant (a handful over a lifetime). */
export async function enrolmentsOfParticipant(
  db: Db,
  tenantId: string,
  participantId: string,
): Promise<Enrolment[]> {
  const items = await queryAll(db, specOf(tenantId, { participantId }));
  return items.map(enrolments.fromItem);
}

/** Every enrolment of a group (bounded by its capacity and turnover). */
export async function enrolmentsOfGroup(db: Db, tenantId: string, groupId: string): Promise<Enrolment[]> {
  const items = await queryAll(db, specOf(tenantId, { groupId }));
  return items.map(enrolments.fromItem);
}
