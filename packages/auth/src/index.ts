export {
  AddressRefusedError,
  guardedLookup,
  mayConnectTo,
  outboundUrlProblem,
  refusedLiteral,
} from './outbound.ts';
export {
  PERSONAL_DATA,
  type PersonalData,
  personalDataTable,
  SENSITIVE_DATA_SHOWN,
  type SensitiveDataScope,
  sensitiveDataScope,
  shownTo,
} from './personal-data.ts';
export { isRole, PERMISSIONS, type Permission, ROLES, type Role, roleMay } from './roles.ts';
export { generateSecret, hashSecret, SECRET_SLOTS, verifySecret, verifySecretAmong } from './secrets.ts';
export {
  ALGORITHM,
  generatePrivateJwk,
  loadSigningKeys,
  type PrivateJwkSet,
  rotation,
  type SigningKeys,
} from './signing-keys.ts';
export {
  claimValues,
  KeySetUnavailableError,
  mappedRole,
  type RoleMapping,
  STAFF_TOKEN_ALGORITHMS,
  type StaffClaims,
  type StaffTokenSettings,
  type StaffTokenSource,
  StaffTokenVerifier,
} from './staff-tokens.ts';
export {
  ACCESS_TOKEN_TTL_SECONDS,
  claimedIssuer,
  PLATFORM_TENANT,
  type Principal,
  type PrincipalKind,
  TokenError,
  TokenService,
  type TokenSettings,
} from './tokens.ts';
