/**
 * A participant's contribution to the metric buckets: counters per scope and month. The metric
 * read sums buckets, so every figure must be a sum of per-participant, per-month counts; this
 * module is where each definition of shared/PRODUCT.md becomes such counts. The projector keeps
 * the buckets equal to the sum of every participant's contribution by applying differences.
 *
 * Month counters (`MONTH` buckets):
 * - `rs`, `re`: a run of consecutive months in which the person had an enrolment in the scope
 *   starts / ends; `g:<month>`: a gap between two runs starts in this month and ends in <month>.
 *   "Distinct participants with an enrolment overlapping the period" is then the runs overlapping
 *   it, Σ rs (≤ to) − Σ re (< from), less the gaps between two of them: gaps starting after
 *   `from` and ending before `to`.
 * - `st`, `cp`, `dc`: enrolments started, completed, discontinued.
 * - per exit, in the exit month: `ulE`, `ulD`, `ulQ` (employed, in education, qualification upon
 *   leaving), `xi` and `ulJ` (inactive at entry, and of them job-searching upon leaving), `e4`,
 *   `e6`, `im` (employed ≥ 4 months, six months after, improved), `bs` (business started), `sx`
 *   and `po` (had a subsidised job, and of them progressed to the open market).
 * - `oc` and `d:<days>`: enrolments reaching a first employment or education outcome, and the
 *   days it took, in the month that outcome started.
 * - `ap`, `ae`, `au`: attendance present, excused, unexcused, in the session's month.
 * - `rS`, `rA`, `rD`, `rC` and `a:<days>`: referrals sent, accepted, declined, completed, and the
 *   days to acceptance, in the month sent (tenant and sending organisation).
 * ESF buckets (funding projects only), once per person and project: `i:<indicator>:<gender>` in
 * the month of entry, `o:<result>:<gender>` in the month of the last exit.
 */
import { addMonths, daysBetween, monthOf } from './dates.ts';
import { ENTRY_INDICATORS, entryIndicators, GENDER_CODES, resultIndicators } from './esf.ts';
import { daysToFirstOutcome, type ExitResults, exitResults } from './exits.ts';
import {
  type EnrolmentFacts,
  MAX_COUNTED_DAYS,
  type ParticipantFacts,
  type ProgrammeLookup,
  scopeName,
} from './facts.ts';

export type Counters = Record<string, number>;
export type BucketKind = 'MONTH' | 'ESF';

/** `<scope>|<kind>|<month>`: a bucket as the contribution names it. */
export type BucketRef = string;
export const bucketRef = (scope: string, kind: BucketKind, month: string): BucketRef =>
  `${scope}|${kind}|${month}`;
export function parseBucketRef(ref: BucketRef): { scope: string; kind: BucketKind; month: string } {
  const [scope, kind, month] = ref.split('|') as [string, BucketKind, string];
  return { scope, kind, month };
}

export interface Contribution {
  buckets: Record<BucketRef, Counters>;
  /** The first date after `asOf` on which the contribution changes by time alone. */
  changesOn: string | null;
}

class Tally {
  readonly buckets: Record<BucketRef, Counters> = {};
  add(scope: string, kind: BucketKind, month: string, counter: string, n = 1): void {
    const ref = bucketRef(scope, kind, month);
    const counters = this.buckets[ref] ?? {};
    counters[counter] = (counters[counter] ?? 0) + n;
    this.buckets[ref] = counters;
  }
}

/** The scopes an enrolment or an attendance record (of a programme, maybe a group) counts in. */
function scopesOf(
  record: { programmeId: string; groupId: string | null },
  programmes: ProgrammeLookup,
): string[] {
  const programme = programmes(record.programmeId);
  const scopes = ['tenant', scopeName('programme', record.programmeId)];
  if (record.groupId) scopes.push(scopeName('group', record.groupId));
  if (programme?.fundingProjectId) scopes.push(scopeName('funding-project', programme.fundingProjectId));
  if (programme) scopes.push(scopeName('organisation', programme.organisationId));
  return scopes;
}

const started = (enrolment: EnrolmentFacts): enrolment is EnrolmentFacts & { startDate: string } =>
  enrolment.startDate !== null;

/** The months with an enrolment, as runs [first, last]; `last` null while one goes on. */
export function presenceRuns(
  enrolments: readonly EnrolmentFacts[],
): { first: string; last: string | null }[] {
  const spans = enrolments
    .filter(started)
    // An exit recorded before the start (refused since; old data may hold one) is a stay of one day.
    .map((e) => ({
      first: monthOf(e.startDate),
      last: e.exitDate === null ? null : monthOf([e.startDate, e.exitDate].sort()[1] as string),
    }))
    .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const runs: { first: string; last: string | null }[] = [];
  for (const span of spans) {
    const run = runs.at(-1);
    if (run && (run.last === null || span.first <= addMonths(run.last, 1))) {
      if (run.last !== null && (span.last === null || span.last > run.last)) run.last = span.last;
    } else {
      runs.push({ ...span });
    }
  }
  return runs;
}

const EXIT_COUNTERS: [keyof ExitResults, string][] = [
  ['employedUponLeaving', 'ulE'],
  ['educationUponLeaving', 'ulD'],
  ['qualificationUponLeaving', 'ulQ'],
  ['inactiveAtEntry', 'xi'],
  ['jobSearchingUponLeaving', 'ulJ'],
  ['employed4Months', 'e4'],
  ['employed6Months', 'e6'],
  ['improved6Months', 'im'],
  ['businessStarted', 'bs'],
  ['subsidised', 'sx'],
  ['progressedToOpenMarket', 'po'],
];

const earliest = (dates: (string | null)[]) => dates.filter((d): d is string => d !== null).sort()[0] ?? null;

/** Everything one participant adds to the buckets of every scope, as of `asOf`. */
export function contributionOf(
  facts: ParticipantFacts,
  programmes: ProgrammeLookup,
  asOf: string,
): Contribution {
  const tally = new Tally();
  const changes: (string | null)[] = [];
  const enrolmentsByScope = new Map<string, EnrolmentFacts[]>();
  for (const enrolment of facts.enrolments.filter(started)) {
    for (const scope of scopesOf(enrolment, programmes)) {
      enrolmentsByScope.set(scope, [...(enrolmentsByScope.get(scope) ?? []), enrolment]);
    }
  }

  const resultsOf = new Map<string, ExitResults>();
  for (const enrolment of facts.enrolments.filter(started)) {
    if (enrolment.exitDate === null) continue;
    const results = exitResults(
      enrolment.startDate,
      enrolment.exitDate,
      facts.esf,
      facts.outcomes,
      facts.qualifications,
      asOf,
    );
    resultsOf.set(enrolment.id, results);
    changes.push(results.changesOn);
  }

  for (const [scope, enrolments] of enrolmentsByScope) {
    const runs = presenceRuns(enrolments);
    runs.forEach((run, index) => {
      tally.add(scope, 'MONTH', run.first, 'rs');
      if (run.last === null) return;
      tally.add(scope, 'MONTH', run.last, 're');
      const next = runs[index + 1];
      if (next) tally.add(scope, 'MONTH', addMonths(run.last, 1), `g:${addMonths(next.first, -1)}`);
    });
    for (const enrolment of enrolments as (EnrolmentFacts & { startDate: string })[]) {
      tally.add(scope, 'MONTH', monthOf(enrolment.startDate), 'st');
      const firstOutcome = daysToFirstOutcome(enrolment.startDate, facts.outcomes);
      if (firstOutcome) {
        tally.add(scope, 'MONTH', monthOf(firstOutcome.on), 'oc');
        tally.add(scope, 'MONTH', monthOf(firstOutcome.on), `d:${firstOutcome.days}`);
      }
      const results = resultsOf.get(enrolment.id);
      if (!results || enrolment.exitDate === null) continue;
      const exitMonth = monthOf(enrolment.exitDate);
      tally.add(scope, 'MONTH', exitMonth, enrolment.stage === 'discontinued' ? 'dc' : 'cp');
      for (const [flag, counter] of EXIT_COUNTERS)
        if (results[flag]) tally.add(scope, 'MONTH', exitMonth, counter);
    }
    if (scope.startsWith('funding-project#')) esfContribution(tally, scope, enrolments, facts, asOf, changes);
  }

  for (const record of facts.attendance) {
    const counter = record.status === 'present' ? 'ap' : record.status === 'excused-absence' ? 'ae' : 'au';
    for (const scope of scopesOf(record, programmes))
      tally.add(scope, 'MONTH', monthOf(record.date), counter);
  }

  for (const referral of facts.referrals) {
    const month = monthOf(referral.sentOn);
    for (const scope of ['tenant', scopeName('organisation', referral.fromOrganisationId)]) {
      tally.add(scope, 'MONTH', month, 'rS');
      if (referral.acceptedOn !== null) {
        tally.add(scope, 'MONTH', month, 'rA');
        tally.add(
          scope,
          'MONTH',
          month,
          `a:${Math.min(Math.max(0, daysBetween(referral.sentOn, referral.acceptedOn)), MAX_COUNTED_DAYS)}`,
        );
      }
      if (referral.status === 'declined') tally.add(scope, 'MONTH', month, 'rD');
      if (referral.status === 'completed') tally.add(scope, 'MONTH', month, 'rC');
    }
  }

  return { buckets: tally.buckets, changesOn: earliest(changes) };
}

/** Once per person and funding project: who they were at entry, and, once they have left, the results. */
function esfContribution(
  tally: Tally,
  scope: string,
  enrolments: readonly EnrolmentFacts[],
  facts: ParticipantFacts,
  asOf: string,
  changes: (string | null)[],
): void {
  const startDates = enrolments.map((e) => e.startDate as string).sort();
  const entry = startDates[0] as string;
  const gender = GENDER_CODES[facts.esf.gender];
  for (const indicator of entryIndicators(facts.esf, facts.birthDate, entry)) {
    tally.add(scope, 'ESF', monthOf(entry), `i:${indicator}:${gender}`);
  }
  if (enrolments.some((e) => e.exitDate === null)) return;
  const exit = enrolments
    .map((e) => e.exitDate as string)
    .sort()
    .at(-1) as string;
  const results = exitResults(entry, exit, facts.esf, facts.outcomes, facts.qualifications, asOf);
  changes.push(results.changesOn);
  for (const indicator of resultIndicators(results))
    tally.add(scope, 'ESF', monthOf(exit), `o:${indicator}:${gender}`);
}

/** Adds `b` into `a`, times `sign`; drops counters that reach zero. */
export function addCounters(a: Counters, b: Readonly<Counters>, sign = 1): Counters {
  for (const [name, n] of Object.entries(b)) {
    const sum = (a[name] ?? 0) + sign * n;
    if (sum === 0) delete a[name];
    else a[name] = sum;
  }
  return a;
}

/** What to add to each bucket to move from contribution `before` to `after` (changed buckets only). */
export function contributionDelta(
  before: Readonly<Record<BucketRef, Counters>>,
  after: Readonly<Record<BucketRef, Counters>>,
): Record<BucketRef, Counters> {
  const delta: Record<BucketRef, Counters> = {};
  for (const ref of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const change = addCounters({ ...(after[ref] ?? {}) }, before[ref] ?? {}, -1);
    if (Object.keys(change).length > 0) delta[ref] = change;
  }
  return delta;
}

export { ENTRY_INDICATORS };
