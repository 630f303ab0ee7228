/** What an exit led to, by the definitions in shared/PRODUCT.md, as of a date. */
import { addDays, daysBetween } from './dates.ts';
import {
  EDUCATION_KINDS,
  EMPLOYMENT_KINDS,
  EMPLOYMENT_MIN_DAYS,
  EMPLOYMENT_START_WINDOW_DAYS,
  type EsfAtEntry,
  LONGER_TERM_DAYS,
  MAX_COUNTED_DAYS,
  type OutcomeFacts,
  UPON_LEAVING_DAYS,
} from './facts.ts';

export interface ExitResults {
  employedUponLeaving: boolean;
  educationUponLeaving: boolean;
  qualificationUponLeaving: boolean;
  /** Counted only for those inactive at entry. */
  inactiveAtEntry: boolean;
  jobSearchingUponLeaving: boolean;
  employed4Months: boolean;
  employed6Months: boolean;
  improved6Months: boolean;
  businessStarted: boolean;
  /** Had a pay-subsidised job during the enrolment: the denominator of "progressed". */
  subsidised: boolean;
  progressedToOpenMarket: boolean;
  /** The first date after `asOf` on which any of these can change by time alone. */
  changesOn: string | null;
}

const counts = (outcomes: readonly OutcomeFacts[]) => outcomes.filter((outcome) => !outcome.withdrawn);
const within = (date: string, from: string, to: string) => date >= from && date <= to;

/**
 * The results of leaving on `exitDate` a participation that started on `startDate`, as known on
 * `asOf`. Outcomes count from their recorded dates; two rules depend on `asOf` as well: a job
 * counts towards "≥ 4 months" once it has lasted 120 days, and "six months after leaving" once
 * that day has come.
 */
export function exitResults(
  startDate: string,
  exitDate: string,
  esf: EsfAtEntry,
  allOutcomes: readonly OutcomeFacts[],
  qualifications: readonly string[],
  asOf: string,
): ExitResults {
  const outcomes = counts(allOutcomes);
  const leavingEnds = addDays(exitDate, UPON_LEAVING_DAYS);
  const startsUponLeaving = (kinds: readonly string[]) =>
    outcomes.some((o) => kinds.includes(o.kind) && within(o.startDate, exitDate, leavingEnds));
  const inactiveAtEntry = esf.labourMarketStatus === 'inactive';
  const changes: string[] = [];

  const jobs = outcomes.filter((o) => EMPLOYMENT_KINDS.includes(o.kind));
  const windowEnds = addDays(exitDate, EMPLOYMENT_START_WINDOW_DAYS);
  const employed4Months = jobs.some((job) => {
    if (!within(job.startDate, exitDate, windowEnds)) return false;
    const lastsUntil = addDays(job.startDate, EMPLOYMENT_MIN_DAYS);
    if (job.endDate !== null && job.endDate < lastsUntil) return false;
    if (asOf >= lastsUntil) return true;
    changes.push(lastsUntil);
    return false;
  });

  const measuredOn = addDays(exitDate, LONGER_TERM_DAYS);
  const employed6Months =
    asOf >= measuredOn &&
    jobs.some((job) => job.startDate <= measuredOn && (job.endDate === null || job.endDate >= measuredOn));
  if (asOf < measuredOn) changes.push(measuredOn);

  const subsidisedJobs = jobs.filter(
    (job) =>
      job.kind === 'employed-pay-subsidy' &&
      job.startDate <= exitDate &&
      (job.endDate === null || job.endDate >= startDate),
  );
  const progressedToOpenMarket = subsidisedJobs.some((subsidised) =>
    jobs.some(
      (job) =>
        job.kind === 'employed-open-market' &&
        job.startDate > subsidised.startDate &&
        (subsidised.endDate === null || job.startDate >= subsidised.endDate),
    ),
  );

  return {
    employedUponLeaving: startsUponLeaving(EMPLOYMENT_KINDS),
    educationUponLeaving: startsUponLeaving(EDUCATION_KINDS),
    qualificationUponLeaving: qualifications.some((date) => within(date, startDate, leavingEnds)),
    inactiveAtEntry,
    jobSearchingUponLeaving: inactiveAtEntry && startsUponLeaving(['job-searching']),
    employed4Months,
    employed6Months,
    improved6Months:
      employed6Months && esf.labourMarketStatus !== 'employed' && esf.labourMarketStatus !== 'self-employed',
    businessStarted: outcomes.some((o) => o.kind === 'self-employed' && o.startDate >= startDate),
    subsidised: subsidisedJobs.length > 0,
    progressedToOpenMarket,
    changesOn: changes.filter((date) => date > asOf).sort()[0] ?? null,
  };
}

/** Days from a start to the first employment or education outcome starting on or after it. */
export function daysToFirstOutcome(
  startDate: string,
  allOutcomes: readonly OutcomeFacts[],
): { days: number; on: string } | null {
  const first = counts(allOutcomes)
    .filter(
      (o) =>
        (EMPLOYMENT_KINDS.includes(o.kind) || EDUCATION_KINDS.includes(o.kind)) && o.startDate >= startDate,
    )
    .map((o) => o.startDate)
    .sort()[0];
  return first === undefined
    ? null
    : { days: Math.min(daysBetween(startDate, first), MAX_COUNTED_DAYS), on: first };
}

/** The median of a histogram `{ value: count }`: the middle value, or the mean of the two middle ones. */
export function medianOf(histogram: ReadonlyMap<number, number>): number | null {
  const total = [...histogram.values()].reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const sorted = [...histogram.entries()].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
  const at = (position: number) => {
    let seen = 0;
    for (const [value, n] of sorted) {
      seen += n;
      if (seen > position) return value;
    }
    throw new Error('position out of range');
  };
  return total % 2 === 1 ? at((total - 1) / 2) : (at(total / 2 - 1) + at(total / 2)) / 2;
}
