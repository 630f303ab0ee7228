export { businessIdFrom, isValidBusinessId } from './business-id.ts';
export * from './enrolment-stages.ts';
export * from './errors.ts';
export { canonicalIdentityCode, isValidIdentityCode, parseIdentityCode } from './identity-code.ts';
export { ID_PATTERN, newId } from './ids.ts';
export * from './schedule.ts';
export * as schemas from './schemas/index.ts';
export * from './templates.ts';
export * from './tenant-status.ts';
