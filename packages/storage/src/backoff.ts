/**
 * The one backoff of every retry against DynamoDB: exponential with full jitter (each wait drawn
 * from zero up to a bound that doubles, capped), and a bounded number of attempts for each call.
 */

/** The first retry waits up to BASE_MS, each later one up to twice as long as the one before, at most CAP_MS. */
export const BASE_MS = 20;
export const CAP_MS = 1000;

/** Attempts at a batch read or write that DynamoDB answers only in part (as it does when throttled). */
export const UNPROCESSED_ATTEMPTS = 8;

/** The wait before retry `n` (1 for the first): drawn from [0, min(CAP_MS, BASE_MS·2^(n−1))). */
export function delayMs(n: number, random: () => number = Math.random): number {
  return random() * Math.min(CAP_MS, BASE_MS * 2 ** (n - 1));
}

export interface Backoff {
  /**
   * After a failed attempt: waits, then resolves true for another attempt; resolves false at once
   * when the attempts are spent.
   */
  wait(): Promise<boolean>;
}

export interface BackoffOptions {
  /** Draws from [0, 1); Math.random by default. */
  random?: () => number;
  /** Waits this long; setTimeout by default (tests need not wait). */
  sleep?: (ms: number) => Promise<void>;
}

/** A backoff for one call: `attempts` in all, the first included. */
export function backoff(attempts: number, options: BackoffOptions = {}): Backoff {
  const { random = Math.random, sleep = pause } = options;
  let made = 1;
  return {
    async wait() {
      if (made >= attempts) return false;
      await sleep(delayMs(made, random));
      made++;
      return true;
    },
  };
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
