export { API_VERSION, type App, createApp } from './app.ts';
export {
  type AppConfig,
  type ConfigInput,
  createConfig,
  jsonLogger,
  type PlatformSecrets,
} from './config.ts';
export { serveLocally } from './local.ts';
