/**
 * Everything Polku holds about one participant (GDPR art. 15, the right of access): the record and
 * every collection about them, each read to its last page. Key queries of the participant's own
 * partitions and index partitions, then the referrals, sessions and meetings they point to by key.
 */
import type { schemas } from '@polku/domain';
import { collections, indexKeys, keys } from '@polku/table';
import { type AuditEvent, auditEventOf } from './audit.ts';
import { type Consent, consents } from './consents.ts';
import type { Db } from './db.ts';
import { type Enrolment, enrolments } from './enrolments.ts';
import type { Item } from './item.ts';
import { getNetworkMeeting, type NetworkMeeting } from './network-meetings.ts';
import { type Outcome, outcomes } from './outcomes.ts';
import { getParticipant, type Milestone, milestones, type Participant } from './participants.ts';
import { batchGet, queryAll } from './read.ts';
import { type Referral, referrals } from './referrals.ts';
import { type Session, sessions } from './sessions.ts';

/** No collection of one person comes near this; it only bounds a runaway read. */
const EVERYTHING = 1_000_000;

export interface AttendanceMark {
  sessionId: string;
  startsAt: string;
  status: (typeof schemas.ATTENDANCE_STATUSES)[number];
  note?: string;
  recordedAt: string;
  recordedBy: string;
}

export interface ParticipantExport {
  participant: Participant;
  milestones: Milestone[];
  consents: Consent[];
  enrolments: Enrolment[];
  attendance: AttendanceMark[];
  /** The sessions the person's attendance was taken in. */
  sessions: Session[];
  /** With each referral's history. */
  referrals: Referral[];
  /** With each meeting's agreed actions. */
  networkMeetings: NetworkMeeting[];
  /** Withdrawn ones too, with their history. */
  outcomes: Outcome[];
  /** Who read or changed the person's records, and when: the audit trail about them. */
  auditEvents: AuditEvent[];
}

const ofEntity = (entity: string) => (item: Item) => item.entity === entity;

/** The export, or NotFoundError when the tenant holds no such participant. */
export async function exportParticipant(
  db: Db,
  tenantId: string,
  participantId: string,
): Promise<ParticipantExport> {
  const participant = await getParticipant(db, tenantId, participantId);
  const inPartition = ({ PK, prefix }: { PK: string; prefix: string }) =>
    queryAll(db, { partition: PK, prefix }, EVERYTHING);
  const byIndex = (partition: string) => queryAll(db, { index: 'gsi1', partition }, EVERYTHING);
  const [
    milestoneItems,
    consentItems,
    referralSummaries,
    enrolmentItems,
    attendanceItems,
    meetingItems,
    outcomeItems,
    auditItems,
  ] = await Promise.all([
    inPartition(collections.milestonesOfParticipant(tenantId, participantId)),
    inPartition(collections.consentsOfParticipant(tenantId, participantId)),
    inPartition(collections.referralsOfParticipant(tenantId, participantId)),
    byIndex(indexKeys.enrolmentsOfParticipantPartition(tenantId, participantId)),
    byIndex(indexKeys.attendanceOfParticipantPartition(tenantId, participantId)),
    byIndex(indexKeys.meetingsOfParticipantPartition(tenantId, participantId)),
    byIndex(indexKeys.outcomesOfParticipantPartition(tenantId, participantId)),
    inPartition(collections.auditOfParticipant(tenantId, participantId)),
  ]);
  const attendance = attendanceItems.filter(ofEntity('attendance'));
  const sessionIds = [...new Set(attendance.map((item) => String(item.sessionId)))];
  const referralIds = referralSummaries.filter(ofEntity('referral-summary')).map((item) => String(item.id));
  const meetingIds = meetingItems.filter(ofEntity('network-meeting')).map((item) => String(item.id));
  const [sessionItems, referralItems, networkMeetings] = await Promise.all([
    batchGet(
      db,
      sessionIds.map((id) => keys.session(tenantId, id)),
    ),
    batchGet(
      db,
      referralIds.map((id) => keys.referral(tenantId, id)),
    ),
    Promise.all(meetingIds.map((id) => getNetworkMeeting(db, tenantId, id))),
  ]);
  const byId = <T extends { id: string }>(items: T[]) => items.sort((a, b) => a.id.localeCompare(b.id));
  return {
    participant,
    milestones: milestoneItems.filter(ofEntity('milestone')).map(milestones.fromItem),
    consents: consentItems.filter(ofEntity('consent')).map(consents.fromItem),
    enrolments: byId(enrolmentItems.filter(ofEntity('enrolment')).map(enrolments.fromItem)),
    attendance: attendance.map((item) => ({
      sessionId: String(item.sessionId),
      startsAt: String(item.startsAt),
      status: item.status as AttendanceMark['status'],
      ...(item.note ? { note: String(item.note) } : {}),
      recordedAt: String(item.recordedAt),
      recordedBy: String(item.recordedBy),
    })),
    // A session without a group lists everyone invited: only this person of them is theirs to see.
    sessions: byId(sessionItems.filter(ofEntity('session')).map(sessions.fromItem)).map((session) =>
      session.participantIds ? { ...session, participantIds: [participantId] } : session,
    ),
    referrals: byId(referralItems.filter(ofEntity('referral')).map(referrals.fromItem)),
    networkMeetings,
    outcomes: byId(outcomeItems.filter(ofEntity('outcome')).map(outcomes.fromItem)),
    auditEvents: auditItems.map(auditEventOf),
  };
}
