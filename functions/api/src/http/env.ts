import type { Principal } from '@polku/auth';
import type { IdempotencyRequest } from '@polku/storage';
import type { Context } from 'hono';
import type { AppConfig } from '../config.ts';
import type { StatusCache } from './access.ts';

export interface AppEnv {
  Variables: {
    /** Polku's own id of the request: on the response, in logs, problems and audit events. */
    requestId: string;
    /** The caller's own X-Request-Id, when it is well-formed: kept beside ours, never instead of it. */
    clientRequestId: string | undefined;
    config: AppConfig;
    statuses: StatusCache;
    principal: Principal;
    idempotency: IdempotencyRequest | undefined;
  };
}

export type AppContext = Context<AppEnv>;
