/**
 * Key builders. Every partition key of tenant data, in the table and in every index, starts with
 * `T#<tenantId>`. The platform registry alone (`PLATFORM#...`: tenant metadata by status, uniqueness
 * guards for business ids and SSO issuers, signup rate counters) holds no tenant data.
 * Entities that grow with the number of participants get a partition of their own
 * (`T#t#P#id`, `T#t#ENR#id`, `T#t#SES#id`); tenant-wide lists of them are spread over
 * PARTICIPANT_SHARDS index partitions so one large tenant has no single hot key.
 */

export type Key = {
  PK: string;
  SK: string;
};

export const PARTICIPANT_SHARDS = 8;

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
  /** The tenant's staff single sign-on: one identity provider per tenant. */
  identityProvider: (tenantId: string): Key => ({ PK: tenant(tenantId), SK: 'IDP' }),
  /** Audit events about one participant, newest last by id (ULID). */
  auditEvent: (tenantId: string, participantId: string, eventId: string): Key => ({
    PK: `${tenant(tenantId)}#AUDIT#P#${participantId}`,
    SK: `EVT#${eventId}`,
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
} as const;
