/**
 * Retention: a tenant keeps a person's data for a number of years after the last day anything
 * happened to them (an exit, attendance, an outcome, a change of their record), then erases them.
 */

export const DEFAULT_RETENTION_YEARS = 5;
export const MIN_RETENTION_YEARS = 1;
export const MAX_RETENTION_YEARS = 30;

const parse = (day: string) => day.split('-').map(Number) as [number, number, number];
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const format = (year: number, month: number, day: number) =>
  `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;

/** The day a person last active on `lastActiveOn` is due for erasure: `years` later (29 Feb: 1 March). */
export function retentionDueOn(lastActiveOn: string, years: number): string {
  const [year, month, day] = parse(lastActiveOn);
  if (day > daysIn(year + years, month)) return format(year + years, month + 1, 1);
  return format(year + years, month, day);
}

/**
 * The last day of activity of the people due on `today`: everyone last active on or before it is
 * due (and nobody after it), so that retentionDueOn(day, years) <= today exactly when day <= this.
 */
export function retentionCutoff(today: string, years: number): string {
  const [year, month, day] = parse(today);
  return format(year - years, month, Math.min(day, daysIn(year - years, month)));
}
