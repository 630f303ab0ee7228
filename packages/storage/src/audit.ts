/**
 * The audit trail: who read or changed a participant's record. Events sit in one partition per
 * participant and are indexed per actor (GSI1); ids are ULIDs, so id order is time order.
 */
import { BatchWriteCommand, type BatchWriteCommandInput, PutCommand } from '@aws-sdk/lib-dynamodb';
import { newId, ServiceUnavailableError, type schemas } from '@polku/domain';
import { collections, indexKeys, keys } from '@polku/table';
import type { Db } from './db.ts';
import { translate } from './errors.ts';
import { entityOf, type Item } from './item.ts';
import { type PageRequest, type QuerySpec, queryPage } from './read.ts';

export type AuditEvent = schemas.AuditEvent;
export type AuditAction = schemas.AuditAction;
export type AuditActor = AuditEvent['actor'];
export type AuditFilter = { participantId: string } | { actorKind: AuditActor['kind']; actorId: string };

/** What the events of one request share. */
export interface AuditSource {
  actor: AuditActor;
  requestId: string;
  at: Date;
}

const ENTITY = 'audit-event';
const BATCH_SIZE = 25;
const UNPROCESSED_RETRIES = 4;

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

type WriteRequests = NonNullable<BatchWriteCommandInput['RequestItems']>[string];

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
    const batches: Item[][] = [];
    for (let i = 0; i < items.length; i += BATCH_SIZE) batches.push(items.slice(i, i + BATCH_SIZE));
    await Promise.all(batches.map((batch) => writeBatch(db, batch)));
  } catch (error) {
    translate(error);
  }
}

async function writeBatch(db: Db, items: Item[]): Promise<void> {
  let pending: WriteRequests = items.map((item) => ({ PutRequest: { Item: item } }));
  for (let attempt = 0; ; attempt++) {
    const result = await db.doc.send(new BatchWriteCommand({ RequestItems: { [db.tableName]: pending } }));
    pending = result.UnprocessedItems?.[db.tableName] ?? [];
    if (pending.length === 0) return;
    // DynamoDB returns what it could not write under load; back off briefly, then give up with 503.
    if (attempt === UNPROCESSED_RETRIES) {
      throw new ServiceUnavailableError('The database is busy; retry shortly');
    }
    await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt + Math.random() * 20));
  }
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
  return { items: result.items.map((item) => entityOf<AuditEvent>(item)), lastKey: result.lastKey };
}
