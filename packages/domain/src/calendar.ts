/**
 * The calendar Polku's dates are in. A date (`YYYY-MM-DD`) is a day as staff and funders live it:
 * the day in Finland (Europe/Helsinki), every tenant's time zone. So "today" turns at Finnish
 * midnight, a session at 00:30 on 1 April counts in April, and a retention day or a metrics month is
 * never off by one near midnight. Every instant that becomes a date goes through dayOf.
 */

export const TENANT_TIME_ZONE = 'Europe/Helsinki';

// Built on first use, not at module load: most requests never turn an instant into a day.
let formatter: Intl.DateTimeFormat | undefined;

/** The day of an instant (a Date, or an ISO 8601 time) in the tenant's calendar. */
export function dayOf(instant: Date | string): string {
  // The Swedish locale writes dates as YYYY-MM-DD.
  formatter ??= new Intl.DateTimeFormat('sv-SE', { timeZone: TENANT_TIME_ZONE });
  return formatter.format(typeof instant === 'string' ? new Date(instant) : instant);
}

/** A stored value as a day: a date as it is, a time (`…T…`) as its day in the tenant's calendar. */
export function dayOfValue(value: string): string {
  return value.length > 10 && value[10] === 'T' ? dayOf(value) : value.slice(0, 10);
}
