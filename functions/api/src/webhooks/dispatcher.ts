/**
 * The webhook dispatcher: a domain event goes to every active endpoint of its organisations that
 * subscribed to its type, signed, retried with backoff on network errors, timeouts, 429 and 5xx,
 * and every attempt recorded. Delivery is at least once: receivers deduplicate on the event id.
 */
import type { schemas } from '@polku/domain';
import {
  type DomainEvent,
  recordWebhookAttempt,
  type WebhookEndpoint,
  webhookEndpointsFor,
} from '@polku/storage';
import type { AppConfig } from '../config.ts';
import { type DeliveryResult, post } from './delivery.ts';
import { SIGNATURE_HEADER, secretsToSignWith, signatureHeader } from './signing.ts';

export type DispatchableEvent = DomainEvent & { tenantId: string };

export type DispatcherConfig = Pick<AppConfig, 'db' | 'webhooks' | 'now' | 'log'>;

export interface Dispatcher {
  /**
   * Delivers the event to every subscribed endpoint, retries included. Rejects only when endpoints
   * could not be read or an attempt could not be recorded: the caller then retries the event.
   */
  dispatch(event: DispatchableEvent): Promise<void>;
}

/** The body a receiver gets: ids and the type, no personal data. */
export function deliveryOf(event: DispatchableEvent): schemas.WebhookDelivery {
  const { kind, id, path } = event.resource;
  return {
    id: event.id,
    type: event.type,
    occurredAt: event.at,
    tenantId: event.tenantId,
    resource: { kind, id, path },
  };
}

/** Worth another attempt: no answer, or one that says "later". */
function retryable(result: DeliveryResult): boolean {
  if (result.statusCode === undefined) return !result.refused;
  return result.statusCode === 429 || result.statusCode >= 500;
}

const delivered = (result: DeliveryResult) =>
  result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createDispatcher(config: DispatcherConfig): Dispatcher {
  const { db, webhooks, now, log } = config;
  const attempts = webhooks.retryDelaysMs.length + 1;

  /** One signed POST, each attempt with its own timestamp (and, after a rotation, two signatures). */
  function send(event: DispatchableEvent, endpoint: WebhookEndpoint, body: string, at: Date) {
    const secrets = secretsToSignWith(webhooks.key, event.tenantId, endpoint, at);
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'Polku-Webhooks/1',
      'Polku-Event-Id': event.id,
      'Polku-Event-Type': event.type,
      [SIGNATURE_HEADER]: signatureHeader(secrets, Math.floor(at.getTime() / 1000), body),
    };
    return post(endpoint.url, body, headers, {
      allowLoopback: webhooks.allowLoopbackTargets,
      timeoutMs: webhooks.timeoutMs,
    });
  }

  async function deliver(event: DispatchableEvent, endpoint: WebhookEndpoint, body: string): Promise<void> {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const at = now();
      const result = await send(event, endpoint, body, at);
      const ok = delivered(result);
      const delay = webhooks.retryDelaysMs[attempt - 1];
      const again = !ok && delay !== undefined && retryable(result);
      await recordWebhookAttempt(db, event.tenantId, endpoint.id, {
        eventId: event.id,
        eventType: event.type,
        attempt,
        at: at.toISOString(),
        outcome: ok ? 'delivered' : again ? 'retrying' : 'failed',
        ...(result.statusCode === undefined ? {} : { statusCode: result.statusCode }),
        ...(result.error === undefined ? {} : { error: result.error }),
        durationMs: result.durationMs,
        ...(again ? { nextRetryAt: new Date(at.getTime() + result.durationMs + delay).toISOString() } : {}),
      });
      if (again) {
        await sleep(delay);
        continue;
      }
      if (!ok) {
        // Ids only: the URL and the response may say more than a log should.
        log({
          level: 'warn',
          msg: 'webhook delivery failed',
          tenantId: event.tenantId,
          endpointId: endpoint.id,
          eventId: event.id,
          attempt,
          statusCode: result.statusCode,
        });
      }
      return;
    }
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
      const body = JSON.stringify(deliveryOf(event));
      const results = await Promise.allSettled(endpoints.map((endpoint) => deliver(event, endpoint, body)));
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
