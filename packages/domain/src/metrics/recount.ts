/**
 * The figures recounted straight from raw records, definition by definition, with no buckets:
 * what `pnpm metrics:reconcile` and the tests compare the bucket sums against.
 */
import { daysBetween, firstDayOf, lastDayOf } from './dates.ts';
import { entryIndicators, GENDER_CODES, resultIndicators } from './esf.ts';
import { daysToFirstOutcome, exitResults } from './exits.ts';
import {
  type EnrolmentFacts,
  MAX_COUNTED_DAYS,
  type ParticipantFacts,
  type ProgrammeLookup,
} from './facts.ts';
import { type Figures, figuresOfCounts } from './figures.ts';

type Started = EnrolmentFacts & { startDate: string };

function inScope(scope: string, programmes: ProgrammeLookup) {
  const [kind, id] = scope.split('#');
  return (programmeId: string, groupId: string | null): boolean => {
    const programme = programmes(programmeId);
    switch (kind) {
      case 'tenant':
        return true;
      case 'programme':
        return programmeId === id;
      case 'group':
        return groupId === id;
      case 'funding-project':
        return programme?.fundingProjectId === id;
      case 'organisation':
        return programme?.organisationId === id;
      default:
        return false;
    }
  };
}

/** The figures of `scope` for the months `from`..`to`, as known on `asOf`. */
export function recountFigures(
  people: readonly ParticipantFacts[],
  programmes: ProgrammeLookup,
  scope: string,
  from: string,
  to: string,
  asOf: string,
): Figures {
  const first = firstDayOf(from);
  const last = lastDayOf(to);
  const during = (date: string | null) => date !== null && date >= first && date <= last;
  const counts: Record<string, number> = {};
  const add = (name: string, n = 1) => {
    counts[name] = (counts[name] ?? 0) + n;
  };
  const participants = new Set<string>();
  const daysToOutcome = new Map<number, number>();
  const daysToAccept = new Map<number, number>();
  const belongs = inScope(scope, programmes);
  const scopeKind = scope.split('#')[0];

  for (const person of people) {
    const enrolments = person.enrolments.filter(
      (e): e is Started => e.startDate !== null && belongs(e.programmeId, e.groupId),
    );
    for (const enrolment of enrolments) {
      const leftOn =
        enrolment.exitDate === null || enrolment.exitDate >= enrolment.startDate
          ? enrolment.exitDate
          : enrolment.startDate;
      if (enrolment.startDate <= last && (leftOn === null || leftOn >= first)) {
        participants.add(person.participantId);
      }
      if (during(enrolment.startDate)) add('started');
      const outcome = daysToFirstOutcome(enrolment.startDate, person.outcomes);
      if (outcome && during(outcome.on)) {
        add('reachedOutcome');
        daysToOutcome.set(outcome.days, (daysToOutcome.get(outcome.days) ?? 0) + 1);
      }
      if (!during(enrolment.exitDate)) continue;
      add(enrolment.stage === 'discontinued' ? 'discontinued' : 'completed');
      add('exited');
      const results = exitResults(
        enrolment.startDate,
        enrolment.exitDate as string,
        person.esf,
        person.outcomes,
        person.qualifications,
        asOf,
      );
      if (results.employedUponLeaving) add('employedUponLeaving');
      if (results.educationUponLeaving) add('educationUponLeaving');
      if (results.qualificationUponLeaving) add('qualificationUponLeaving');
      if (results.inactiveAtEntry) add('exitedInactiveAtEntry');
      if (results.jobSearchingUponLeaving) add('jobSearchingUponLeaving');
      if (results.employed4Months) add('employed4Months');
      if (results.employed6Months) add('employed6Months');
      if (results.improved6Months) add('improved6Months');
      if (results.businessStarted) add('businessStarted');
      if (results.subsidised) add('exitedSubsidised');
      if (results.progressedToOpenMarket) add('progressedToOpenMarket');
    }
    for (const record of person.attendance) {
      if (!belongs(record.programmeId, record.groupId) || !during(record.date)) continue;
      add('attendanceRecorded');
      add(
        record.status === 'present'
          ? 'present'
          : record.status === 'excused-absence'
            ? 'excusedAbsences'
            : 'unexcusedAbsences',
      );
    }
    for (const referral of person.referrals) {
      const counted =
        scopeKind === 'tenant' ||
        (scopeKind === 'organisation' && scope === `organisation#${referral.fromOrganisationId}`);
      if (!counted || !during(referral.sentOn)) continue;
      add('referralsSent');
      if (referral.acceptedOn !== null) {
        add('referralsAccepted');
        const days = Math.min(
          Math.max(0, daysBetween(referral.sentOn, referral.acceptedOn)),
          MAX_COUNTED_DAYS,
        );
        daysToAccept.set(days, (daysToAccept.get(days) ?? 0) + 1);
      }
      if (referral.status === 'declined') add('referralsDeclined');
      if (referral.status === 'completed') add('referralsCompleted');
    }
  }

  counts.participants = participants.size;
  const histograms: Record<string, ReadonlyMap<number, number>> = { d: daysToOutcome, a: daysToAccept };
  return figuresOfCounts(
    (name) => counts[name] ?? 0,
    (histogram) => histograms[histogram] ?? new Map(),
  );
}

export type EsfCounts = Record<string, number>;

/**
 * The ESF+ counts of a funding project for the months `from`..`to`: `i:<indicator>:<gender>` of
 * people whose first entry into the project falls in the period, `o:<result>:<gender>` of people
 * whose last exit from it does, each person once.
 */
export function recountEsf(
  people: readonly ParticipantFacts[],
  programmes: ProgrammeLookup,
  fundingProjectId: string,
  from: string,
  to: string,
  asOf: string,
): EsfCounts {
  const first = firstDayOf(from);
  const last = lastDayOf(to);
  const counts: EsfCounts = {};
  const add = (name: string) => {
    counts[name] = (counts[name] ?? 0) + 1;
  };
  for (const person of people) {
    const enrolments = person.enrolments.filter(
      (e): e is Started =>
        e.startDate !== null && programmes(e.programmeId)?.fundingProjectId === fundingProjectId,
    );
    if (enrolments.length === 0) continue;
    const gender = GENDER_CODES[person.esf.gender];
    const entry = enrolments.map((e) => e.startDate).sort()[0] as string;
    if (entry >= first && entry <= last) {
      for (const indicator of entryIndicators(person.esf, person.birthDate, entry))
        add(`i:${indicator}:${gender}`);
    }
    if (enrolments.some((e) => e.exitDate === null)) continue;
    const exit = enrolments
      .map((e) => e.exitDate as string)
      .sort()
      .at(-1) as string;
    if (exit < first || exit > last) continue;
    const results = exitResults(entry, exit, person.esf, person.outcomes, person.qualifications, asOf);
    for (const indicator of resultIndicators(results)) add(`o:${indicator}:${gender}`);
  }
  return counts;
}
