/**
 * One participant's records, read together: the metrics projector counts them, the retention clock
 * dates them, the export shows them. Never a Scan: key queries of the person's partitions.
 */
import { collections, indexKeys, keys } from '@polku/table';
import type { Db } from './db.ts';
import type { Item } from './item.ts';
import { ERASING_SINCE } from './participants.ts';
import { batchGet, getItem, queryAll } from './read.ts';
import { openedParticipantItem } from './sealed-esf.ts';

/** No collection of one person comes near this; it only bounds a runaway read. */
const EVERYTHING = 1_000_000;

/** Everything held about one participant but the audit trail: their record, opened, and the records about them. */
export interface PersonRecords {
  participant: Item;
  enrolments: Item[];
  outcomes: Item[];
  attendance: Item[];
  milestones: Item[];
  referrals: Item[];
  /** Read for the retention clock only: the metrics count neither. */
  consents: Item[];
  meetings: Item[];
}

export interface PersonRecordsOptions {
  /**
   * Read a participant being erased too (the erasure's own last count). Otherwise one being erased
   * reads as gone: their ledger is frozen and nothing may count them again.
   */
  erasing?: boolean;
}

/**
 * The person's records, each collection read to its end by key queries of their own partition and
 * index partitions, the referrals by key: what the metrics count, the retention clock reads and
 * the export shows. Undefined when there is no such participant (or, unless asked, one being erased).
 */
export async function recordsOfPerson(
  db: Db,
  tenantId: string,
  participantId: string,
  options: PersonRecordsOptions = {},
): Promise<PersonRecords | undefined> {
  const stored = await getItem(db, keys.participant(tenantId, participantId));
  if (stored?.entity !== 'participant') return undefined;
  if (stored[ERASING_SINCE] !== undefined && !options.erasing) return undefined;
  const participant = await openedParticipantItem(db, tenantId, participantId, stored);
  const byIndex = (partition: string) => queryAll(db, { index: 'gsi1', partition }, EVERYTHING);
  const ofParticipant = ({ PK, prefix }: { PK: string; prefix: string }) =>
    queryAll(db, { partition: PK, prefix }, EVERYTHING);
  const [enrolments, outcomes, attendance, milestones, referralSummaries, consents, meetings] =
    await Promise.all([
      byIndex(indexKeys.enrolmentsOfParticipantPartition(tenantId, participantId)),
      byIndex(indexKeys.outcomesOfParticipantPartition(tenantId, participantId)),
      byIndex(indexKeys.attendanceOfParticipantPartition(tenantId, participantId)),
      ofParticipant(collections.milestonesOfParticipant(tenantId, participantId)),
      ofParticipant(collections.referralsOfParticipant(tenantId, participantId)),
      ofParticipant(collections.consentsOfParticipant(tenantId, participantId)),
      byIndex(indexKeys.meetingsOfParticipantPartition(tenantId, participantId)),
    ]);
  const referrals = await batchGet(
    db,
    referralSummaries
      .filter((item) => item.entity === 'referral-summary')
      .map((summary) => keys.referral(tenantId, String(summary.id))),
  );
  const of = (entity: string, items: Item[]) => items.filter((item) => item.entity === entity);
  return {
    participant,
    enrolments: of('enrolment', enrolments),
    outcomes: of('outcome', outcomes),
    attendance: of('attendance', attendance),
    milestones: of('milestone', milestones),
    referrals: of('referral', referrals),
    consents: of('consent', consents),
    meetings: of('network-meeting', meetings),
  };
}
