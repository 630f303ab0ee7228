/**
 * Domain events for partner systems, written in the same transaction as the change they announce
 * (the outbox pattern): nothing is announced that did not happen, nothing that happened is lost.
 * The webhook dispatcher reads them off the table's stream; they expire after a week.
 */
import { newId } from '@polku/domain';
import { keys } from '@polku/table';
import type { Item } from './item.ts';
import type { WriteOp } from './write.ts';

export const DOMAIN_EVENT_TYPES = [
  'referral.created',
  'referral.accepted',
  'referral.declined',
  'referral.started',
  'referral.completed',
  'referral.cancelled',
  'referral.erased',
  'action.assigned',
] as const;
export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];

export const DOMAIN_EVENT_TTL_SECONDS = 7 * 24 * 3600;

export interface DomainEvent {
  id: string;
  type: DomainEventType;
  at: string;
  /** The organisations whose webhook endpoints hear of it (e.g. a referral's receiver and sender). */
  organisationIds: string[];
  /** What changed, by id only: receivers fetch the details with their own token. */
  resource: { kind: 'referral' | 'network-meeting-action'; id: string; path: string };
}

export function domainEvent(fields: Omit<DomainEvent, 'id' | 'at'>, now = new Date()): DomainEvent {
  return { id: newId(now.getTime()), at: now.toISOString(), ...fields };
}

/** The outbox item of an event, to commit with the change. */
export function domainEventOp(tenantId: string, event: DomainEvent): WriteOp {
  const item: Item = {
    ...keys.domainEvent(tenantId, event.id),
    entity: 'domain-event',
    tenantId,
    ...event,
    expiresAt: Math.floor(Date.parse(event.at) / 1000) + DOMAIN_EVENT_TTL_SECONDS,
  };
  return { kind: 'put', item };
}

/** The event in a stream record's new image, or undefined when the item is not a domain event. */
export function domainEventOf(item: Item | undefined): (DomainEvent & { tenantId: string }) | undefined {
  if (item?.entity !== 'domain-event') return undefined;
  const { id, type, at, organisationIds, resource, tenantId } = item as unknown as DomainEvent & {
    tenantId: string;
  };
  return { id, type, at, organisationIds, resource, tenantId };
}
