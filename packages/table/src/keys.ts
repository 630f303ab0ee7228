/**
 * Key builders. Every partition key of tenant data, in the table and in every index, starts with
 * `T#<tenantId>`. The platform registry alone (`PLATFORM#...`: tenant metadata by status, uniqueness
 * guards for business ids and SSO issuers, signup rate counters, the due index of webhook retries)
 * holds no tenant data.
 * Entities that grow with the number of participants get a partition of their own
 * (`T#t#P#id`, `T#t#ENR#id`, `T#t#SES#id`); tenant-wide lists of them are spread over
 * PARTICIPANT_SHARDS index partitions so one large tenant has no single hot key.
 */

export type Key = {
  PK: string;
  SK: string;
};

export const PARTICIPANT_SHARDS = 8;
/** Index partitions of due webhook retries: the sweeper queries each, none is a hot key. */
export const WEBHOOK_RETRY_SHARDS = 4;
/** Index partitions of metrics ledgers due for a recount. */
export const METRICS_DUE_SHARDS = 16;

const tenant = (tenantId: string) => `T#${tenantId}`;
const platform = (name: string) => `PLATFORM#${name}`;

/** A stable shard number in [0, PARTICIPANT_SHARDS) from an id (FNV-1a). */
export function shardOf(id: string, shards = PARTICIPANT_SHARDS): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

export const keys = {
  tenant: (tenantId: string): Key => ({ PK: tenant(tenantId), SK: 'TENANT' }),
  /** The tenant's data key for sealed fields, stored only wrapped. */
  dataKey: (tenantId: string): Key => ({ PK: tenant(tenantId), SK: 'DATA-KEY' }),
  client: (tenantId: string, clientId: string): Key => ({ PK: tenant(tenantId), SK: `CLIENT#${clientId}` }),
  organisation: (tenantId: string, id: string): Key => ({ PK: tenant(tenantId), SK: `ORG#${id}` }),
  fundingProject: (tenantId: string, id: string): Key => ({ PK: tenant(tenantId), SK: `FP#${id}` }),
  programme: (tenantId: string, id: string): Key => ({ PK: tenant(tenantId), SK: `PROG#${id}` }),
  group: (tenantId: string, programmeId: string, id: string): Key => ({
    PK: `${tenant(tenantId)}#PROG#${programmeId}`,
    SK: `GROUP#${id}`,
  }),
  participant: (tenantId: string, id: string): Key => ({
    PK: `${tenant(tenantId)}#P#${id}`,
    SK: 'PARTICIPANT',
  }),
  /** Uniqueness guard: one participant per identity-code hash in a tenant. */
  identityCode: (tenantId: string, hash: string): Key => ({
    PK: `${tenant(tenantId)}#HETU#${hash}`,
    SK: 'HETU',
  }),
  milestone: (tenantId: string, participantId: string, id: string): Key => ({
    PK: `${tenant(tenantId)}#P#${participantId}`,
    SK: `MS#${id}`,
  }),
  /** Uniqueness guard: one open enrolment of a participant in a programme. */
  openEnrolment: (tenantId: string, participantId: string, programmeId: string): Key => ({
    PK: `${tenant(tenantId)}#P#${participantId}`,
    SK: `OPEN#${programmeId}`,
  }),
  enrolment: (tenantId: string, id: string): Key => ({
    PK: `${tenant(tenantId)}#ENR#${id}`,
    SK: 'ENROLMENT',
  }),
  session: (tenantId: string, id: string): Key => ({ PK: `${tenant(tenantId)}#SES#${id}`, SK: 'SESSION' }),
  attendance: (tenantId: string, sessionId: string, participantId: string): Key => ({
    PK: `${tenant(tenantId)}#SES#${sessionId}`,
    SK: `ATT#${participantId}`,
  }),
  idempotency: (tenantId: string, principalId: string, idempotencyKey: string): Key => ({
    PK: `${tenant(tenantId)}#IDEM#${principalId}#${idempotencyKey}`,
    SK: 'IDEM',
  }),
  /** A participant's consent to share their data with organisations; in the participant's partition. */
  consent: (tenantId: string, participantId: string, id: string): Key => ({
    PK: `${tenant(tenantId)}#P#${participantId}`,
    SK: `CONSENT#${id}`,
  }),
  referral: (tenantId: string, id: string): Key => ({ PK: `${tenant(tenantId)}#REF#${id}`, SK: 'REFERRAL' }),
  /** A referral's summary in its participant's partition: the coach's "following the person". */
  referralOfParticipant: (tenantId: string, participantId: string, referralId: string): Key => ({
    PK: `${tenant(tenantId)}#P#${participantId}`,
    SK: `REF#${referralId}`,
  }),
  networkMeeting: (tenantId: string, id: string): Key => ({
    PK: `${tenant(tenantId)}#NM#${id}`,
    SK: 'MEETING',
  }),
  /** An agreed action of a network meeting, in the meeting's partition. */
  meetingAction: (tenantId: string, meetingId: string, actionId: string): Key => ({
    PK: `${tenant(tenantId)}#NM#${meetingId}`,
    SK: `ACTION#${actionId}`,
  }),
  webhookEndpoint: (tenantId: string, id: string): Key => ({ PK: tenant(tenantId), SK: `WEBHOOK#${id}` }),
  /** One delivery attempt to a webhook endpoint, in the endpoint's own partition. */
  webhookAttempt: (tenantId: string, endpointId: string, attemptId: string): Key => ({
    PK: `${tenant(tenantId)}#WH#${endpointId}`,
    SK: `ATTEMPT#${attemptId}`,
  }),
  /** A webhook delivery still to be retried, in the endpoint's partition: one per event. */
  webhookRetry: (tenantId: string, endpointId: string, eventId: string): Key => ({
    PK: `${tenant(tenantId)}#WH#${endpointId}`,
    SK: `RETRY#${eventId}`,
  }),
  /** A domain event for partner systems (the outbox): written with the change, read off the stream. */
  domainEvent: (tenantId: string, id: string): Key => ({ PK: `${tenant(tenantId)}#EVT#${id}`, SK: 'EVENT' }),
  /** The tenant's staff single sign-on: one identity provider per tenant. */
  identityProvider: (tenantId: string): Key => ({ PK: tenant(tenantId), SK: 'IDP' }),
  /** Audit events about one participant, newest last by id (ULID). */
  auditEvent: (tenantId: string, participantId: string, eventId: string): Key => ({
    PK: `${tenant(tenantId)}#AUDIT#P#${participantId}`,
    SK: `EVT#${eventId}`,
  }),
  /** A labour-market or education outcome of a participant (history and withdrawal inside). */
  outcome: (tenantId: string, id: string): Key => ({ PK: `${tenant(tenantId)}#OUT#${id}`, SK: 'OUTCOME' }),
  /**
   * What a participant's records last added to the metric buckets (the metrics ledger): the
   * projector diffs a fresh count against it, so applying a change twice changes nothing.
   */
  metricsLedger: (tenantId: string, participantId: string): Key => ({
    PK: `${tenant(tenantId)}#P#${participantId}`,
    SK: 'METRICS',
  }),
  /** The ledger's entry in the due index: ids and a time only, so the index stays small. */
  metricsDueMarker: (tenantId: string, participantId: string): Key => ({
    PK: `${tenant(tenantId)}#P#${participantId}`,
    SK: 'METRICS-DUE',
  }),
  /** Counters of one scope (tenant, programme, group, funding project, organisation) for one month. */
  metricsBucket: (tenantId: string, scope: string, kind: 'MONTH' | 'ESF', month: string): Key => ({
    PK: `${tenant(tenantId)}#M#${scope}`,
    SK: `${kind}#${month}`,
  }),
  /** A follow-up call due after an exit (28 days, 4 and 6 months), until an outcome is verified. */
  followUp: (tenantId: string, participantId: string, enrolmentId: string, checkpoint: string): Key => ({
    PK: `${tenant(tenantId)}#P#${participantId}`,
    SK: `FU#${enrolmentId}#${checkpoint}`,
  }),
  /**
   * What a participant's erased records had added to a scope's buckets, summed over everyone erased
   * (the buckets keep it): the reconciliation's account of counts whose raw records are gone.
   */
  erasedMetricsBucket: (tenantId: string, scope: string, kind: 'MONTH' | 'ESF', month: string): Key => ({
    PK: `${tenant(tenantId)}#M#${scope}`,
    SK: `ERASED#${kind}#${month}`,
  }),
  /**
   * The erasure of a participant: the job's progress while it runs, the tombstone after (when, by
   * whom, why; ids only). Under its own key, so it outlives the participant's partition.
   */
  erasure: (tenantId: string, participantId: string): Key => ({
    PK: `${tenant(tenantId)}#ERASURE#${participantId}`,
    SK: 'ERASURE',
  }),
  /** When the participant was last active: the retention index's entry (ids and a date). */
  retentionMarker: (tenantId: string, participantId: string): Key => ({
    PK: `${tenant(tenantId)}#P#${participantId}`,
    SK: 'RETENTION',
  }),
  /** Platform registry: one tenant per business id. */
  businessId: (businessId: string): Key => ({ PK: platform(`BUSINESS_ID#${businessId}`), SK: 'GUARD' }),
  /** Platform registry: one tenant per SSO issuer (hashed: issuers are long URLs). */
  issuer: (issuerHash: string): Key => ({ PK: platform(`ISSUER#${issuerHash}`), SK: 'GUARD' }),
  /** Platform registry: a fixed-window request counter (signup rate limits), expired by TTL. */
  rateCounter: (scope: string, subject: string, window: string): Key => ({
    PK: platform(`RATE#${scope}#${subject}#${window}`),
    SK: 'RATE',
  }),
} as const;

/** Partition and sort-key prefixes of the collections the API lists. */
export const collections = {
  organisations: (tenantId: string) => ({ PK: tenant(tenantId), prefix: 'ORG#' }),
  fundingProjects: (tenantId: string) => ({ PK: tenant(tenantId), prefix: 'FP#' }),
  programmes: (tenantId: string) => ({ PK: tenant(tenantId), prefix: 'PROG#' }),
  clients: (tenantId: string) => ({ PK: tenant(tenantId), prefix: 'CLIENT#' }),
  consentsOfParticipant: (tenantId: string, participantId: string) => ({
    PK: `${tenant(tenantId)}#P#${participantId}`,
    prefix: 'CONSENT#',
  }),
  referralsOfParticipant: (tenantId: string, participantId: string) => ({
    PK: `${tenant(tenantId)}#P#${participantId}`,
    prefix: 'REF#',
  }),
  actionsOfMeeting: (tenantId: string, meetingId: string) => ({
    PK: `${tenant(tenantId)}#NM#${meetingId}`,
    prefix: 'ACTION#',
  }),
  webhookEndpoints: (tenantId: string) => ({ PK: tenant(tenantId), prefix: 'WEBHOOK#' }),
  attemptsOfWebhook: (tenantId: string, endpointId: string) => ({
    PK: `${tenant(tenantId)}#WH#${endpointId}`,
    prefix: 'ATTEMPT#',
  }),
  auditOfParticipant: (tenantId: string, participantId: string) => ({
    PK: `${tenant(tenantId)}#AUDIT#P#${participantId}`,
    prefix: 'EVT#',
  }),
  groupsOfProgramme: (tenantId: string, programmeId: string) => ({
    PK: `${tenant(tenantId)}#PROG#${programmeId}`,
    prefix: 'GROUP#',
  }),
  milestonesOfParticipant: (tenantId: string, participantId: string) => ({
    PK: `${tenant(tenantId)}#P#${participantId}`,
    prefix: 'MS#',
  }),
  followUpsOfParticipant: (tenantId: string, participantId: string) => ({
    PK: `${tenant(tenantId)}#P#${participantId}`,
    prefix: 'FU#',
  }),
  metricsBuckets: (tenantId: string, scope: string, kind: 'MONTH' | 'ESF') => ({
    PK: `${tenant(tenantId)}#M#${scope}`,
    prefix: `${kind}#`,
  }),
  erasedMetricsBuckets: (tenantId: string, scope: string, kind: 'MONTH' | 'ESF') => ({
    PK: `${tenant(tenantId)}#M#${scope}`,
    prefix: `ERASED#${kind}#`,
  }),
  attendanceOfSession: (tenantId: string, sessionId: string) => ({
    PK: `${tenant(tenantId)}#SES#${sessionId}`,
    prefix: 'ATT#',
  }),
} as const;

/** Index keys: what each entity writes into GSI1..3, by name. */
export const indexKeys = {
  /** GSI1: tenants by status; GSI2: all tenants (operators' lists, newest first by id). */
  tenantListing: (status: string, tenantId: string) => ({
    GSI1PK: platform(`TENANTS#${status}`),
    GSI1SK: tenantId,
    GSI2PK: platform('TENANTS'),
    GSI2SK: tenantId,
  }),
  tenantsPartition: (status?: string) => (status ? platform(`TENANTS#${status}`) : platform('TENANTS')),
  /**
   * A referral: GSI1 the receiving organisation's inbox by status, GSI2 its whole inbox, GSI3 the
   * sending organisation's outbox; all newest first by id (ULID).
   */
  referralIndexes: (
    tenantId: string,
    toOrganisationId: string,
    fromOrganisationId: string,
    status: string,
    id: string,
  ) => ({
    GSI1PK: `${tenant(tenantId)}#ORG#${toOrganisationId}#REF-IN#${status}`,
    GSI1SK: id,
    GSI2PK: `${tenant(tenantId)}#ORG#${toOrganisationId}#REF-IN`,
    GSI2SK: id,
    GSI3PK: `${tenant(tenantId)}#ORG#${fromOrganisationId}#REF-OUT`,
    GSI3SK: id,
  }),
  /** A referral's participant summary: GSI1 the sending organisation's outbox by status. */
  referralSummaryIndexes: (tenantId: string, fromOrganisationId: string, status: string, id: string) => ({
    GSI1PK: `${tenant(tenantId)}#ORG#${fromOrganisationId}#REF-OUT#${status}`,
    GSI1SK: id,
  }),
  incomingReferralsPartition: (tenantId: string, organisationId: string, status?: string) =>
    `${tenant(tenantId)}#ORG#${organisationId}#REF-IN${status ? `#${status}` : ''}`,
  outgoingReferralsPartition: (tenantId: string, organisationId: string, status?: string) =>
    `${tenant(tenantId)}#ORG#${organisationId}#REF-OUT${status ? `#${status}` : ''}`,
  /** GSI1: network meetings of a participant, by date. */
  meetingByParticipant: (tenantId: string, participantId: string, date: string, id: string) => ({
    GSI1PK: `${tenant(tenantId)}#P#${participantId}#NM`,
    GSI1SK: `${date}#${id}`,
  }),
  meetingsOfParticipantPartition: (tenantId: string, participantId: string) =>
    `${tenant(tenantId)}#P#${participantId}#NM`,
  /** GSI1: an organisation's agreed actions by status, soonest due first ("division of work"). */
  actionByOwner: (
    tenantId: string,
    ownerOrganisationId: string,
    status: string,
    dueDate: string,
    actionId: string,
  ) => ({
    GSI1PK: `${tenant(tenantId)}#ORG#${ownerOrganisationId}#ACTIONS#${status}`,
    GSI1SK: `${dueDate}#${actionId}`,
  }),
  actionsOfOrganisationPartition: (tenantId: string, organisationId: string, status: string) =>
    `${tenant(tenantId)}#ORG#${organisationId}#ACTIONS#${status}`,
  /** GSI1: webhook endpoints of an organisation, for the dispatcher. */
  webhookByOrganisation: (tenantId: string, organisationId: string, id: string) => ({
    GSI1PK: `${tenant(tenantId)}#ORG#${organisationId}#WEBHOOKS`,
    GSI1SK: id,
  }),
  webhooksOfOrganisationPartition: (tenantId: string, organisationId: string) =>
    `${tenant(tenantId)}#ORG#${organisationId}#WEBHOOKS`,
  /**
   * GSI1: webhook retries by due time, in platform partitions spread over WEBHOOK_RETRY_SHARDS; the
   * sort key holds the time and ids only.
   */
  webhookRetryDue: (tenantId: string, endpointId: string, eventId: string, nextAttemptAt: string) => ({
    GSI1PK: platform(`WEBHOOK-RETRIES#${shardOf(`${endpointId}#${eventId}`, WEBHOOK_RETRY_SHARDS)}`),
    GSI1SK: `${nextAttemptAt}#${tenantId}#${endpointId}#${eventId}`,
  }),
  webhookRetriesPartition: (shard: number) => platform(`WEBHOOK-RETRIES#${shard}`),
  /** The greatest GSI1SK of a retry due at `at` (ids sort below `~`). */
  webhookRetriesDueBy: (at: string) => `${at}~`,
  /** GSI1: audit events by actor (an API client or a staff user: the kind keeps them apart), newest last. */
  auditByActor: (tenantId: string, actorKind: string, actorId: string, eventId: string) => ({
    GSI1PK: `${tenant(tenantId)}#AUDIT#ACTOR#${actorKind}:${actorId}`,
    GSI1SK: eventId,
  }),
  auditOfActorPartition: (tenantId: string, actorKind: string, actorId: string) =>
    `${tenant(tenantId)}#AUDIT#ACTOR#${actorKind}:${actorId}`,
  /** GSI1: participants of a tenant, spread over shards, in id (creation) order. */
  participantShard: (tenantId: string, participantId: string) => ({
    GSI1PK: `${tenant(tenantId)}#PARTICIPANTS#${shardOf(participantId)}`,
    GSI1SK: participantId,
  }),
  participantShardPartition: (tenantId: string, shard: number) => `${tenant(tenantId)}#PARTICIPANTS#${shard}`,
  /** GSI1: enrolments of a participant. */
  enrolmentByParticipant: (tenantId: string, participantId: string, enrolmentId: string) => ({
    GSI1PK: `${tenant(tenantId)}#P#${participantId}#ENR`,
    GSI1SK: enrolmentId,
  }),
  enrolmentsOfParticipantPartition: (tenantId: string, participantId: string) =>
    `${tenant(tenantId)}#P#${participantId}#ENR`,
  /** GSI2: enrolments of a programme. */
  enrolmentByProgramme: (tenantId: string, programmeId: string, enrolmentId: string) => ({
    GSI2PK: `${tenant(tenantId)}#PROG#${programmeId}#ENR`,
    GSI2SK: enrolmentId,
  }),
  enrolmentsOfProgrammePartition: (tenantId: string, programmeId: string) =>
    `${tenant(tenantId)}#PROG#${programmeId}#ENR`,
  /** GSI3: enrolments of a group. */
  enrolmentByGroup: (tenantId: string, groupId: string, enrolmentId: string) => ({
    GSI3PK: `${tenant(tenantId)}#GROUP#${groupId}#ENR`,
    GSI3SK: enrolmentId,
  }),
  enrolmentsOfGroupPartition: (tenantId: string, groupId: string) =>
    `${tenant(tenantId)}#GROUP#${groupId}#ENR`,
  /** GSI1: sessions of a programme by start time. */
  sessionByProgramme: (tenantId: string, programmeId: string, startsAt: string, sessionId: string) => ({
    GSI1PK: `${tenant(tenantId)}#PROG#${programmeId}#SES`,
    GSI1SK: `${startsAt}#${sessionId}`,
  }),
  sessionsOfProgrammePartition: (tenantId: string, programmeId: string) =>
    `${tenant(tenantId)}#PROG#${programmeId}#SES`,
  /** GSI2: sessions of a group by start time. */
  sessionByGroup: (tenantId: string, groupId: string, startsAt: string, sessionId: string) => ({
    GSI2PK: `${tenant(tenantId)}#GROUP#${groupId}#SES`,
    GSI2SK: `${startsAt}#${sessionId}`,
  }),
  sessionsOfGroupPartition: (tenantId: string, groupId: string) => `${tenant(tenantId)}#GROUP#${groupId}#SES`,
  /** GSI1: a participant's attendance history by session start time. */
  attendanceByParticipant: (
    tenantId: string,
    participantId: string,
    startsAt: string,
    sessionId: string,
  ) => ({
    GSI1PK: `${tenant(tenantId)}#P#${participantId}#ATT`,
    GSI1SK: `${startsAt}#${sessionId}`,
  }),
  attendanceOfParticipantPartition: (tenantId: string, participantId: string) =>
    `${tenant(tenantId)}#P#${participantId}#ATT`,
  /** GSI1: outcomes of a participant, in id (recording) order. */
  outcomeByParticipant: (tenantId: string, participantId: string, outcomeId: string) => ({
    GSI1PK: `${tenant(tenantId)}#P#${participantId}#OUT`,
    GSI1SK: outcomeId,
  }),
  outcomesOfParticipantPartition: (tenantId: string, participantId: string) =>
    `${tenant(tenantId)}#P#${participantId}#OUT`,
  /**
   * GSI1 (of the ledger's due marker): participants by the date their figures next change (an ongoing job reaching 120 days,
   * six months after an exit) or a change is to be counted again, in platform partitions (ids only).
   */
  metricsDue: (tenantId: string, participantId: string, dueAt: string) => ({
    GSI1PK: platform(`METRICS-DUE#${shardOf(participantId, METRICS_DUE_SHARDS)}`),
    GSI1SK: `${dueAt}#${tenantId}#${participantId}`,
  }),
  metricsDuePartition: (shard: number) => platform(`METRICS-DUE#${shard}`),
  /** GSI1: a tenant's follow-ups by due date. */
  followUpDue: (
    tenantId: string,
    dueDate: string,
    participantId: string,
    enrolmentId: string,
    checkpoint: string,
  ) => ({
    GSI1PK: `${tenant(tenantId)}#FOLLOW-UPS`,
    GSI1SK: `${dueDate}#${participantId}#${enrolmentId}#${checkpoint}`,
  }),
  followUpsPartition: (tenantId: string) => `${tenant(tenantId)}#FOLLOW-UPS`,
  /** GSI2: one coach's follow-ups by due date. */
  followUpDueOfCoach: (
    tenantId: string,
    coachId: string,
    dueDate: string,
    participantId: string,
    enrolmentId: string,
    checkpoint: string,
  ) => ({
    GSI2PK: `${tenant(tenantId)}#FOLLOW-UPS#COACH#${coachId}`,
    GSI2SK: `${dueDate}#${participantId}#${enrolmentId}#${checkpoint}`,
  }),
  followUpsOfCoachPartition: (tenantId: string, coachId: string) =>
    `${tenant(tenantId)}#FOLLOW-UPS#COACH#${coachId}`,
  /** GSI1: a tenant's erasures, newest last by when they were asked for. */
  erasureListing: (tenantId: string, requestedAt: string, participantId: string) => ({
    GSI1PK: `${tenant(tenantId)}#ERASURES`,
    GSI1SK: `${requestedAt}#${participantId}`,
  }),
  erasuresPartition: (tenantId: string) => `${tenant(tenantId)}#ERASURES`,
  /** GSI2, while an erasure is unfinished: the retention job resumes one cut short. */
  unfinishedErasure: (tenantId: string, requestedAt: string, participantId: string) => ({
    GSI2PK: `${tenant(tenantId)}#ERASURES-UNFINISHED`,
    GSI2SK: `${requestedAt}#${participantId}`,
  }),
  unfinishedErasuresPartition: (tenantId: string) => `${tenant(tenantId)}#ERASURES-UNFINISHED`,
  /** GSI1: a tenant's participants by the day they were last active, for the retention job. */
  retentionByActivity: (tenantId: string, lastActiveOn: string, participantId: string) => ({
    GSI1PK: `${tenant(tenantId)}#RETENTION`,
    GSI1SK: `${lastActiveOn}#${participantId}`,
  }),
  retentionPartition: (tenantId: string) => `${tenant(tenantId)}#RETENTION`,
} as const;
