/**
 * One delivery attempt of an event at an endpoint, the same for the dispatcher's first attempt and
 * the sweeper's retries: signed afresh, its outcome decided by the retry schedule, then recorded.
 */
import type { schemas } from '@polku/domain';
import {
  type DomainEvent,
  recordWebhookAttempt,
  type WebhookAttempt,
  type WebhookEndpoint,
} from '@polku/storage';
import type { AppConfig } from '../config.ts';
import { type DeliveryResult, post } from './delivery.ts';
import { SIGNATURE_HEADER, secretsToSignWith, signatureHeader } from './signing.ts';

export type DispatchableEvent = DomainEvent & { tenantId: string };

export type DispatcherConfig = Pick<AppConfig, 'db' | 'webhooks' | 'now' | 'log'>;

export type AttemptMade = Omit<WebhookAttempt, 'id'>;

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

/** One signed POST, each attempt with its own timestamp (and, after a rotation, two signatures). */
function send(config: DispatcherConfig, event: DispatchableEvent, endpoint: WebhookEndpoint, at: Date) {
  const { webhooks } = config;
  const body = JSON.stringify(deliveryOf(event));
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

/**
 * Makes attempt `attempt` (1 for the first) and tells how it went: `retrying` with `nextRetryAt`
 * when the schedule, counted from `firstAttemptAt` (this attempt's time for the first), has another.
 */
export async function makeAttempt(
  config: DispatcherConfig,
  event: DispatchableEvent,
  endpoint: WebhookEndpoint,
  attempt: number,
  firstAttemptAt?: Date,
): Promise<AttemptMade> {
  const at = config.now();
  const result = await send(config, event, endpoint, at);
  const ok = delivered(result);
  const after = config.webhooks.retryScheduleMs[attempt - 1];
  const again = !ok && after !== undefined && retryable(result);
  const nextRetryAt = again ? new Date((firstAttemptAt ?? at).getTime() + after) : undefined;
  return {
    eventId: event.id,
    eventType: event.type,
    attempt,
    at: at.toISOString(),
    outcome: ok ? 'delivered' : again ? 'retrying' : 'failed',
    ...(result.statusCode === undefined ? {} : { statusCode: result.statusCode }),
    ...(result.error === undefined ? {} : { error: result.error }),
    durationMs: result.durationMs,
    ...(nextRetryAt ? { nextRetryAt: nextRetryAt.toISOString() } : {}),
  };
}

/** Records an attempt; a delivery given up on is logged too. */
export async function recordAttempt(
  config: DispatcherConfig,
  event: DispatchableEvent,
  endpoint: WebhookEndpoint,
  made: AttemptMade,
): Promise<void> {
  await recordWebhookAttempt(config.db, event.tenantId, endpoint.id, made);
  if (made.outcome === 'failed') {
    // Ids only: the URL and the response may say more than a log should.
    config.log({
      level: 'warn',
      msg: 'webhook delivery failed',
      tenantId: event.tenantId,
      endpointId: endpoint.id,
      eventId: event.id,
      attempt: made.attempt,
      statusCode: made.statusCode,
    });
  }
}

/** The event's own fields, as a retry keeps them. */
export function eventFieldsOf({ tenantId: _, ...event }: DispatchableEvent): DomainEvent {
  return event;
}
