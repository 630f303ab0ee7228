/**
 * Webhook deliveries still to be retried: one item per endpoint and event in the endpoint's
 * partition, indexed by due time in a few platform partitions (GSI1) that the sweeper queries. Every
 * change is conditional on the item being as last read, so two sweepers never send the same retry.
 */
import { indexKeys, keys, WEBHOOK_RETRY_SHARDS } from '@polku/table';
import type { Db } from './db.ts';
import type { Item } from './item.ts';
import type { DomainEvent } from './outbox.ts';
import { queryPage } from './read.ts';
import { type Condition, commit, conditions } from './write.ts';

export interface WebhookRetry {
  tenantId: string;
  endpointId: string;
  /** The domain event's own fields: ids, type and resource, nothing personal. */
  event: DomainEvent;
  /** The number of the attempt that is due. */
  attempt: number;
  /** The schedule counts from here. */
  firstAttemptAt: string;
  nextAttemptAt: string;
}

/** The retry was changed or removed since it was read: another sweeper has it. */
class RetryChanged extends Error {
  override name = 'RetryChanged';
}

function itemOf(retry: WebhookRetry): Item {
  const { tenantId, endpointId, event, nextAttemptAt } = retry;
  return {
    ...keys.webhookRetry(tenantId, endpointId, event.id),
    ...indexKeys.webhookRetryDue(tenantId, endpointId, event.id, nextAttemptAt),
    entity: 'webhook-retry',
    ...retry,
  };
}

function retryOf(item: Item): WebhookRetry {
  const { tenantId, endpointId, event, attempt, firstAttemptAt, nextAttemptAt } =
    item as unknown as WebhookRetry;
  return { tenantId, endpointId, event, attempt, firstAttemptAt, nextAttemptAt };
}

const unchanged = (retry: WebhookRetry): Condition => ({
  expression: '#attempt = :attempt AND #next = :next',
  names: { '#attempt': 'attempt', '#next': 'nextAttemptAt' },
  values: { ':attempt': retry.attempt, ':next': retry.nextAttemptAt },
});

/** Runs a conditional write; false when the condition failed. */
async function ifUnchanged(write: () => Promise<void>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof RetryChanged) return false;
    throw error;
  }
}

/**
 * Schedules the first retry of an event at an endpoint. False when one is already scheduled (the
 * stream handed the event over again): the schedule in place stands.
 */
export function scheduleWebhookRetry(db: Db, retry: WebhookRetry): Promise<boolean> {
  return ifUnchanged(() =>
    commit(db, [
      {
        kind: 'put',
        item: itemOf(retry),
        condition: conditions.absent(),
        onConflict: () => new RetryChanged(),
      },
    ]),
  );
}

/** Replaces a retry as read with its next state; false when it changed meanwhile. */
export function replaceWebhookRetry(db: Db, current: WebhookRetry, next: WebhookRetry): Promise<boolean> {
  return ifUnchanged(() =>
    commit(db, [
      {
        kind: 'put',
        item: itemOf(next),
        condition: unchanged(current),
        onConflict: () => new RetryChanged(),
      },
    ]),
  );
}

/** Removes a retry as read; false when it changed meanwhile. */
export function deleteWebhookRetry(db: Db, current: WebhookRetry): Promise<boolean> {
  const key = keys.webhookRetry(current.tenantId, current.endpointId, current.event.id);
  return ifUnchanged(() =>
    commit(db, [
      { kind: 'delete', key, condition: unchanged(current), onConflict: () => new RetryChanged() },
    ]),
  );
}

/**
 * Every retry due by `now`, one shard at a time, a page at a time: one key-condition query per page
 * on GSI1, never a Scan. The index is eventually consistent; callers act on an item only through
 * the conditional writes above.
 */
export async function* dueWebhookRetries(db: Db, now: Date, pageSize = 25): AsyncGenerator<WebhookRetry[]> {
  const upTo = indexKeys.webhookRetriesDueBy(now.toISOString());
  for (let shard = 0; shard < WEBHOOK_RETRY_SHARDS; shard++) {
    let startKey: Item | undefined;
    do {
      const page = await queryPage(
        db,
        { index: 'gsi1', partition: indexKeys.webhookRetriesPartition(shard), between: ['0', upTo] },
        { limit: pageSize, startKey },
      );
      if (page.items.length > 0) yield page.items.map(retryOf);
      startKey = page.lastKey;
    } while (startKey);
  }
}
