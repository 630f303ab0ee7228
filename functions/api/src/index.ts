export { API_VERSION, type App, createApp } from './app.ts';
export {
  type AppConfig,
  type ConfigInput,
  createConfig,
  DEFAULT_SIGNUP_LIMITS,
  jsonLogger,
  type OperatorCredential,
  type PlatformSecrets,
  type SignupLimits,
  type StaffSignOnSettings,
} from './config.ts';
export { serveLocally } from './local.ts';
