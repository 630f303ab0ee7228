import { describe, expect, it } from 'vitest';
import { addDays } from './metrics/dates.ts';
import { retentionCutoff, retentionDueOn } from './retention.ts';

describe('the retention clock', () => {
  it('is due on the same day years later, and 29 February on 1 March', () => {
    expect(retentionDueOn('2021-11-30', 5)).toBe('2026-11-30');
    expect(retentionDueOn('2020-02-29', 5)).toBe('2025-03-01');
    expect(retentionDueOn('2020-02-29', 4)).toBe('2024-02-29');
    expect(retentionCutoff('2024-02-29', 5)).toBe('2019-02-28');
  });

  it('has a cutoff that agrees with the due date for every pair of days, leap years included', () => {
    for (const years of [1, 4, 5]) {
      for (let today = '2024-01-01'; today <= '2025-12-31'; today = addDays(today, 1)) {
        const cutoff = retentionCutoff(today, years);
        for (const offset of [-3, -2, -1, 0, 1, 2, 3]) {
          const day = addDays(cutoff, offset);
          expect(retentionDueOn(day, years) <= today, `${day} + ${years}y on ${today}`).toBe(day <= cutoff);
        }
      }
    }
  });
});
