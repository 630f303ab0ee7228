/**
 * The webhook dispatcher: a domain event goes to every active endpoint of its organisations that
 * subscribed to its type, signed, once. An attempt that ends in a network error, a timeout, 429 or
 * 5xx leaves a durable retry item for the sweeper rather than a wait here, so a slow or absent
 * receiver never holds the stream. Delivery is at least once: receivers deduplicate on the event id.
 */
import { scheduleWebhookRetry, type WebhookEndpoint, webhookEndpointsFor } from '@polku/storage';
import {
  type DispatchableEvent,
  type DispatcherConfig,
  eventFieldsOf,
  makeAttempt,
  recordAttempt,
} from './attempt.ts';

export { type DispatchableEvent, type DispatcherConfig, deliveryOf } from './attempt.ts';

export interface Dispatcher {
  /**
   * Makes the first attempt at every subscribed endpoint and schedules the retries. Rejects only
   * when endpoints could not be read or an attempt or retry could not be written: the caller then
   * retries the event.
   */
  dispatch(event: DispatchableEvent): Promise<void>;
}

export function createDispatcher(config: DispatcherConfig): Dispatcher {
  const { db } = config;

  async function deliver(event: DispatchableEvent, endpoint: WebhookEndpoint): Promise<void> {
    const made = await makeAttempt(config, event, endpoint, 1);
    if (made.nextRetryAt) {
      // Before the attempt is recorded: an attempt listed as `retrying` always has its retry. When
      // the stream hands the event over again, the retry already scheduled stands.
      await scheduleWebhookRetry(db, {
        tenantId: event.tenantId,
        endpointId: endpoint.id,
        event: eventFieldsOf(event),
        attempt: 2,
        firstAttemptAt: made.at,
        nextAttemptAt: made.nextRetryAt,
      });
    }
    await recordAttempt(config, event, endpoint, made);
  }

  return {
    async dispatch(event) {
      const organisations = [...new Set(event.organisationIds)];
      const found = await Promise.all(
        organisations.map((organisationId) =>
          webhookEndpointsFor(db, event.tenantId, organisationId, event.type),
        ),
      );
      const endpoints = [...new Map(found.flat().map((endpoint) => [endpoint.id, endpoint])).values()];
      const results = await Promise.allSettled(endpoints.map((endpoint) => deliver(event, endpoint)));
      const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      if (failures.length > 0) {
        throw new AggregateError(
          failures,
          `${failures.length} webhook attempt(s) of event ${event.id} went unrecorded`,
        );
      }
    },
  };
}
