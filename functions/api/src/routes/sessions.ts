import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  dayOf,
  holdsSeat,
  isExit,
  newId,
  ScheduleError,
  scheduleOccurrences,
  schemas,
  ValidationError,
} from '@polku/domain';
import {
  createSessions,
  type Db,
  enrolmentsOfGroup,
  getAttendance,
  getGroup,
  getItem,
  getSession,
  listSessions,
  type NewSession,
  programmes,
  recordAttendance,
  type Session,
} from '@polku/storage';
import { keys } from '@polku/table';
import * as z from 'zod';
import { auditWrite, readThenAudit } from '../http/audit.ts';
import type { AppEnv } from '../http/env.ts';
import { etagOf, expectedVersion } from '../http/etag.ts';
import { pageOf, pageRequest } from '../http/paging.ts';
import { referenced } from '../http/references.ts';
import { responder, sendResource } from '../http/respond.ts';
import { json, jsonBody, route } from '../http/route.ts';

const tag = 'Sessions';
const location = (s: { id: string }) => `/v1/sessions/${s.id}`;

type SessionFields = Pick<
  z.infer<typeof schemas.SessionCreate>,
  'programmeId' | 'groupId' | 'kind' | 'title' | 'durationMinutes' | 'location' | 'participantIds'
>;

/** Checks what a session refers to: the programme, its group, or participants enrolled in it. */
async function checkReferences(db: Db, tenantId: string, input: SessionFields): Promise<void> {
  await referenced('programmeId', programmes.get(db, tenantId, input.programmeId));
  if (input.groupId) await referenced('groupId', getGroup(db, tenantId, input.programmeId, input.groupId));
  const ids = input.participantIds ?? [];
  const open = await Promise.all(
    ids.map((id) => getItem(db, keys.openEnrolment(tenantId, id, input.programmeId))),
  );
  const strangers = ids.filter((_, i) => !open[i]);
  if (strangers.length > 0) {
    throw new ValidationError('participants must have an open enrolment in the programme', [
      { field: 'body.participantIds', message: `not enrolled in the programme: ${strangers.join(', ')}` },
    ]);
  }
}

function sessionFields(input: SessionFields, startsAt: string, scheduleId: string | null): NewSession {
  return {
    programmeId: input.programmeId,
    groupId: input.groupId ?? null,
    kind: input.kind,
    ...(input.title ? { title: input.title } : {}),
    startsAt,
    durationMinutes: input.durationMinutes,
    ...(input.location ? { location: input.location } : {}),
    participantIds: input.participantIds ?? [],
    scheduleId,
  };
}

/** Who may be marked at a session: the group's members of the time, or the listed participants. */
async function expectedParticipants(db: Db, tenantId: string, session: Session): Promise<Set<string>> {
  if (!session.groupId) return new Set(session.participantIds);
  const members = await enrolmentsOfGroup(db, tenantId, session.groupId);
  const day = dayOf(session.startsAt);
  return new Set(
    members
      .filter(
        (e) => holdsSeat(e.stage) || (isExit(e.stage) && e.startDate !== null && (e.exitDate ?? '') >= day),
      )
      .map((e) => e.participantId),
  );
}

const ScheduleResult = z
  .object({ scheduleId: schemas.Id, items: z.array(schemas.Session) })
  .meta({ id: 'ScheduleResult' });

export function registerSessions(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route({
      method: 'get',
      path: '/v1/sessions',
      tag,
      permission: 'sessions:read',
      summary: 'Sessions of a programme or a group, in time order',
      description: 'Give exactly one of programmeId or groupId; from/to narrow by start date.',
      request: { query: schemas.ListQuery.extend(schemas.SessionListQuery.shape) },
      responses: { 200: json(schemas.page(schemas.Session, 'SessionPage'), 'A page of sessions') },
    }),
    async (c) => {
      const { programmeId, groupId, from, to, ...query } = c.req.valid('query');
      if ((programmeId === undefined) === (groupId === undefined)) {
        throw new ValidationError('filter by exactly one of programmeId or groupId', [
          { field: 'query', message: 'give exactly one of programmeId, groupId' },
        ]);
      }
      const filter = programmeId ? { programmeId } : { groupId: groupId! };
      const scope = { ...filter, from, to };
      const { db } = c.var.config;
      const page = pageRequest(c, query, scope);
      const result = await listSessions(db, c.var.principal.tenantId, filter, { from, to }, page);
      return c.json(pageOf(c, result, scope), 200);
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/sessions',
      tag,
      permission: 'sessions:write',
      summary: 'Plan one session',
      request: { body: jsonBody(schemas.SessionCreate) },
      responses: { 201: json(schemas.Session, 'Created') },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      await checkReferences(db, tenantId, input);
      const reply = responder(c, 201, location, (created: Session[]) => created[0]!);
      const fields = [sessionFields(input, input.startsAt, null)];
      return reply.send(await createSessions(db, tenantId, fields, reply.options));
    },
  );

  app.openapi(
    route({
      method: 'post',
      path: '/v1/sessions/schedule',
      tag,
      permission: 'sessions:write',
      summary: 'Generate sessions from a schedule',
      description:
        'Phases run one after another, e.g. weekly ×4 then every two weeks ×6 (the career planning ' +
        'model). Times are wall-clock in timeZone (default Europe/Helsinki). All sessions are created ' +
        'together, or none; at most 90.',
      request: { body: jsonBody(schemas.ScheduleCreate) },
      responses: { 201: json(ScheduleResult, 'Created') },
    }),
    async (c) => {
      const input = c.req.valid('json');
      let starts: string[];
      try {
        starts = scheduleOccurrences(input);
      } catch (error) {
        if (!(error instanceof ScheduleError)) throw error;
        throw new ValidationError(error.message, [{ field: 'body.phases', message: error.message }]);
      }
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      await checkReferences(db, tenantId, input);
      const scheduleId = newId(c.var.config.now().getTime());
      const reply = responder(c, 201, undefined, (items: Session[]) => ({ scheduleId, items }));
      const fields = starts.map((startsAt) => sessionFields(input, startsAt, scheduleId));
      return reply.send(await createSessions(db, tenantId, fields, reply.options));
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/sessions/{id}',
      tag,
      permission: 'sessions:read',
      summary: 'One session',
      request: { params: schemas.IdParam },
      responses: { 200: json(schemas.Session, 'The session, with its ETag') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return sendResource(await getSession(c.var.config.db, c.var.principal.tenantId, id));
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/sessions/{id}/attendance',
      tag,
      permission: 'attendance:read',
      summary: "A session's attendance",
      request: { params: schemas.IdParam },
      responses: { 200: json(schemas.Attendance, 'Attendance per participant') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      const read = async () => getAttendance(db, tenantId, await getSession(db, tenantId, id));
      const attendance = await readThenAudit(c, 'attendance.read', read, (sheet) =>
        sheet.records.map((record) => record.participantId),
      );
      return c.json(attendance, 200);
    },
  );

  app.openapi(
    route({
      method: 'put',
      path: '/v1/sessions/{id}/attendance',
      tag,
      permission: 'attendance:write',
      ifMatch: true,
      summary: 'Take attendance for the whole session in one call',
      description:
        "present, excused-absence or unexcused-absence for each participant; If-Match is the session's ETag. " +
        'Only members of the group (or the listed participants) can be marked, and only once the session ' +
        'has started (409 before). At most 49 participants per call: a larger session takes several calls.',
      request: { params: schemas.IdParam, body: jsonBody(schemas.AttendanceUpdate) },
      responses: { 200: json(schemas.Attendance, 'The attendance as recorded') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { records } = c.req.valid('json');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      const session = await getSession(db, tenantId, id);
      const version = expectedVersion(c);
      const expected = await expectedParticipants(db, tenantId, session);
      const next = await recordAttendance(
        db,
        tenantId,
        session,
        records,
        expected,
        version,
        c.var.principal.subject,
        {
          now: c.var.config.now(),
          audit: auditWrite(c, 'attendance.record', () => records.map((record) => record.participantId)),
        },
      );
      c.header('ETag', etagOf(next.version));
      return c.json(await getAttendance(db, tenantId, next), 200);
    },
  );
}
