/**
 * Erasure (GDPR art. 17): every item that identifies a participant goes, in steps that each may run
 * again, so an erasure cut short by a crash completes when run again. The erasure's own item is
 * the job while it runs and the tombstone after: when, by whom, why, the step reached; ids only.
 *
 * 1. start: one transaction marks the person as being erased (they read as gone and take no new
 *    records), freezes their metrics ledger, writes the erasure and its audit event.
 * 2. metrics: one last count into the frozen ledger, then its contribution moves to the erased
 *    account. The buckets keep their counts; only the person's link to them goes.
 * 3. records: enrolments (freeing a group seat still held), attendance and the invitations of
 *    sessions, outcomes, network meetings with their actions, referrals, the stored responses of
 *    writes about them, the identity-code guard, then everything in their own partition.
 * 4. done: the participant item itself, with the erasure marked complete.
 *
 * The audit events about the person stay: they name ids and actors only, and they are the
 * controller's record of who saw what. So does the tombstone.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { holdsSeat, NotFoundError, ServiceUnavailableError, type schemas } from '@polku/domain';
import { collections, indexKeys, type Key, keys } from '@polku/table';
import {
  type AuditActor,
  type AuditSource,
  auditEventItem,
  IDEMPOTENCY_RECORD,
  newAuditEvents,
} from './audit.ts';
import type { Db } from './db.ts';
import { translate } from './errors.ts';
import { entityOf, type Item } from './item.ts';
import { freezeLedgerOp, settleErasedMetrics } from './metrics.ts';
import { domainEvent, domainEventOp } from './outbox.ts';
import { ERASING_SINCE, IDENTITY_HASH } from './participants.ts';
import { getItem, type PageRequest, queryAll, queryPage } from './read.ts';
import { commit, writeInBatches } from './write.ts';

export type Erasure = schemas.Erasure;
export type ErasureStep = Erasure['step'];

/** The retention job, as the actor of the erasures it starts. */
export const RETENTION_ACTOR: AuditActor = { kind: 'system', id: 'retention', role: 'system' };

const ENTITY = 'erasure';
/** How long the records step waits before its second pass over the indexes, unless told otherwise. */
export const ERASURE_SETTLE_MS = 1000;
const EVERYTHING = 1_000_000;
const NEXT_STEP: Record<ErasureStep, ErasureStep> = { metrics: 'records', records: 'done', done: 'done' };

class ErasureRace extends Error {}

export interface ErasureRequest {
  reason: string;
  source: Erasure['source'];
  actor: AuditActor;
  requestId: string;
  now: Date;
}

const erasureOf = (item: Item) => entityOf<Erasure>(item);

export async function findErasure(
  db: Db,
  tenantId: string,
  participantId: string,
): Promise<Erasure | undefined> {
  const item = await getItem(db, keys.erasure(tenantId, participantId));
  return item?.entity === ENTITY ? erasureOf(item) : undefined;
}

/**
 * Starts erasing a participant, or returns the erasure already begun (a retry after a crash or a
 * lost response resumes it). NotFoundError when the tenant holds no such participant.
 */
export async function startErasure(
  db: Db,
  tenantId: string,
  participantId: string,
  request: ErasureRequest,
): Promise<Erasure> {
  const existing = await findErasure(db, tenantId, participantId);
  if (existing) return existing;
  const participant = await getItem(db, keys.participant(tenantId, participantId));
  if (participant?.entity !== 'participant')
    throw new NotFoundError(`participant ${participantId} not found`);
  const at = request.now.toISOString();
  const erasure: Erasure = {
    participantId,
    source: request.source,
    reason: request.reason,
    requestedAt: at,
    requestedBy: request.actor,
    step: 'metrics',
  };
  const source: AuditSource = { actor: request.actor, requestId: request.requestId, at: request.now };
  const audit = newAuditEvents(source, 'participant.erase', [participantId]).map((event) =>
    auditEventItem(tenantId, event),
  );
  try {
    await commit(
      db,
      [
        {
          kind: 'put',
          item: {
            ...erasure,
            ...keys.erasure(tenantId, participantId),
            ...indexKeys.erasureListing(tenantId, at, participantId),
            ...indexKeys.unfinishedErasure(tenantId, at, participantId),
            entity: ENTITY,
            tenantId,
          },
          condition: { expression: 'attribute_not_exists(PK)' },
          onConflict: () => new ErasureRace(),
        },
        {
          // A change in flight based on an earlier read fails on the version (412), not undoes this.
          kind: 'update',
          key: keys.participant(tenantId, participantId),
          update: 'SET #erasing = :at, #version = #version + :one',
          names: { '#erasing': ERASING_SINCE, '#version': 'version' },
          values: { ':at': at, ':one': 1 },
          condition: { expression: 'attribute_exists(PK)' },
          onConflict: () => new ErasureRace(),
        },
        freezeLedgerOp(tenantId, participantId),
      ],
      { audit },
    );
  } catch (error) {
    if (!(error instanceof ErasureRace)) throw error;
    // Another request began it first, or the participant went meanwhile.
    const raced = await findErasure(db, tenantId, participantId);
    if (raced) return raced;
    throw new NotFoundError(`participant ${participantId} not found`);
  }
  return erasure;
}

/**
 * Runs an erasure's remaining steps, recording each as it completes. Every step deletes what its
 * queries find, so running one again (after a crash, or concurrently) is harmless.
 */
export async function runErasure(
  db: Db,
  tenantId: string,
  erasure: Erasure,
  now: Date,
  settleMs = ERASURE_SETTLE_MS,
): Promise<Erasure> {
  let current = erasure;
  const { participantId } = erasure;
  while (current.step !== 'done') {
    if (current.step === 'metrics') await settleErasedMetrics(db, tenantId, participantId, now);
    if (current.step === 'records') {
      await deleteRecords(db, tenantId, participantId, now);
      // Index entries of records written just before the erasure began may have lagged the first
      // pass (GSIs are eventually consistent, typically well within a second): a second pass.
      await new Promise((resolve) => setTimeout(resolve, settleMs));
      await deleteRecords(db, tenantId, participantId, now);
    }
    current = await advance(db, tenantId, current, now);
  }
  return current;
}

/** Records that a step is complete; the last also deletes the participant item. */
async function advance(db: Db, tenantId: string, erasure: Erasure, now: Date): Promise<Erasure> {
  const next = NEXT_STEP[erasure.step];
  const key = keys.erasure(tenantId, erasure.participantId);
  const completedAt = next === 'done' ? now.toISOString() : undefined;
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: db.tableName,
              Key: key,
              // Done: out of the index of unfinished erasures.
              UpdateExpression: completedAt
                ? 'SET #step = :next, #completedAt = :at REMOVE #unfinished, #unfinishedAt'
                : 'SET #step = :next',
              ConditionExpression: '#step = :step',
              ExpressionAttributeNames: {
                '#step': 'step',
                ...(completedAt
                  ? { '#completedAt': 'completedAt', '#unfinished': 'GSI2PK', '#unfinishedAt': 'GSI2SK' }
                  : {}),
              },
              ExpressionAttributeValues: {
                ':step': erasure.step,
                ':next': next,
                ...(completedAt ? { ':at': completedAt } : {}),
              },
            },
          },
          ...(next === 'done'
            ? [
                {
                  Delete: { TableName: db.tableName, Key: keys.participant(tenantId, erasure.participantId) },
                },
              ]
            : []),
        ],
      }),
    );
  } catch (error) {
    if (reasonsOf(error)?.[0] !== 'ConditionalCheckFailed') contended(error);
    // Another run of the same erasure advanced it first: carry on from where that one is.
    const stored = await findErasure(db, tenantId, erasure.participantId);
    if (stored && stored.step !== erasure.step) return stored;
    contended(error);
  }
  return { ...erasure, step: next, ...(completedAt ? { completedAt } : {}) };
}

/** The cancellation reasons of a transaction, by item; undefined for any other error. */
function reasonsOf(error: unknown): (string | undefined)[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code);
}

/** A transaction that met another on the same items, or a transient failure: 503, retry. */
function contended(error: unknown): never {
  if (reasonsOf(error)?.includes('TransactionConflict')) {
    throw new ServiceUnavailableError('Another request is changing the same records; retry', 1, {
      cause: error,
    });
  }
  translate(error);
}

const keyOf = (item: Item): Key => ({ PK: String(item.PK), SK: String(item.SK) });

async function deleteAll(db: Db, keysToDelete: Key[]): Promise<void> {
  const unique = [...new Map(keysToDelete.map((key) => [`${key.PK}\u0000${key.SK}`, key])).values()];
  if (unique.length === 0) return;
  try {
    await writeInBatches(
      db,
      unique.map((key) => ({ DeleteRequest: { Key: key } })),
    );
  } catch (error) {
    translate(error);
  }
}

/** Every item of the partitions of the given keys (a referral, an outcome, a meeting and its actions). */
async function partitionsOf(db: Db, partitionKeys: string[]): Promise<Key[]> {
  const items = await Promise.all(
    [...new Set(partitionKeys)].map((partition) => queryAll(db, { partition }, EVERYTHING)),
  );
  return items.flat().map(keyOf);
}

async function deleteRecords(db: Db, tenantId: string, participantId: string, now: Date): Promise<void> {
  const byIndex = (partition: string) => queryAll(db, { index: 'gsi1', partition }, EVERYTHING);
  const own = keys.participant(tenantId, participantId);
  const [participant, enrolments, attendance, outcomes, meetings, ownItems, auditItems] = await Promise.all([
    getItem(db, own),
    byIndex(indexKeys.enrolmentsOfParticipantPartition(tenantId, participantId)),
    byIndex(indexKeys.attendanceOfParticipantPartition(tenantId, participantId)),
    byIndex(indexKeys.outcomesOfParticipantPartition(tenantId, participantId)),
    byIndex(indexKeys.meetingsOfParticipantPartition(tenantId, participantId)),
    queryAll(db, { partition: own.PK }, EVERYTHING),
    queryAll(db, { partition: collections.auditOfParticipant(tenantId, participantId).PK }, EVERYTHING),
  ]);
  const programmeIds = [...enrolments, ...attendance].map((item) => String(item.programmeId));
  await removeFromSessions(db, tenantId, participantId, programmeIds);
  await Promise.all(
    enrolments
      .filter((item) => item.entity === 'enrolment')
      .map((item) => deleteEnrolment(db, tenantId, item, now)),
  );
  const referralIds = ownItems
    .filter((item) => item.entity === 'referral-summary')
    .map((item) => String(item.id));
  await Promise.all(referralIds.map((id) => deleteReferral(db, tenantId, id, now)));
  const held = await partitionsOf(db, [
    ...outcomes.filter((item) => item.entity === 'outcome').map((item) => String(item.PK)),
    ...meetings.filter((item) => item.entity === 'network-meeting').map((item) => String(item.PK)),
  ]);
  const responses = auditItems
    .map((item) => item[IDEMPOTENCY_RECORD])
    .filter((pk): pk is string => typeof pk === 'string')
    .map((PK) => ({ PK, SK: 'IDEM' }));
  const hash = participant?.[IDENTITY_HASH];
  const guard = typeof hash === 'string' ? [keys.identityCode(tenantId, hash)] : [];
  await deleteAll(db, [
    ...attendance.filter((item) => item.entity === 'attendance').map(keyOf),
    ...held,
    ...responses,
    ...guard,
  ]);
  // The responses' keys go from the audit events too: an Idempotency-Key is the client's own text.
  await Promise.all(
    auditItems
      .filter((item) => item[IDEMPOTENCY_RECORD] !== undefined)
      .map((item) => forgetResponse(db, item)),
  );
  // Their own partition last but the record itself: it keeps the person marked as being erased.
  await deleteAll(db, ownItems.filter((item) => item.SK !== own.SK).map(keyOf));
}

async function forgetResponse(db: Db, event: Item): Promise<void> {
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: keyOf(event),
        UpdateExpression: 'REMOVE #response',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: { '#response': IDEMPOTENCY_RECORD },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) translate(error);
  }
}

/**
 * Deletes a referral and tells its two organisations, in the same transaction: a `referral.erased`
 * event (ids only) goes to their webhooks, so they erase their copies too (GDPR art. 19). Nothing
 * if it is gone already.
 */
async function deleteReferral(db: Db, tenantId: string, referralId: string, now: Date): Promise<void> {
  const key = keys.referral(tenantId, referralId);
  const referral = await getItem(db, key);
  if (referral?.entity === 'referral') {
    const event = domainEvent(
      {
        type: 'referral.erased',
        organisationIds: [String(referral.toOrganisationId), String(referral.fromOrganisationId)],
        resource: { kind: 'referral', id: referralId, path: `/v1/referrals/${referralId}` },
      },
      now,
    );
    try {
      await commit(db, [
        {
          kind: 'delete',
          key,
          condition: { expression: 'attribute_exists(PK)' },
          onConflict: () => new ErasureRace(),
        },
        domainEventOp(tenantId, event),
      ]);
    } catch (error) {
      // Deleted meanwhile by another run of the erasure, which told the organisations.
      if (!(error instanceof ErasureRace)) throw error;
    }
  }
  // Anything else in the referral's partition.
  await deleteAll(db, await partitionsOf(db, [key.PK]));
}

/** Deletes an enrolment and frees the group seat it held, together; nothing if it is gone already. */
async function deleteEnrolment(db: Db, tenantId: string, listed: Item, now: Date): Promise<void> {
  const key = keyOf(listed);
  for (let attempt = 1; ; attempt++) {
    // The index's copy may lag a stage change: the seat is decided on the enrolment as it is.
    const enrolment = await getItem(db, key);
    if (enrolment?.entity !== 'enrolment') return;
    const seat =
      enrolment.groupId && holdsSeat(enrolment.stage as schemas.Enrolment['stage'])
        ? keys.group(tenantId, String(enrolment.programmeId), String(enrolment.groupId))
        : undefined;
    try {
      await db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: db.tableName,
                Key: key,
                ConditionExpression: '#version = :version',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':version': enrolment.version },
              },
            },
            ...(seat
              ? [
                  {
                    Update: {
                      TableName: db.tableName,
                      Key: seat,
                      UpdateExpression:
                        'SET #seats = #seats - :one, #version = #version + :one, #updatedAt = :now',
                      ConditionExpression: 'attribute_exists(PK) AND #seats > :zero',
                      ExpressionAttributeNames: {
                        '#seats': 'seatsTaken',
                        '#version': 'version',
                        '#updatedAt': 'updatedAt',
                      },
                      ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':now': now.toISOString() },
                    },
                  },
                ]
              : []),
          ],
        }),
      );
      return;
    } catch (error) {
      const [changed, seatGone] = reasonsOf(error) ?? [];
      // Changed or deleted meanwhile: read it again.
      if (changed === 'ConditionalCheckFailed' && attempt < 5) continue;
      // The group no longer counts the seat (or is gone): the enrolment still goes.
      if (seatGone === 'ConditionalCheckFailed') {
        await deleteAll(db, [key]);
        return;
      }
      contended(error);
    }
  }
}

/** Takes the person off the invitations of sessions without a group, in the programmes they were in. */
async function removeFromSessions(
  db: Db,
  tenantId: string,
  participantId: string,
  programmeIds: string[],
): Promise<void> {
  for (const programmeId of new Set(programmeIds)) {
    const partition = indexKeys.sessionsOfProgrammePartition(tenantId, programmeId);
    const sessions = await queryAll(db, { index: 'gsi1', partition }, EVERYTHING);
    for (const listed of sessions) {
      if (!invitedIn(listed, participantId)) continue;
      await uninvite(db, keyOf(listed), participantId);
    }
  }
}

const invitedIn = (session: Item | undefined, participantId: string) =>
  Array.isArray(session?.participantIds) && session.participantIds.includes(participantId);

/** Takes the person off one session's invitations, reading it again if it changed meanwhile. */
async function uninvite(db: Db, key: Key, participantId: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const session = await getItem(db, key);
    if (!session || !invitedIn(session, participantId)) return;
    try {
      await db.doc.send(
        new UpdateCommand({
          TableName: db.tableName,
          Key: key,
          UpdateExpression: 'SET #invited = :rest, #version = #version + :one',
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#invited': 'participantIds', '#version': 'version' },
          ExpressionAttributeValues: {
            ':rest': (session.participantIds as string[]).filter((id) => id !== participantId),
            ':one': 1,
            ':version': session.version,
          },
        }),
      );
      return;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || attempt >= 5) translate(error);
    }
  }
}

/** A page of the tenant's erasures, newest first. */
export async function listErasures(
  db: Db,
  tenantId: string,
  page: PageRequest,
): Promise<{ items: Erasure[]; lastKey: Item | undefined }> {
  const result = await queryPage(
    db,
    { index: 'gsi1', partition: indexKeys.erasuresPartition(tenantId), newestFirst: true },
    page,
  );
  return { items: result.items.map(erasureOf), lastKey: result.lastKey };
}

/** The tenant's erasures not yet done (cut short by a failure), oldest first. */
export async function unfinishedErasures(db: Db, tenantId: string, limit: number): Promise<Erasure[]> {
  const result = await queryPage(
    db,
    { index: 'gsi2', partition: indexKeys.unfinishedErasuresPartition(tenantId) },
    { limit },
  );
  return result.items.map(erasureOf);
}
