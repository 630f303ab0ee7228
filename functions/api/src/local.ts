/** Serves the app on Node (for `pnpm dev` and the load tests). */
import { type ServerType, serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createApp } from './app.ts';
import type { AppConfig } from './config.ts';

export function serveLocally(config: AppConfig, port: number): Promise<ServerType> {
  const app = createApp({ ...config, sourceAddress: (c) => getConnInfo(c).remote.address });
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(server));
  });
}
