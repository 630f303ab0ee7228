/**
 * The metric figures of a scope and period, read off month buckets. Every figure is named in
 * FIGURES with how it derives from the counters, so suppression knows which figures reveal which.
 */
import type { Counters } from './contributions.ts';
import { monthsFrom } from './dates.ts';
import { medianOf } from './exits.ts';

export type FigureKind = 'count' | 'rate' | 'median';

interface CountDefinition {
  kind: 'count';
  counter: string;
  /** Counts that add up over months (all but distinct participants). */
  additive: boolean;
  description: string;
}
interface RateDefinition {
  kind: 'rate';
  numerator: string;
  denominator: string;
  description: string;
}
interface MedianDefinition {
  kind: 'median';
  histogram: string;
  /** The count of values the median is taken over. */
  of: string;
  description: string;
}
export type FigureDefinition = CountDefinition | RateDefinition | MedianDefinition;

const count = (counter: string, description: string, additive = true): CountDefinition => ({
  kind: 'count',
  counter,
  additive,
  description,
});
const rate = (numerator: string, denominator: string, description: string): RateDefinition => ({
  kind: 'rate',
  numerator,
  denominator,
  description,
});

/** Every figure of a metrics read, in the order it is returned. */
export const FIGURES = {
  participants: count(
    'participants',
    'Distinct participants with an enrolment overlapping the period',
    false,
  ),
  started: count('st', 'Enrolments started in the period'),
  exited: count('exited', 'Enrolments completed or discontinued in the period'),
  completed: count('cp', 'Enrolments completed in the period'),
  discontinued: count('dc', 'Enrolments discontinued in the period'),
  dropoutRate: rate('discontinued', 'exited', 'Discontinued ÷ exited'),
  attendanceRecorded: count('attendance', 'Attendance records of sessions in the period'),
  present: count('ap', 'Present'),
  excusedAbsences: count('ae', 'Excused absences'),
  unexcusedAbsences: count('au', 'Unexcused absences'),
  attendanceRate: rate('present', 'attendanceRecorded', 'Present ÷ (present + absences)'),
  employedUponLeaving: count('ulE', 'Exits followed within 28 days by employment, incl. self-employment'),
  employedUponLeavingRate: rate('employedUponLeaving', 'exited', 'Employed upon leaving ÷ exited'),
  educationUponLeaving: count('ulD', 'Exits followed within 28 days by education or training'),
  educationUponLeavingRate: rate(
    'educationUponLeaving',
    'exited',
    'In education or training upon leaving ÷ exited',
  ),
  qualificationUponLeaving: count('ulQ', 'Exits with a qualification gained by 28 days after leaving'),
  qualificationUponLeavingRate: rate('qualificationUponLeaving', 'exited', 'Gained a qualification ÷ exited'),
  exitedInactiveAtEntry: count('xi', 'Exits of people inactive at entry'),
  jobSearchingUponLeaving: count('ulJ', 'Of them, job-searching within 28 days after leaving'),
  jobSearchingUponLeavingRate: rate(
    'jobSearchingUponLeaving',
    'exitedInactiveAtEntry',
    'Job-searching upon leaving ÷ exits inactive at entry',
  ),
  employed4Months: count('e4', 'Exits followed within 180 days by one job lasting at least 120 days'),
  employed4MonthsRate: rate('employed4Months', 'exited', 'Employed ≥ 4 months ÷ exited'),
  employed6Months: count('e6', 'Exits with a job covering the 182nd day after leaving'),
  employed6MonthsRate: rate('employed6Months', 'exited', 'Employed six months after leaving ÷ exited'),
  improved6Months: count('im', 'Unemployed or inactive at entry and employed six months after leaving'),
  improved6MonthsRate: rate('improved6Months', 'exited', 'Improved situation ÷ exited'),
  businessStarted: count('bs', 'Exits of people with a self-employed / business-started outcome'),
  businessStartedRate: rate('businessStarted', 'exited', 'Business started ÷ exited'),
  exitedSubsidised: count('sx', 'Exits of people with a pay-subsidised job during the enrolment'),
  progressedToOpenMarket: count('po', 'Of them, with an open-market job after the subsidised one'),
  progressedToOpenMarketRate: rate(
    'progressedToOpenMarket',
    'exitedSubsidised',
    'Progressed to the open labour market ÷ exits with a subsidised job',
  ),
  reachedOutcome: count('oc', 'Enrolments whose first employment or education outcome started in the period'),
  medianDaysToOutcome: {
    kind: 'median',
    histogram: 'd',
    of: 'reachedOutcome',
    description: 'Median days from enrolment start to that first outcome',
  },
  referralsSent: count('rS', 'Referrals sent in the period'),
  referralsAccepted: count('rA', 'Of them, accepted'),
  referralsDeclined: count('rD', 'Of them, declined'),
  referralsCompleted: count('rC', 'Of them, completed'),
  referralAcceptanceRate: rate('referralsAccepted', 'referralsSent', 'Accepted ÷ sent'),
  referralCompletionRate: rate('referralsCompleted', 'referralsAccepted', 'Completed ÷ accepted'),
  medianDaysToAccept: {
    kind: 'median',
    histogram: 'a',
    of: 'referralsAccepted',
    description: 'Median days from sending a referral to its acceptance',
  },
} as const satisfies Record<string, FigureDefinition>;

export type FigureName = keyof typeof FIGURES;
export const FIGURE_NAMES = Object.keys(FIGURES) as FigureName[];

/** Sums of the counters for which exited and attendanceRecorded are totals. */
const TOTALS: Record<string, string[]> = { exited: ['cp', 'dc'], attendance: ['ap', 'ae', 'au'] };

/**
 * `[total, parts]`: figures where the total is the sum of its parts, so one withheld part could
 * be recovered from the others.
 */
export const ADDITIVE_RELATIONS: [FigureName, FigureName[]][] = [
  ['exited', ['completed', 'discontinued']],
  ['attendanceRecorded', ['present', 'excusedAbsences', 'unexcusedAbsences']],
];

export type Figures = Record<FigureName, number | null>;

function figuresFrom(sum: Counters, participants: number): Figures {
  const counterOf = (name: string) =>
    name === 'participants'
      ? participants
      : TOTALS[name]
        ? TOTALS[name].reduce((s, c) => s + (sum[c] ?? 0), 0)
        : (sum[name] ?? 0);
  return figuresOfCounts(
    (name) => counterOf((FIGURES[name] as CountDefinition).counter),
    (histogram) => histogramOf(sum, histogram),
  );
}

/** Every figure from its counts and day histograms: the rates and medians follow from them. */
export function figuresOfCounts(
  countOf: (name: FigureName) => number,
  histogramOf: (histogram: string) => ReadonlyMap<number, number>,
): Figures {
  const figures = {} as Figures;
  for (const name of FIGURE_NAMES) {
    if (FIGURES[name].kind === 'count') figures[name] = countOf(name);
  }
  for (const name of FIGURE_NAMES) {
    const definition: FigureDefinition = FIGURES[name];
    if (definition.kind === 'rate') {
      const denominator = figures[definition.denominator as FigureName] as number;
      figures[name] =
        denominator === 0 ? null : (figures[definition.numerator as FigureName] as number) / denominator;
    } else if (definition.kind === 'median') {
      figures[name] = medianOf(histogramOf(definition.histogram));
    }
  }
  return figures;
}

function histogramOf(sum: Counters, prefix: string): Map<number, number> {
  const histogram = new Map<number, number>();
  for (const [name, n] of Object.entries(sum)) {
    if (name.startsWith(`${prefix}:`)) histogram.set(Number(name.slice(prefix.length + 1)), n);
  }
  return histogram;
}

export interface MetricsSeries {
  figures: Figures;
  series: { month: string; figures: Figures }[];
}

/**
 * The figures of the months `from`..`to` from the scope's month buckets: `buckets` must hold every
 * bucket up to `to` (earlier months carry the runs that overlap the period).
 */
export function figuresOf(
  buckets: ReadonlyMap<string, Readonly<Counters>>,
  from: string,
  to: string,
): MetricsSeries {
  const months = monthsFrom(from, to);
  let runsStarted = 0;
  let runsEndedBefore = 0;
  for (const [month, counters] of buckets) {
    if (month < from) {
      runsStarted += counters.rs ?? 0;
      runsEndedBefore += counters.re ?? 0;
    }
  }
  const total: Counters = {};
  let gapsInside = 0;
  const series: { month: string; figures: Figures }[] = [];
  for (const month of months) {
    const counters = buckets.get(month) ?? {};
    runsStarted += counters.rs ?? 0;
    // Distinct participants of one month: no gap fits inside a single month.
    series.push({ month, figures: figuresFrom(counters, runsStarted - runsEndedBefore) });
    runsEndedBefore += counters.re ?? 0;
    for (const [name, n] of Object.entries(counters)) {
      total[name] = (total[name] ?? 0) + n;
      if (name.startsWith('g:') && month > from && name.slice(2) < to) gapsInside += n;
    }
  }
  const endedBeforeFrom = [...buckets].reduce((s, [month, c]) => (month < from ? s + (c.re ?? 0) : s), 0);
  const startedByTo = [...buckets].reduce((s, [month, c]) => (month <= to ? s + (c.rs ?? 0) : s), 0);
  return { figures: figuresFrom(total, startedByTo - endedBeforeFrom - gapsInside), series };
}
