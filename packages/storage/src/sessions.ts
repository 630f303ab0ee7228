/**
 * Sessions and their attendance. Attendance for a whole session is written in one transaction
 * with the session's version bump, so a stale sheet (If-Match) is refused as a whole.
 */
import { ConflictError, type schemas } from '@polku/domain';
import { collections, indexKeys, keys } from '@polku/table';
import type { Db } from './db.ts';
import type { Item } from './item.ts';
import { assertParticipantsLive } from './participants.ts';
import { type PageRequest, queryAll, queryPage } from './read.ts';
import {
  assertVersion,
  newResource,
  recordsOf,
  repository,
  revised,
  stale,
  type WriteOptions,
} from './repository.ts';
import { commit, type WriteOp } from './write.ts';

export type Session = schemas.Session;
export type Attendance = schemas.Attendance;
type AttendanceRecord = Attendance['records'][number];

export const sessions = repository<Session>({
  name: 'session',
  entity: 'session',
  key: (tenantId, session) => keys.session(tenantId, session.id),
  indexKeys: (tenantId, session) => ({
    ...indexKeys.sessionByProgramme(tenantId, session.programmeId, session.startsAt, session.id),
    ...(session.groupId
      ? indexKeys.sessionByGroup(tenantId, session.groupId, session.startsAt, session.id)
      : {}),
  }),
});

export type NewSession = Omit<Session, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'attendanceTaken'>;

export function getSession(db: Db, tenantId: string, id: string): Promise<Session> {
  return sessions.load(db, keys.session(tenantId, id), id);
}

/** Creates sessions in one transaction: all of a schedule, or none. */
export async function createSessions(
  db: Db,
  tenantId: string,
  fields: NewSession[],
  options: WriteOptions = {},
): Promise<Session[]> {
  await assertParticipantsLive(
    db,
    tenantId,
    fields.flatMap((session) => session.participantIds ?? []),
  );
  const created = fields.map((session) => newResource({ ...session, attendanceTaken: false }, options.now));
  const programmeId = fields[0]?.programmeId;
  const ops: WriteOp[] = created.map((session) => sessions.insert(tenantId, session));
  if (programmeId) {
    ops.push({
      kind: 'check',
      key: keys.programme(tenantId, programmeId),
      condition: { expression: 'attribute_exists(PK)' },
      onConflict: () => new ConflictError('programme-gone', `programme ${programmeId} no longer exists`),
    });
  }
  await commit(db, ops, recordsOf(options, created));
  return created;
}

export type SessionFilter = { programmeId: string } | { groupId: string };

export async function listSessions(
  db: Db,
  tenantId: string,
  filter: SessionFilter,
  range: { from?: string | undefined; to?: string | undefined },
  page: PageRequest,
): Promise<{ items: Session[]; lastKey: Item | undefined }> {
  const spec =
    'programmeId' in filter
      ? {
          index: 'gsi1' as const,
          partition: indexKeys.sessionsOfProgrammePartition(tenantId, filter.programmeId),
        }
      : { index: 'gsi2' as const, partition: indexKeys.sessionsOfGroupPartition(tenantId, filter.groupId) };
  // Sort keys are `<startsAt>#<id>`: a date range is a key range.
  const between: [string, string] = [range.from ?? '0000', `${range.to ?? '9999-12-31'}T99`];
  const result = await queryPage(db, { ...spec, between }, page);
  return { items: result.items.map(sessions.fromItem), lastKey: result.lastKey };
}

export async function getAttendance(db: Db, tenantId: string, session: Session): Promise<Attendance> {
  const { PK, prefix } = collections.attendanceOfSession(tenantId, session.id);
  const items = await queryAll(db, { partition: PK, prefix }, 200);
  return {
    sessionId: session.id,
    records: items.map((item) => ({
      participantId: String(item.participantId),
      status: item.status as AttendanceRecord['status'],
      ...(item.note ? { note: String(item.note) } : {}),
      recordedAt: String(item.recordedAt),
      recordedBy: String(item.recordedBy),
    })),
  };
}

/**
 * Records attendance for the listed participants (replacing what was recorded for them) and bumps
 * the session's version. `expected` are the participants who may be marked.
 */
export async function recordAttendance(
  db: Db,
  tenantId: string,
  session: Session,
  records: { participantId: string; status: AttendanceRecord['status']; note?: string | undefined }[],
  expected: ReadonlySet<string>,
  expectedVersion: number,
  actor: string,
  options: WriteOptions = {},
): Promise<Session> {
  assertVersion('session', session, expectedVersion);
  const now = options.now ?? new Date();
  // Attendance says who came: it can be known once the session has started, not before.
  if (Date.parse(session.startsAt) > now.getTime()) {
    throw new ConflictError(
      'session-not-started',
      `session ${session.id} starts at ${session.startsAt}; take attendance then`,
    );
  }
  const unknown = records.filter((record) => !expected.has(record.participantId)).map((r) => r.participantId);
  if (unknown.length > 0) {
    throw new ConflictError('not-in-session', `not expected at this session: ${unknown.join(', ')}`, {
      participantIds: unknown,
    });
  }
  await assertParticipantsLive(
    db,
    tenantId,
    records.map((record) => record.participantId),
  );
  const next = revised(session, { attendanceTaken: true }, now);
  const ops: WriteOp[] = [
    { ...sessions.replace(tenantId, next, expectedVersion), onConflict: () => stale('session', session.id) },
    ...records.map(
      (record): WriteOp => ({
        kind: 'put',
        item: {
          ...keys.attendance(tenantId, session.id, record.participantId),
          ...indexKeys.attendanceByParticipant(tenantId, record.participantId, session.startsAt, session.id),
          entity: 'attendance',
          tenantId,
          sessionId: session.id,
          programmeId: session.programmeId,
          groupId: session.groupId,
          startsAt: session.startsAt,
          participantId: record.participantId,
          status: record.status,
          note: record.note,
          recordedAt: now.toISOString(),
          recordedBy: actor,
        },
      }),
    ),
  ];
  await commit(db, ops, recordsOf(options, next));
  return next;
}
