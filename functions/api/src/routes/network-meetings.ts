/**
 * Network meetings and the division of work. Staff record and see every meeting; a partner sees a
 * meeting only if its organisation took part or owns one of its actions, and changes only its own actions.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import {
  consentCovers,
  type FieldError,
  ForbiddenError,
  NotFoundError,
  schemas,
  ValidationError,
} from '@polku/domain';
import {
  consentsOf,
  createNetworkMeeting,
  getNetworkMeeting,
  getParticipant,
  listActionsOfOrganisation,
  listMeetingsOfParticipant,
  type MeetingAction,
  meetingActionOf,
  type NetworkMeeting,
  organisations,
  updateMeetingAction,
  updateNetworkMeeting,
} from '@polku/storage';
import { auditWrite, participantCollectionPage, readThenAudit } from '../http/audit.ts';
import type { AppContext, AppEnv } from '../http/env.ts';
import { expectedVersion } from '../http/etag.ts';
import { pageOf, pageRequest } from '../http/paging.ts';
import { responder, sendResource } from '../http/respond.ts';
import { json, jsonBody, route } from '../http/route.ts';
import { today } from '../http/today.ts';

const tag = 'Network meetings';
const ofMeeting = (m: { participantId: string }) => [m.participantId];
/** What a partner may change of its own organisation's action. */
const PARTNER_FIELDS: ReadonlySet<string> = new Set(['status', 'notes']);

/** The partner's organisation, or undefined for staff. */
function partnerOrganisation(c: AppContext): string | undefined {
  const { role, organisationId } = c.var.principal;
  if (role !== 'partner') return undefined;
  if (!organisationId) throw new ForbiddenError('this partner acts for no organisation');
  return organisationId;
}

/**
 * A meeting a partner had no part in is as absent to it as another tenant's; so is one about a
 * person whose consent no longer covers the partner's organisation.
 */
async function assertSees(c: AppContext, meeting: NetworkMeeting): Promise<void> {
  const own = partnerOrganisation(c);
  if (own === undefined) return;
  const involved =
    meeting.organisationsPresent.includes(own) || meeting.actions.some((a) => a.ownerOrganisationId === own);
  const covered =
    involved &&
    (await consentsOf(c.var.config.db, c.var.principal.tenantId, meeting.participantId)).some((consent) =>
      consentCovers(consent, own, today(c)),
    );
  if (!covered) throw new NotFoundError(`network meeting ${meeting.id} not found`);
}

function assertStaff(c: AppContext, what: string): void {
  if (partnerOrganisation(c) !== undefined) throw new ForbiddenError(`partners may not ${what}`);
}

const absent = (load: Promise<unknown>) =>
  load.then(
    () => false,
    (error: unknown) => {
      if (error instanceof NotFoundError) return true;
      throw error;
    },
  );

/**
 * What the body names must be the tenant's: the participant, when given, and every organisation.
 * All that are not come back in one 400, the same whichever lookup answers first.
 */
async function assertReferencesExist(
  c: AppContext,
  participantId: string | undefined,
  named: { field: string; id: string }[],
): Promise<void> {
  const { db } = c.var.config;
  const tenantId = c.var.principal.tenantId;
  const ids = [...new Set(named.map((n) => n.id))];
  const [participantMissing, ...missing] = await Promise.all([
    participantId !== undefined && absent(getParticipant(db, tenantId, participantId)),
    ...ids.map((id) => absent(organisations.get(db, tenantId, id))),
  ]);
  const gone = new Set(ids.filter((_, i) => missing[i]));
  const errors: FieldError[] = [
    ...(participantMissing
      ? [{ field: 'body.participantId', message: `participant ${participantId} not found` }]
      : []),
    ...named
      .filter((n) => gone.has(n.id))
      .map((n) => ({ field: `body.${n.field}`, message: `organisation ${n.id} is not one of the tenant's` })),
  ];
  if (errors.length > 0) throw new ValidationError('the body names records that do not exist', errors);
}

const presentFields = (ids: readonly string[]) =>
  ids.map((id, i) => ({ field: `organisationsPresent.${i}`, id }));

export function registerNetworkMeetings(app: OpenAPIHono<AppEnv>) {
  app.openapi(
    route({
      method: 'post',
      path: '/v1/network-meetings',
      tag,
      permission: 'network-meetings:write',
      summary: 'Record a network meeting: who took part and the agreed actions',
      description:
        "Every organisation named must be the tenant's (400 otherwise). The meeting, its actions and an " +
        '`action.assigned` event per action for the owning organisation are written together.',
      request: { body: jsonBody(schemas.NetworkMeetingCreate) },
      responses: { 201: json(schemas.NetworkMeeting, 'Created') },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      await assertReferencesExist(c, input.participantId, [
        ...presentFields(input.organisationsPresent),
        ...input.actions.map((a, i) => ({
          field: `actions.${i}.ownerOrganisationId`,
          id: a.ownerOrganisationId,
        })),
      ]);
      const reply = responder(c, 201, (m: { id: string }) => `/v1/network-meetings/${m.id}`);
      const options = { ...reply.options, audit: auditWrite(c, 'network-meeting.create', ofMeeting) };
      return reply.send(await createNetworkMeeting(db, tenantId, input, options));
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/network-meetings/{id}',
      tag,
      permission: 'network-meetings:read',
      summary: 'One network meeting with its actions',
      description:
        'A partner sees it only if its organisation took part or owns an action and an active consent of the ' +
        'person covers its organisation (404 otherwise).',
      request: { params: schemas.IdParam },
      responses: { 200: json(schemas.NetworkMeeting, 'The meeting, with its ETag') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const read = async () => {
        const meeting = await getNetworkMeeting(c.var.config.db, c.var.principal.tenantId, id);
        await assertSees(c, meeting);
        return meeting;
      };
      return sendResource(await readThenAudit(c, 'network-meeting.read', read, ofMeeting));
    },
  );

  app.openapi(
    route({
      method: 'patch',
      path: '/v1/network-meetings/{id}',
      tag,
      permission: 'network-meetings:write',
      ifMatch: true,
      summary: "Change a meeting's date, organisations present or summary",
      description: 'Actions are changed one by one at their own path and version.',
      request: { params: schemas.IdParam, body: jsonBody(schemas.NetworkMeetingUpdate) },
      responses: { 200: json(schemas.NetworkMeeting, 'Changed') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      const meeting = await getNetworkMeeting(db, tenantId, id);
      if (patch.organisationsPresent) {
        await assertReferencesExist(c, undefined, presentFields(patch.organisationsPresent));
      }
      const reply = responder(c, 200);
      const options = { ...reply.options, audit: auditWrite(c, 'network-meeting.update', ofMeeting) };
      return reply.send(
        await updateNetworkMeeting(db, tenantId, meeting, patch, expectedVersion(c), options),
      );
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/network-meetings/{id}/actions/{actionId}',
      tag,
      permission: 'network-meetings:read',
      summary: 'One agreed action, with its ETag',
      description: 'What an `action.assigned` event points to. Partners: as for the meeting.',
      request: { params: schemas.MeetingActionParams },
      responses: { 200: json(schemas.MeetingAction, 'The action, with its ETag') },
    }),
    async (c) => {
      const { id, actionId } = c.req.valid('param');
      const read = async () => {
        const meeting = await getNetworkMeeting(c.var.config.db, c.var.principal.tenantId, id);
        await assertSees(c, meeting);
        return meetingActionOf(meeting, actionId);
      };
      return sendResource(await readThenAudit(c, 'meeting-action.read', read, ofMeeting));
    },
  );

  app.openapi(
    route({
      method: 'patch',
      path: '/v1/network-meetings/{id}/actions/{actionId}',
      tag,
      permission: 'meeting-actions:write',
      ifMatch: true,
      summary: "Change an action's status, due date, description, notes or owner",
      description:
        "If-Match is the action's own version. A partner changes only its organisation's actions, and " +
        'only status and notes (403). A new owner is told with `action.assigned`.',
      request: { params: schemas.MeetingActionParams, body: jsonBody(schemas.MeetingActionUpdate) },
      responses: { 200: json(schemas.MeetingAction, 'Changed') },
    }),
    async (c) => {
      const { id, actionId } = c.req.valid('param');
      const patch = c.req.valid('json');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      const meeting = await getNetworkMeeting(db, tenantId, id);
      await assertSees(c, meeting);
      const action = meetingActionOf(meeting, actionId);
      assertMayChange(c, action, patch);
      if (patch.ownerOrganisationId) {
        await assertReferencesExist(c, undefined, [
          { field: 'ownerOrganisationId', id: patch.ownerOrganisationId },
        ]);
      }
      const reply = responder(c, 200);
      const options = { ...reply.options, audit: auditWrite(c, 'meeting-action.update', ofMeeting) };
      return reply.send(await updateMeetingAction(db, tenantId, action, patch, expectedVersion(c), options));
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/participants/{id}/network-meetings',
      tag,
      permission: 'network-meetings:read',
      summary: "A participant's network meetings, newest first",
      description: 'Staff only: a partner gets 403 and reads the meetings it took part in one by one.',
      request: { params: schemas.IdParam, query: schemas.ListQuery },
      responses: {
        200: json(schemas.page(schemas.NetworkMeetingSummary, 'NetworkMeetingPage'), 'A page of meetings'),
      },
    }),
    async (c) => {
      assertStaff(c, "list a participant's network meetings");
      const { id } = c.req.valid('param');
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      const filters = { participantId: id };
      const page = pageRequest(c, c.req.valid('query'), filters);
      const result = await participantCollectionPage(c, 'network-meeting.list', id, () =>
        listMeetingsOfParticipant(db, tenantId, id, page),
      );
      return c.json(pageOf(c, result, filters), 200);
    },
  );

  app.openapi(
    route({
      method: 'get',
      path: '/v1/organisations/{id}/actions',
      tag,
      permission: 'network-meetings:read',
      summary: "An organisation's agreed actions in one status, soonest due first (the division of work)",
      description: "A partner lists only its own organisation's actions (403 for another's).",
      request: { params: schemas.IdParam, query: schemas.OrganisationActionsQuery },
      responses: {
        200: json(schemas.page(schemas.MeetingAction, 'MeetingActionPage'), 'A page of actions'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { status, ...query } = c.req.valid('query');
      const own = partnerOrganisation(c);
      if (own !== undefined && own !== id) {
        throw new ForbiddenError("a partner lists only its own organisation's actions");
      }
      const { db } = c.var.config;
      const tenantId = c.var.principal.tenantId;
      const filters = { organisationId: id, status };
      const page = pageRequest(c, query, filters);
      const read = async () => {
        const [, actions] = await Promise.all([
          organisations.get(db, tenantId, id),
          listActionsOfOrganisation(db, tenantId, id, status, page),
        ]);
        return actions;
      };
      const ofPage = (listed: { items: MeetingAction[] }) => listed.items.flatMap(ofMeeting);
      const result = await readThenAudit(c, 'meeting-action.list', read, ofPage);
      return c.json(pageOf(c, result, filters), 200);
    },
  );
}

/** Staff change any action; a partner only its own organisation's, and only its status and notes. */
function assertMayChange(c: AppContext, action: MeetingAction, patch: object): void {
  const own = partnerOrganisation(c);
  if (own === undefined) return;
  if (action.ownerOrganisationId !== own) {
    throw new ForbiddenError("a partner changes only its own organisation's actions");
  }
  const others = Object.keys(patch).filter((field) => !PARTNER_FIELDS.has(field));
  if (others.length > 0) {
    throw new ForbiddenError(
      `a partner changes only the status and notes of an action, not ${others.join(', ')}`,
    );
  }
}
