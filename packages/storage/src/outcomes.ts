/**
 * Outcomes: what became of a participant (a job, a study place, …), one partition each, indexed by
 * participant on GSI1, where the metrics projector reads them. Amending or withdrawing one keeps
 * the earlier values in its history, so a figure that changes can always be explained.
 */
import { ConflictError, type schemas, ValidationError } from '@polku/domain';
import { indexKeys, keys } from '@polku/table';
import type { Db } from './db.ts';
import type { Item } from './item.ts';
import { participantStillExists } from './participants.ts';
import { type PageRequest, queryPage } from './read.ts';
import type { Actor } from './referrals.ts';
import {
  assertVersion,
  newResource,
  recordsOf,
  repository,
  revised,
  type WriteOptions,
} from './repository.ts';
import { commit } from './write.ts';

export type Outcome = schemas.Outcome;
export type OutcomeRevision = Outcome['history'][number];

export const outcomes = repository<Outcome>({
  name: 'outcome',
  entity: 'outcome',
  key: (tenantId, outcome) => keys.outcome(tenantId, outcome.id),
  indexKeys: (tenantId, outcome) =>
    indexKeys.outcomeByParticipant(tenantId, outcome.participantId, outcome.id),
});

export function getOutcome(db: Db, tenantId: string, id: string): Promise<Outcome> {
  return outcomes.load(db, keys.outcome(tenantId, id), id);
}

export type NewOutcome = Pick<Outcome, 'participantId' | 'kind' | 'startDate' | 'source' | 'verifiedOn'> &
  Partial<Pick<Outcome, 'enrolmentId' | 'endDate' | 'hoursPerWeek' | 'employerOrInstitution'>> & {
    recordedBy: Actor;
  };

/** Records an outcome of a participant who still exists when it is written. */
export async function recordOutcome(
  db: Db,
  tenantId: string,
  input: NewOutcome,
  options: WriteOptions = {},
): Promise<Outcome> {
  const now = options.now ?? new Date();
  const outcome = newResource(
    {
      participantId: input.participantId,
      enrolmentId: input.enrolmentId ?? null,
      kind: input.kind,
      startDate: input.startDate,
      endDate: input.endDate ?? null,
      hoursPerWeek: input.hoursPerWeek ?? null,
      employerOrInstitution: input.employerOrInstitution ?? null,
      source: input.source,
      verifiedOn: input.verifiedOn,
      recordedBy: input.recordedBy,
      withdrawn: false,
      history: [{ action: 'record' as const, at: now.toISOString(), by: input.recordedBy, changes: {} }],
    },
    now,
  );
  await commit(
    db,
    [outcomes.insert(tenantId, outcome), participantStillExists(tenantId, input.participantId)],
    recordsOf(options, outcome),
  );
  return outcome;
}

/** A page of a participant's outcomes, newest first: one GSI1 query. */
export async function listOutcomesOfParticipant(
  db: Db,
  tenantId: string,
  participantId: string,
  page: PageRequest,
): Promise<{ items: Outcome[]; lastKey: Item | undefined }> {
  const partition = indexKeys.outcomesOfParticipantPartition(tenantId, participantId);
  const result = await queryPage(db, { index: 'gsi1', partition, newestFirst: true }, page);
  return { items: result.items.map(outcomes.fromItem), lastKey: result.lastKey };
}

/** What an amendment may change: the recorded facts, not whose outcome it is. */
export type OutcomePatch = Partial<
  Pick<
    Outcome,
    'kind' | 'startDate' | 'endDate' | 'hoursPerWeek' | 'employerOrInstitution' | 'source' | 'verifiedOn'
  >
>;

/**
 * The outcome with the patch applied and a revision naming each changed field's value before and
 * after; 400 when the result would end before it starts.
 */
export function outcomeAmended(
  current: Outcome,
  patch: OutcomePatch,
  revision: { reason: string; by: Actor },
  now: Date,
): Outcome {
  const changes: OutcomeRevision['changes'] = {};
  for (const [field, to] of Object.entries(patch)) {
    const from = current[field as keyof OutcomePatch];
    if (to !== undefined && to !== from) changes[field] = { from, to };
  }
  const endDate = patch.endDate === undefined ? current.endDate : patch.endDate;
  const startDate = patch.startDate ?? current.startDate;
  if (endDate !== null && endDate < startDate) {
    const field = patch.endDate === undefined ? 'body.startDate' : 'body.endDate';
    throw new ValidationError('the outcome would end before it starts', [
      { field, message: `endDate ${endDate} must not be before startDate ${startDate}` },
    ]);
  }
  return revised(
    current,
    {
      ...patch,
      history: [
        ...current.history,
        { action: 'amend', at: now.toISOString(), by: revision.by, reason: revision.reason, changes },
      ],
    },
    now,
  );
}

/** Amends an outcome the caller has read, at the version it sent (412 when stale). */
export async function amendOutcome(
  db: Db,
  tenantId: string,
  current: Outcome,
  patch: OutcomePatch,
  revision: { reason: string; by: Actor },
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<Outcome> {
  const now = options.now ?? new Date();
  assertVersion(outcomes.spec.name, current, expectedVersion);
  if (current.withdrawn) {
    throw new ConflictError(
      'outcome-withdrawn',
      `outcome ${current.id} was withdrawn; it can no longer be amended`,
    );
  }
  const next = outcomeAmended(current, patch, revision, now);
  await commit(db, [outcomes.replace(tenantId, next, expectedVersion)], recordsOf(options, next));
  return next;
}

/** Withdraws an outcome: it stays, with its history, but no longer counts. Twice is 409. */
export async function withdrawOutcome(
  db: Db,
  tenantId: string,
  current: Outcome,
  revision: { reason: string; by: Actor },
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<Outcome> {
  const now = options.now ?? new Date();
  assertVersion(outcomes.spec.name, current, expectedVersion);
  if (current.withdrawn) {
    throw new ConflictError('already-withdrawn', `outcome ${current.id} is already withdrawn`);
  }
  const next = revised(
    current,
    {
      withdrawn: true,
      history: [
        ...current.history,
        {
          action: 'withdraw',
          at: now.toISOString(),
          by: revision.by,
          reason: revision.reason,
          changes: { withdrawn: { from: false, to: true } },
        },
      ],
    },
    now,
  );
  await commit(db, [outcomes.replace(tenantId, next, expectedVersion)], recordsOf(options, next));
  return next;
}
