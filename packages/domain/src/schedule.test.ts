import { describe, expect, it } from 'vitest';
import {
  MAX_SCHEDULED_SESSIONS,
  occurrenceDates,
  ScheduleError,
  scheduleOccurrences,
  zonedTimeToUtc,
} from './schedule.ts';

// 2026-01-05 is a Monday.
const MONDAY = '2026-01-05';

describe('occurrenceDates', () => {
  it('runs weekly ×4, then every two weeks ×6 starting two weeks after the last weekly session', () => {
    const dates = occurrenceDates({
      startDate: MONDAY,
      phases: [
        { frequency: 'weekly', interval: 1, count: 4 },
        { frequency: 'weekly', interval: 2, count: 6 },
      ],
    });
    expect(dates).toEqual([
      '2026-01-05',
      '2026-01-12',
      '2026-01-19',
      '2026-01-26',
      '2026-02-09',
      '2026-02-23',
      '2026-03-09',
      '2026-03-23',
      '2026-04-06',
      '2026-04-20',
    ]);
  });

  it('meets on Tuesdays and Thursdays until the count is reached', () => {
    const dates = occurrenceDates({
      startDate: MONDAY,
      phases: [{ frequency: 'weekly', interval: 1, days: ['TH', 'TU'], count: 5 }],
    });
    expect(dates).toEqual(['2026-01-06', '2026-01-08', '2026-01-13', '2026-01-15', '2026-01-20']);
  });

  it('includes the end date and stops there', () => {
    const weekly = (until: string) =>
      occurrenceDates({ startDate: MONDAY, phases: [{ frequency: 'weekly', interval: 1, until }] });
    expect(weekly('2026-01-26')).toEqual(['2026-01-05', '2026-01-12', '2026-01-19', '2026-01-26']);
    expect(weekly('2026-01-25')).toEqual(['2026-01-05', '2026-01-12', '2026-01-19']);
  });

  it('stops at whichever of count and end date comes first', () => {
    const phase = { frequency: 'daily', interval: 1, until: '2026-01-07' } as const;
    expect(occurrenceDates({ startDate: MONDAY, phases: [{ ...phase, count: 10 }] })).toHaveLength(3);
    expect(occurrenceDates({ startDate: MONDAY, phases: [{ ...phase, count: 2 }] })).toHaveLength(2);
  });

  it('runs every other day', () => {
    const dates = occurrenceDates({
      startDate: MONDAY,
      phases: [{ frequency: 'daily', interval: 2, count: 4 }],
    });
    expect(dates).toEqual(['2026-01-05', '2026-01-07', '2026-01-09', '2026-01-11']);
  });

  it('runs daily on weekdays only, skipping the weekend', () => {
    const dates = occurrenceDates({
      startDate: '2026-01-09',
      phases: [{ frequency: 'daily', interval: 1, days: ['MO', 'TU', 'WE', 'TH', 'FR'], count: 3 }],
    });
    expect(dates).toEqual(['2026-01-09', '2026-01-12', '2026-01-13']);
  });

  it('skips the days of the first week that fall before a mid-week start', () => {
    const dates = occurrenceDates({
      startDate: '2026-01-07',
      phases: [{ frequency: 'weekly', interval: 1, days: ['MO', 'WE', 'FR'], count: 4 }],
    });
    expect(dates).toEqual(['2026-01-07', '2026-01-09', '2026-01-12', '2026-01-14']);
  });

  it('refuses a phase with neither a count nor an end date', () => {
    expect(() =>
      occurrenceDates({ startDate: MONDAY, phases: [{ frequency: 'weekly', interval: 1 }] }),
    ).toThrow(ScheduleError);
  });

  it('refuses a phase that ends before it begins', () => {
    expect(() =>
      occurrenceDates({
        startDate: MONDAY,
        phases: [{ frequency: 'daily', interval: 1, until: '2026-01-04' }],
      }),
    ).toThrow(ScheduleError);
  });

  it(`creates at most ${MAX_SCHEDULED_SESSIONS} sessions, counting every phase`, () => {
    const daily = (count: number) => ({ frequency: 'daily', interval: 1, count }) as const;
    expect(occurrenceDates({ startDate: MONDAY, phases: [daily(MAX_SCHEDULED_SESSIONS)] })).toHaveLength(
      MAX_SCHEDULED_SESSIONS,
    );
    expect(() => occurrenceDates({ startDate: MONDAY, phases: [daily(MAX_SCHEDULED_SESSIONS + 1)] })).toThrow(
      ScheduleError,
    );
    expect(() =>
      occurrenceDates({ startDate: MONDAY, phases: [daily(60), daily(MAX_SCHEDULED_SESSIONS - 59)] }),
    ).toThrow(ScheduleError);
  });
});

describe('sessions across daylight-saving changes in Helsinki', () => {
  it('keeps 10:00 local at 08:00Z in winter and 07:00Z in summer', () => {
    expect(zonedTimeToUtc('2026-01-05', '10:00', 'Europe/Helsinki')).toBe('2026-01-05T08:00:00Z');
    expect(zonedTimeToUtc('2026-06-15', '10:00', 'Europe/Helsinki')).toBe('2026-06-15T07:00:00Z');
  });

  it('moves the UTC time, not the local time, when the clocks go forward on 29 March 2026', () => {
    const starts = scheduleOccurrences({
      startDate: '2026-03-28',
      time: '10:00',
      timeZone: 'Europe/Helsinki',
      phases: [{ frequency: 'daily', interval: 1, count: 3 }],
    });
    expect(starts).toEqual(['2026-03-28T08:00:00Z', '2026-03-29T07:00:00Z', '2026-03-30T07:00:00Z']);
  });

  it('moves the UTC time, not the local time, when the clocks go back on 25 October 2026', () => {
    const starts = scheduleOccurrences({
      startDate: '2026-10-24',
      time: '10:00',
      timeZone: 'Europe/Helsinki',
      phases: [{ frequency: 'daily', interval: 1, count: 3 }],
    });
    expect(starts).toEqual(['2026-10-24T07:00:00Z', '2026-10-25T08:00:00Z', '2026-10-26T08:00:00Z']);
  });

  it('refuses a time zone that does not exist', () => {
    expect(() =>
      scheduleOccurrences({
        startDate: MONDAY,
        time: '10:00',
        timeZone: 'Europe/Tampere',
        phases: [{ frequency: 'daily', interval: 1, count: 1 }],
      }),
    ).toThrow(ScheduleError);
  });
});
