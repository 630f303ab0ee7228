export { type DynamoDbLocal, freePort, startDynamoDbLocal } from './dynamodb-local.ts';
export {
  type OperatorEntry,
  type RotationStep,
  withOperator,
  withoutOperator,
  withRotatedSigningKey,
} from './platform-secret.ts';
export {
  generateSecrets,
  type LocalOperator,
  type LocalSecrets,
  loadOrCreateOperator,
  loadOrCreateSecrets,
} from './secrets.ts';
export { DEMO_TENANT_ID, type DemoCredentials, type SeedResult, seedDemo } from './seed.ts';
export {
  type DevStack,
  type DevStackOptions,
  DUE_PROJECTIONS_INTERVAL_MS,
  LOCAL_WEBHOOK_RETRY_SCHEDULE_MS,
  SWEEP_INTERVAL_MS,
  startDevStack,
} from './stack.ts';
export { type StreamPoller, type StreamPollerOptions, startStreamPoller } from './stream-poller.ts';
export { ensureTable } from './table.ts';
