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
  type Principal,
  TokenError,
  TokenService,
  type TokenSettings,
} from './tokens.ts';
