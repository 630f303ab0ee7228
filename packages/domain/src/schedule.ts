/**
 * Session schedules as the seeds describe them ("weekly for 3–5 weeks, then every two weeks"):
 * a start date, a local time and a list of phases, each daily or weekly with an interval, optional
 * weekdays and a count or end date. Times are wall-clock in the schedule's time zone, so a 10:00
 * session stays at 10:00 across daylight-saving changes.
 */

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface SchedulePhase {
  frequency: 'daily' | 'weekly';
  interval: number;
  days?: Weekday[] | undefined;
  count?: number | undefined;
  until?: string | undefined;
}

export interface ScheduleRule {
  startDate: string;
  time: string;
  timeZone: string;
  phases: SchedulePhase[];
}

// One transaction holds every generated session (DynamoDB allows 100 items), with room for checks.
export const MAX_SCHEDULED_SESSIONS = 90;

export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

const DAY_MS = 86_400_000;

function parseDate(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

function formatDate(epochDay: number): string {
  return new Date(epochDay).toISOString().slice(0, 10);
}

/** 0 = Monday ... 6 = Sunday. */
function weekdayIndex(epochDay: number): number {
  return (new Date(epochDay).getUTCDay() + 6) % 7;
}

function mondayOf(epochDay: number): number {
  return epochDay - weekdayIndex(epochDay) * DAY_MS;
}

/** The local dates of every occurrence, in order. */
export function occurrenceDates(rule: Pick<ScheduleRule, 'startDate' | 'phases'>): string[] {
  const dates: number[] = [];
  let anchor = parseDate(rule.startDate);
  rule.phases.forEach((phase, phaseIndex) => {
    if (phase.count === undefined && phase.until === undefined) {
      throw new ScheduleError(`phase ${phaseIndex + 1} needs a count or an end date`);
    }
    const until = phase.until === undefined ? Number.POSITIVE_INFINITY : parseDate(phase.until);
    const limit = phase.count ?? Number.POSITIVE_INFINITY;
    const days = new Set((phase.days ?? []).map((day) => WEEKDAYS.indexOf(day)));
    const matches = (day: number) => days.size === 0 || days.has(weekdayIndex(day));
    let found = 0;
    const take = (day: number): boolean => {
      if (day > until || found >= limit) return false;
      if (dates.length >= MAX_SCHEDULED_SESSIONS) {
        throw new ScheduleError(`a schedule may create at most ${MAX_SCHEDULED_SESSIONS} sessions`);
      }
      dates.push(day);
      found++;
      return true;
    };
    if (phase.frequency === 'daily') {
      for (let day = anchor; day <= until && found < limit; day += phase.interval * DAY_MS) {
        if (matches(day)) take(day);
      }
    } else {
      const weekdays = days.size === 0 ? [weekdayIndex(anchor)] : [...days].sort((a, b) => a - b);
      for (let week = mondayOf(anchor); week <= until && found < limit; week += phase.interval * 7 * DAY_MS) {
        for (const weekday of weekdays) {
          const day = week + weekday * DAY_MS;
          if (day < anchor) continue;
          if (!take(day)) break;
        }
      }
    }
    if (found === 0) throw new ScheduleError(`phase ${phaseIndex + 1} produces no sessions`);
    const last = dates[dates.length - 1]!;
    const next = rule.phases[phaseIndex + 1];
    if (next) {
      anchor =
        next.frequency === 'weekly'
          ? mondayOf(last) + next.interval * 7 * DAY_MS
          : last + next.interval * DAY_MS;
    }
  });
  return dates.map(formatDate);
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Offset of the zone from UTC at an instant, in milliseconds. */
function zoneOffset(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The UTC instant (ISO 8601) of a wall-clock date and time in a zone. */
export function zonedTimeToUtc(date: string, time: string, timeZone: string): string {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  const wall = parseDate(date) + (hours * 60 + minutes) * 60_000;
  let instant = wall - zoneOffset(wall, timeZone);
  instant = wall - zoneOffset(instant, timeZone);
  return new Date(instant).toISOString().replace('.000Z', 'Z');
}

/** The UTC start instants of every session a rule generates. */
export function scheduleOccurrences(rule: ScheduleRule): string[] {
  if (!isValidTimeZone(rule.timeZone)) throw new ScheduleError(`unknown time zone ${rule.timeZone}`);
  return occurrenceDates(rule).map((date) => zonedTimeToUtc(date, rule.time, rule.timeZone));
}
