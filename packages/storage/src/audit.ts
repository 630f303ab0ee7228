/**
 * The audit trail: who read or changed a participant's record. Events sit in one partition per
 * participant and are indexed per actor (GSI1); ids are ULIDs, so id order is time order.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { newId, type schemas } from '@polku/domain';
import { collections, indexKeys, keys } from '@polku/table';
import type { Db } from './db.ts';
import { translate } from './errors.ts';
import { entityOf, type Item } from './item.ts';
import { type PageRequest, type QuerySpec, queryPage } from './read.ts';
import { writeInBatches } from './write.ts';

export type AuditEvent = schemas.AuditEvent;
export type AuditAction = schemas.AuditAction;
export type AuditActor = AuditEvent['actor'];
export type AuditFilter = { participantId: string } | { actorKind: AuditActor['kind']; actorId: string };

/** What the events of one request share. */
export interface AuditSource {
  actor: AuditActor;
  requestId: string;
  /** The caller's own request id, if it sent one. */
  clientRequestId?: string | undefined;
  at: Date;
}

const ENTITY = 'audit-event';
/**
 * Stored beside an event of a write that had an Idempotency-Key: the stored response's key, so an
 * erasure finds and deletes the responses about the person. Never shown.
 */
export const IDEMPOTENCY_RECORD = 'idempotencyPK';

/** One event per participant, in time order (ids of the same instant still increase). */
export function newAuditEvents(
  source: AuditSource,
  action: AuditAction,
  participantIds: readonly string[],
): AuditEvent[] {
  return [...new Set(participantIds)].map((participantId) => ({
    id: newId(source.at.getTime()),
    at: source.at.toISOString(),
    participantId,
    action,
    actor: source.actor,
    requestId: source.requestId,
    ...(source.clientRequestId ? { clientRequestId: source.clientRequestId } : {}),
  }));
}

/** The stored item: in the participant's partition, and in the actor's index partition. */
export function auditEventItem(tenantId: string, event: AuditEvent): Item {
  return {
    ...event,
    ...keys.auditEvent(tenantId, event.participantId, event.id),
    ...indexKeys.auditByActor(tenantId, event.actor.kind, event.actor.id, event.id),
    entity: ENTITY,
    tenantId,
  };
}

/**
 * Records the events of a read, outside any transaction: one PutItem, or batches of 25 written in
 * parallel. Every event is written or the call fails (503 when DynamoDB throttles).
 */
export async function recordAuditEvents(db: Db, items: readonly Item[]): Promise<void> {
  try {
    if (items.length === 1) {
      await db.doc.send(new PutCommand({ TableName: db.tableName, Item: items[0] }));
      return;
    }
    await writeInBatches(
      db,
      items.map((item) => ({ PutRequest: { Item: item } })),
    );
  } catch (error) {
    translate(error);
  }
}

export const auditEventOf = (item: Item) => entityOf<AuditEvent>(item, [IDEMPOTENCY_RECORD]);

/** Who registered the participant: the actor of the first event about them, which is their creation. */
export async function registrantOf(
  db: Db,
  tenantId: string,
  participantId: string,
): Promise<AuditActor | undefined> {
  const { PK, prefix } = collections.auditOfParticipant(tenantId, participantId);
  const { items } = await queryPage(db, { partition: PK, prefix }, { limit: 1 });
  const first = items[0];
  return first?.action === 'participant.create' ? auditEventOf(first).actor : undefined;
}

function specOf(tenantId: string, filter: AuditFilter): QuerySpec {
  if ('participantId' in filter) {
    const { PK, prefix } = collections.auditOfParticipant(tenantId, filter.participantId);
    return { partition: PK, prefix, newestFirst: true };
  }
  return {
    index: 'gsi1',
    partition: indexKeys.auditOfActorPartition(tenantId, filter.actorKind, filter.actorId),
    newestFirst: true,
  };
}

/** A page of the events about a participant, or by an actor, newest first: one key query. */
export async function listAuditEvents(
  db: Db,
  tenantId: string,
  filter: AuditFilter,
  page: PageRequest,
): Promise<{ items: AuditEvent[]; lastKey: Item | undefined }> {
  const result = await queryPage(db, specOf(tenantId, filter), page);
  return { items: result.items.map(auditEventOf), lastKey: result.lastKey };
}
