export { API_VERSION, type App, createApp } from './app.ts';
export {
  type AppConfig,
  type ConfigInput,
  createConfig,
  DEFAULT_SIGNUP_LIMITS,
  DEFAULT_TOKEN_LIMITS,
  DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS,
  jsonLogger,
  loadPlatformSecrets,
  type OperatorCredential,
  type PlatformSecrets,
  type SignupLimits,
  type StaffSignOnSettings,
  type TokenLimits,
  type WebhookSettings,
  webhookSettingsOf,
} from './config.ts';
export { serveLocally } from './local.ts';
export { type ProjectorConfig, projectStreamRecords, runDueProjections } from './metrics/stream.ts';
export {
  createDispatcher,
  type DispatchableEvent,
  type Dispatcher,
  type DispatcherConfig,
  deliveryOf,
} from './webhooks/dispatcher.ts';
export { SIGNATURE_HEADER, signatureHeader, signingSecretOf } from './webhooks/signing.ts';
export { type BatchResult, dispatchStreamRecords, type StreamRecord } from './webhooks/stream.ts';
export { type SweepResult, sweepDueRetries } from './webhooks/sweeper.ts';
