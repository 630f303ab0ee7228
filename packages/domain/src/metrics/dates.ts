/** Calendar arithmetic on `YYYY-MM-DD` dates and `YYYY-MM` months, in UTC. */

const DAY_MS = 86_400_000;

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export const monthOf = (date: string): string => date.slice(0, 7);

/** A month as a number that orders and subtracts as months do: `YYYY-MM` → year × 12 + month − 1. */
export function monthIndex(month: string): number {
  return Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
}

const monthAt = (index: number): string =>
  `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;

export function addMonths(month: string, months: number): string {
  return monthAt(monthIndex(month) + months);
}

/** How many months from `from` to `to`, both included (0 when `to` is before `from`). */
export function monthCount(from: string, to: string): number {
  return Math.max(0, monthIndex(to) - monthIndex(from) + 1);
}

/** The most months monthsFrom lists: a caller's period is bounded long before this. */
const MONTHS_LISTED_AT_MOST = 1200;

/** Every month from `from` to `to`, both included. */
export function monthsFrom(from: string, to: string): string[] {
  const count = monthCount(from, to);
  // Arithmetic first: a far-off `to` must not cost a loop of a million steps before it is refused.
  if (count > MONTHS_LISTED_AT_MOST) throw new RangeError(`${count} months is more than a period can have`);
  const first = monthIndex(from);
  return Array.from({ length: count }, (_, i) => monthAt(first + i));
}

export const firstDayOf = (month: string): string => `${month}-01`;
export const lastDayOf = (month: string): string => addDays(firstDayOf(addMonths(month, 1)), -1);

/** Whole years from `birthDate` to `date`. */
export function ageOn(birthDate: string, date: string): number {
  const years = Number(date.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return date.slice(5) < birthDate.slice(5) ? years - 1 : years;
}

/** Whole months from `from` to `to`. */
export function monthsBetween(from: string, to: string): number {
  const months =
    (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 +
    Number(to.slice(5, 7)) -
    Number(from.slice(5, 7));
  return to.slice(8) < from.slice(8) ? months - 1 : months;
}
