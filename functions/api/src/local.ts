/** Serves the app on Node (for `pnpm dev` and the load tests). */
import { type Http2Bindings, type HttpBindings, type ServerType, serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createApp } from './app.ts';
import type { AppConfig } from './config.ts';

export function serveLocally(config: AppConfig, port: number): Promise<ServerType> {
  const app = createApp({ ...config, sourceAddress: (c) => getConnInfo(c).remote.address });
  const fetch = async (request: Request, env: HttpBindings | Http2Bindings) =>
    closingIfBodyUnread(await app.fetch(request, env), env);
  return new Promise((resolve) => {
    const server = serve({ fetch, port, hostname: '127.0.0.1' }, () => resolve(server));
  });
}

/**
 * An answer given before the request's body has all arrived (a 413, a 401 before the body is read)
 * leaves the rest of the body on the connection, and @hono/node-server cannot drain it once the body
 * is a web stream: it drops the socket, and a keep-alive client loses the request it sent next.
 * Announcing the close keeps the client from sending another request on that connection.
 * (In AWS, API Gateway reads the whole body before the Lambda runs.)
 */
function closingIfBodyUnread(response: Response, { incoming }: HttpBindings | Http2Bindings): Response {
  if (incoming.complete) return response;
  const headers = new Headers(response.headers);
  headers.set('Connection', 'close');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
