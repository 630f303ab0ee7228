/**
 * The retry sweeper: every minute in AWS (every few seconds in `pnpm dev`) it makes the webhook
 * attempts that have fallen due. A retry is claimed (moved a lease ahead) before it is sent, so two
 * sweepers never send it both; one that dies mid-way leaves it to be sent again when the lease ends.
 */
import { NotFoundError } from '@polku/domain';
import {
  deleteWebhookRetry,
  dueWebhookRetries,
  getWebhookEndpoint,
  replaceWebhookRetry,
  type WebhookRetry,
} from '@polku/storage';
import { type DispatcherConfig, makeAttempt, recordAttempt } from './attempt.ts';

export interface SweepResult {
  delivered: number;
  rescheduled: number;
  failed: number;
  /** Retries of endpoints since deleted or paused: dropped unsent. */
  dropped: number;
  /** Retries another sweeper claimed first, or that could not be handled now and wait for their lease. */
  skipped: number;
}

type Outcome = keyof SweepResult;

const idOf = (retry: WebhookRetry) => `${retry.tenantId}#${retry.endpointId}#${retry.event.id}`;

/** Makes every attempt due by `now`, each recorded; rescheduling or removing its retry. */
export async function sweepDueRetries(config: DispatcherConfig, now: Date): Promise<SweepResult> {
  const { db, log } = config;
  // Longer than an attempt and its writes take: until then no other sweeper sends the retry.
  const lease = new Date(now.getTime() + config.webhooks.timeoutMs + 60_000).toISOString();

  async function sweep(retry: WebhookRetry): Promise<Outcome> {
    const claimed = { ...retry, nextAttemptAt: lease };
    if (!(await replaceWebhookRetry(db, retry, claimed))) return 'skipped';
    const endpoint = await getWebhookEndpoint(db, retry.tenantId, retry.endpointId).catch(
      (error: unknown) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      },
    );
    if (!endpoint?.active) {
      await deleteWebhookRetry(db, claimed);
      return 'dropped';
    }
    const event = { ...retry.event, tenantId: retry.tenantId };
    const made = await makeAttempt(config, event, endpoint, retry.attempt, new Date(retry.firstAttemptAt));
    await recordAttempt(config, event, endpoint, made);
    if (made.nextRetryAt) {
      await replaceWebhookRetry(db, claimed, {
        ...retry,
        attempt: retry.attempt + 1,
        nextAttemptAt: made.nextRetryAt,
      });
      return 'rescheduled';
    }
    await deleteWebhookRetry(db, claimed);
    return made.outcome === 'delivered' ? 'delivered' : 'failed';
  }

  const result: SweepResult = { delivered: 0, rescheduled: 0, failed: 0, dropped: 0, skipped: 0 };
  // A retry rescheduled into the past shows up again on a later page: it waits for the next sweep.
  const seen = new Set<string>();
  for await (const page of dueWebhookRetries(db, now)) {
    const fresh = page.filter((retry) => !seen.has(idOf(retry)));
    for (const retry of fresh) seen.add(idOf(retry));
    const outcomes = await Promise.all(
      fresh.map((retry) =>
        sweep(retry).catch((error: unknown): Outcome => {
          log({
            level: 'error',
            msg: 'webhook retry not handled; it is tried again when its lease ends',
            tenantId: retry.tenantId,
            endpointId: retry.endpointId,
            eventId: retry.event.id,
            error: error instanceof Error ? error.message : String(error),
          });
          return 'skipped';
        }),
      ),
    );
    for (const outcome of outcomes) result[outcome]++;
  }
  return result;
}
