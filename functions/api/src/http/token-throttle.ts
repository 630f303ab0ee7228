/**
 * The token endpoint costs a scrypt per secret checked, so guessing must cost the guesser, not
 * Polku: failed attempts are counted per client id and per source address (fixed windows in the
 * table, shared by every instance), and past either limit the endpoint answers 429 with Retry-After
 * before it checks any secret (RFC 6749 leaves the throttling of client authentication to us).
 * A client id that does not exist costs no scrypt at all, only a wait as long as one.
 */
import { TooManyRequestsError } from '@polku/domain';
import { countAttempt, rateLimitWait } from '@polku/storage';
import type { AppContext } from './env.ts';
import { sourceOf } from './source.ts';

/** Refuses with 429 a client id or address past its limit of failures. */
export async function assertNotThrottled(c: AppContext, clientId: string): Promise<void> {
  const { platformDb: db, tokenLimits, now } = c.var.config;
  const waits = await Promise.all([
    rateLimitWait(db, tokenLimits.perAddress, sourceOf(c), now()),
    rateLimitWait(db, tokenLimits.perClient, clientId, now()),
  ]);
  const wait = Math.max(...waits.map((seconds) => seconds ?? 0));
  if (wait > 0) {
    throw new TooManyRequestsError('Too many failed token requests for this client or from here', wait);
  }
}

/** Counts a failure against the address, and against the client id when there is such a client. */
export async function countFailure(c: AppContext, clientId: string | undefined): Promise<void> {
  const { platformDb: db, tokenLimits, now } = c.var.config;
  await Promise.all([
    countAttempt(db, tokenLimits.perAddress, sourceOf(c), now()),
    clientId === undefined ? undefined : countAttempt(db, tokenLimits.perClient, clientId, now()),
  ]);
}

/** How long checking a secret takes here: an unknown client id waits as long, so timing tells nothing. */
let typicalCheckMs = 50;
/** A flood queues checks behind each other; an unknown id's wait stays within what one check costs. */
const CHECK_MS_AT_MOST = 250;

/** Runs a secret check, learning how long one takes. */
export async function timedCheck<T>(check: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await check();
  } finally {
    const took = Math.min(performance.now() - started, CHECK_MS_AT_MOST);
    typicalCheckMs = 0.8 * typicalCheckMs + 0.2 * took;
  }
}

/** Waits as long as a secret check takes, spending no CPU on it. */
export const asLongAsACheck = () => new Promise((resolve) => setTimeout(resolve, typicalCheckMs));
