export { isRole, PERMISSIONS, type Permission, ROLES, type Role, roleMay } from './roles.ts';
export { generateSecret, hashSecret, spendVerifyTime, verifySecret } from './secrets.ts';
export {
  ALGORITHM,
  generatePrivateJwk,
  loadSigningKeys,
  type PrivateJwkSet,
  type SigningKeys,
} from './signing-keys.ts';
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
