/**
 * Everything Polku holds about one participant (GDPR art. 15, the right of access): the record and
 * every collection about them, each read to its last page. Key queries of the participant's own
 * partitions and index partitions, then the referrals, sessions and meetings they point to by key.
 */
import { NotFoundError, type schemas } from '@polku/domain';
import { collections, keys } from '@polku/table';
import { type AuditEvent, auditEventOf } from './audit.ts';
import { type Consent, consents } from './consents.ts';
import type { Db } from './db.ts';
import { type Enrolment, enrolments } from './enrolments.ts';
import { getNetworkMeeting, type NetworkMeeting } from './network-meetings.ts';
import { type Outcome, outcomes } from './outcomes.ts';
import { type Milestone, milestones, type Participant, participants } from './participants.ts';
import { recordsOfPerson } from './person-records.ts';
import { batchGet, queryAll } from './read.ts';
import { type Referral, referrals } from './referrals.ts';
import { type Session, sessions } from './sessions.ts';

/** The audit trail of one person comes nowhere near this; it only bounds a runaway read. */
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

/** The export, or NotFoundError when the tenant holds no such participant. */
export async function exportParticipant(
  db: Db,
  tenantId: string,
  participantId: string,
): Promise<ParticipantExport> {
  const [records, auditItems] = await Promise.all([
    recordsOfPerson(db, tenantId, participantId),
    queryAll(db, { partition: collections.auditOfParticipant(tenantId, participantId).PK }, EVERYTHING),
  ]);
  if (!records) throw new NotFoundError(`participant ${participantId} not found`);
  const sessionIds = [...new Set(records.attendance.map((item) => String(item.sessionId)))];
  const [sessionItems, networkMeetings] = await Promise.all([
    batchGet(
      db,
      sessionIds.map((id) => keys.session(tenantId, id)),
    ),
    // With each meeting's agreed actions, from its own partition.
    Promise.all(records.meetings.map((item) => getNetworkMeeting(db, tenantId, String(item.id)))),
  ]);
  const byId = <T extends { id: string }>(items: T[]) => items.sort((a, b) => a.id.localeCompare(b.id));
  return {
    participant: participants.fromItem(records.participant),
    milestones: records.milestones.map(milestones.fromItem),
    consents: records.consents.map(consents.fromItem),
    enrolments: byId(records.enrolments.map(enrolments.fromItem)),
    attendance: records.attendance.map((item) => ({
      sessionId: String(item.sessionId),
      startsAt: String(item.startsAt),
      status: item.status as AttendanceMark['status'],
      ...(item.note ? { note: String(item.note) } : {}),
      recordedAt: String(item.recordedAt),
      recordedBy: String(item.recordedBy),
    })),
    // A session without a group lists everyone invited: only this person of them is theirs to see.
    sessions: byId(sessionItems.filter((item) => item.entity === 'session').map(sessions.fromItem)).map(
      (session) => (session.participantIds ? { ...session, participantIds: [participantId] } : session),
    ),
    referrals: byId(records.referrals.map(referrals.fromItem)),
    networkMeetings,
    outcomes: byId(records.outcomes.map(outcomes.fromItem)),
    auditEvents: auditItems.map(auditEventOf),
  };
}
