/**
 * Fetching a tenant's JWKS means fetching a URL a tenant chose, so it must not become a way into
 * the network behind the API: the addresses outbound.ts allows, checked on the address actually
 * connected to; no redirects; at most 64 KB; and a URL that just failed is not tried again until
 * the cooldown has passed.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { FetchImplementation } from 'jose';
import { AddressRefusedError, guardedLookup, refusedLiteral } from './outbound.ts';

const MAX_BODY_BYTES = 64 * 1024;

export interface KeySetFetchSettings {
  allowLoopback: boolean;
  /** How long a URL that failed is not fetched again. */
  failureCooldownMs: number;
}

function readBody(response: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        response.destroy(new Error(`the key set is larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', reject);
  });
}

/** A fetch for jose's remote JWK set that keeps to the rules above. */
export function keySetFetch(settings: KeySetFetchSettings): FetchImplementation {
  const failedUntil = new Map<string, number>();
  const fetchOnce = (url: string, signal: AbortSignal) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      // An address literal is connected to without a lookup, so it is checked here.
      const refused = refusedLiteral(target, settings.allowLoopback);
      if (refused) {
        reject(new AddressRefusedError(refused));
        return;
      }
      const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
        target,
        {
          method: 'GET',
          headers: { accept: 'application/json' },
          lookup: guardedLookup(settings.allowLoopback),
          signal,
        },
        (response) => {
          readBody(response).then(
            (body) => resolve(new Response(body, { status: response.statusCode ?? 500 })),
            reject,
          );
        },
      );
      request.on('error', reject);
      request.end();
    });
  return async (url, options) => {
    const until = failedUntil.get(url);
    if (until !== undefined && until > Date.now()) throw new Error('the key set failed a moment ago');
    try {
      return await fetchOnce(url, options.signal);
    } catch (error) {
      if (failedUntil.size > 1000) failedUntil.clear();
      failedUntil.set(url, Date.now() + settings.failureCooldownMs);
      throw error;
    }
  };
}
