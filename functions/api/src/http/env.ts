import type { Principal } from '@polku/auth';
import type { IdempotencyRequest } from '@polku/storage';
import type { Context } from 'hono';
import type { AppConfig } from '../config.ts';
import type { StatusCache } from './access.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    config: AppConfig;
    statuses: StatusCache;
    principal: Principal;
    idempotency: IdempotencyRequest | undefined;
  };
}

export type AppContext = Context<AppEnv>;
