/**
 * Table stream records to webhook deliveries, the same in the Lambda (a DynamoDB event source) and
 * in `pnpm dev` (a poller on DynamoDB Local's stream). Only inserted domain events count; records
 * run concurrently, and one fails only when its attempts could not be recorded, so the stream
 * retries it (and the events after it) rather than losing it.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { domainEventOf } from '@polku/storage';
import type { Dispatcher, DispatcherConfig } from './dispatcher.ts';

/** What the Lambda event and DynamoDB Streams' GetRecords both carry of a record. */
export interface StreamRecord {
  eventName?: string | undefined;
  dynamodb?:
    | {
        SequenceNumber?: string | undefined;
        NewImage?: Record<string, AttributeValue> | undefined;
      }
    | undefined;
}

export interface BatchResult {
  /** Lambda's partial batch response: the sequence numbers to retry. */
  batchItemFailures: { itemIdentifier: string }[];
}

export async function dispatchStreamRecords(
  dispatcher: Dispatcher,
  records: readonly StreamRecord[],
  log: DispatcherConfig['log'],
): Promise<BatchResult> {
  const outcomes = await Promise.all(
    records.map(async (record) => {
      const image = record.dynamodb?.NewImage;
      // The entity is read off the raw image first: other items (empty maps in them included) are
      // none of the dispatcher's business and are never converted.
      const isEvent = record.eventName === 'INSERT' && image?.entity?.S === 'domain-event';
      const event = isEvent && image ? domainEventOf(unmarshall(image)) : undefined;
      if (!event) return undefined;
      try {
        await dispatcher.dispatch(event);
        return undefined;
      } catch (error) {
        log({
          level: 'error',
          msg: 'webhook event not dispatched; the stream retries it',
          tenantId: event.tenantId,
          eventId: event.id,
          error: error instanceof Error ? error.message : String(error),
        });
        return record.dynamodb?.SequenceNumber ?? '';
      }
    }),
  );
  return {
    batchItemFailures: outcomes
      .filter((failed) => failed !== undefined)
      .map((itemIdentifier) => ({ itemIdentifier })),
  };
}
