/**
 * The audit trail from the routes' side: the principal as the actor, the request id, the clock.
 * Reads record their events concurrently with the read; writes commit theirs with the change.
 */
import { ForbiddenError } from '@polku/domain';
import {
  type AuditAction,
  type AuditSource,
  auditEventItem,
  getParticipant,
  type Item,
  newAuditEvents,
  recordAuditEvents,
  type WriteOptions,
} from '@polku/storage';
import type { AppContext } from './env.ts';

export function sourceOf(c: AppContext): AuditSource {
  const { kind, subject, role, organisationId } = c.var.principal;
  // Operators hold no permission on participant records; should one ever reach here, refuse.
  if (kind === 'operator') throw new ForbiddenError('operators may not act on participant records');
  return {
    actor: { kind, id: subject, role, ...(organisationId ? { organisationId } : {}) },
    requestId: c.var.requestId,
    ...(c.var.clientRequestId ? { clientRequestId: c.var.clientRequestId } : {}),
    at: c.var.config.now(),
  };
}

function auditItems(c: AppContext, action: AuditAction, participantIds: readonly string[]): Item[] {
  const tenantId = c.var.principal.tenantId;
  return newAuditEvents(sourceOf(c), action, participantIds).map((event) => auditEventItem(tenantId, event));
}

async function recordReads(
  c: AppContext,
  action: AuditAction,
  participantIds: readonly string[],
): Promise<void> {
  await recordAuditEvents(c.var.config.db, auditItems(c, action, participantIds));
}

/**
 * Runs a read of known participants' records and records it at the same time, so the read costs
 * one round trip, not two. Fails if either fails: a read is never served unaudited. Answers only
 * once both are done: a failed read (404) must not leave the audit write running past its answer.
 */
export async function auditedRead<T>(
  c: AppContext,
  action: AuditAction,
  participantIds: readonly string[],
  read: () => Promise<T>,
): Promise<T> {
  const [result, audit] = await Promise.allSettled([read(), recordReads(c, action, participantIds)]);
  if (result.status === 'rejected') throw result.reason;
  if (audit.status === 'rejected') throw audit.reason;
  return result.value;
}

/**
 * Runs a read whose participants are known only from its result (a page of a list, an enrolment),
 * then records it: one more round trip, but still never a read served unaudited.
 */
export async function readThenAudit<T>(
  c: AppContext,
  action: AuditAction,
  read: () => Promise<T>,
  participantIdsOf: (result: T) => readonly string[],
): Promise<T> {
  const result = await read();
  await recordReads(c, action, participantIdsOf(result));
  return result;
}

/** The `audit` write option: the events of a change, committed in the change's own transaction. */
export function auditWrite<R>(
  c: AppContext,
  action: AuditAction,
  participantIdsOf: (result: R) => readonly string[],
): WriteOptions['audit'] {
  return (result) => auditItems(c, action, participantIdsOf(result as R));
}

/**
 * A page of one of a participant's collections (milestones, consents, referrals, meetings): 404 for
 * an unknown participant, with the existence check, the page and its audit event all sent at once.
 */
export function participantCollectionPage<T>(
  c: AppContext,
  action: AuditAction,
  participantId: string,
  list: () => Promise<T>,
): Promise<T> {
  const { db } = c.var.config;
  return auditedRead(c, action, [participantId], async () => {
    const [, page] = await Promise.all([getParticipant(db, c.var.principal.tenantId, participantId), list()]);
    return page;
  });
}
