export * from './audit.ts';
export {
  type ApiClient,
  clientIdOf,
  clients,
  createClient,
  findClient,
  findClientCredentials,
  getClient,
  listClients,
  newClient,
  parseClientId,
  revokeClient,
  rotateClientSecret,
} from './clients.ts';
export * from './consents.ts';
export {
  DATA_KEY_TTL_MS,
  type DataKeys,
  dataKeysOf,
  type KeyWrapper,
  localKeyWrapper,
  SealedDataError,
} from './data-keys.ts';
export { createDb, type Db, type DbOptions } from './db.ts';
export {
  createEnrolment,
  type Enrolment,
  type EnrolmentFilter,
  enrolments,
  enrolmentsOfGroup,
  enrolmentsOfParticipant,
  getEnrolment,
  type Handover,
  handOverEnrolment,
  listEnrolments,
  transitionEnrolment,
} from './enrolments.ts';
export {
  ERASURE_SETTLE_MS,
  type Erasure,
  type ErasureRequest,
  findErasure,
  listErasures,
  RETENTION_ACTOR,
  runErasure,
  startErasure,
} from './erasure.ts';
export { isTransient } from './errors.ts';
export { type AttendanceMark, exportParticipant, type ParticipantExport } from './export.ts';
export { type FundingProject, fundingProjects } from './funding-projects.ts';
export {
  findIdempotentResponse,
  type IdempotencyRecorder,
  type IdempotencyRequest,
  idempotencyRecorder,
  type StoredResponse,
} from './idempotency.ts';
export * from './identity-providers.ts';
export type { Item } from './item.ts';
export * as metricsStore from './metrics.ts';
export { listFollowUps, readBuckets } from './metrics.ts';
export * from './network-meetings.ts';
export { type Organisation, organisations } from './organisations.ts';
export * from './outbox.ts';
export * from './outcomes.ts';
export {
  createMilestone,
  createParticipant,
  getParticipant,
  listMilestones,
  listParticipants,
  type Milestone,
  type Participant,
  type ParticipantListPosition,
  type ParticipantSummary,
  participants,
  updateParticipant,
} from './participants.ts';
export {
  createGroup,
  type Group,
  getGroup,
  listGroups,
  type Programme,
  programmes,
  updateGroup,
} from './programmes.ts';
export { countAttempt, type RateLimit, rateLimitWait, spendRateLimit } from './rate-limits.ts';
export { getItem, type PageRequest, queryAll, queryPage } from './read.ts';
export * from './referrals.ts';
export { type Resource, recordsOf, type WriteOptions } from './repository.ts';
export {
  dueForErasure,
  RETENTION_BATCH,
  type RetentionDue,
  type RetentionOptions,
  type RetentionRun,
  runRetention,
} from './retention.ts';
export {
  type Attendance,
  createSessions,
  getAttendance,
  getSession,
  listSessions,
  type NewSession,
  recordAttendance,
  type Session,
  sessions,
} from './sessions.ts';
export {
  assertBusinessIdFree,
  changeTenantSettings,
  changeTenantStatus,
  createTenant,
  findTenant,
  getTenant,
  listTenants,
  TENANT_KINDS,
  type Tenant,
  type TenantStatus,
  tenants,
} from './tenants.ts';
export * from './webhook-retries.ts';
export * from './webhooks.ts';
export { commit, conditions, IdempotencyRecordExists, type SideRecords, type WriteOp } from './write.ts';
