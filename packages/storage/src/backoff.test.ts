import { describe, expect, it } from 'vitest';
import { backoff, delayMs } from './backoff.ts';

/** A backoff whose waits are recorded instead of slept. */
function recorded(attempts: number, random: () => number = Math.random) {
  const waits: number[] = [];
  const retry = backoff(attempts, {
    random,
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  return { retry, waits };
}

describe('delayMs', () => {
  it('bounds retry n by 20 ms·2^(n−1), doubling up to a second and no further', () => {
    const almostOne = () => 1 - Number.EPSILON;
    const bounds = [1, 2, 3, 4, 5, 6, 7, 8, 50, 5000].map((n) => Math.ceil(delayMs(n, almostOne)));
    expect(bounds).toEqual([20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000]);
  });

  it('draws the whole wait at random (full jitter): from zero up to the bound', () => {
    expect(delayMs(3, () => 0)).toBe(0);
    expect(delayMs(3, () => 0.5)).toBe(40);
    const draws = Array.from({ length: 2000 }, () => delayMs(4));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(160);
    // Spread over the range, not bunched at its top as "a fixed part plus some jitter" would be.
    expect(draws.filter((ms) => ms < 40).length).toBeGreaterThan(300);
    expect(draws.filter((ms) => ms >= 120).length).toBeGreaterThan(300);
  });
});

describe('backoff', () => {
  it('allows its attempts and no more: it waits before each retry, then says no at once', async () => {
    const { retry, waits } = recorded(4, () => 0.5);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await retry.wait());
    expect(answers).toEqual([true, true, true, false, false, false]);
    expect(waits).toEqual([10, 20, 40]);
  });

  it('counts for one call: a second backoff starts from the first wait again', async () => {
    const first = recorded(3, () => 0.5);
    while (await first.retry.wait()) {}
    const second = recorded(3, () => 0.5);
    expect(await second.retry.wait()).toBe(true);
    expect(second.waits).toEqual([10]);
  });

  it('with one attempt, never retries and never waits', async () => {
    const { retry, waits } = recorded(1);
    expect(await retry.wait()).toBe(false);
    expect(waits).toEqual([]);
  });
});
