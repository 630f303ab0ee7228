export { type DynamoDbLocal, freePort, startDynamoDbLocal } from './dynamodb-local.ts';
export { generateSecrets, type LocalSecrets, loadOrCreateSecrets } from './secrets.ts';
export { DEMO_TENANT_ID, type DemoCredentials, type SeedResult, seedDemo } from './seed.ts';
export { ensureTable } from './table.ts';
