/**
 * One POST to a partner's URL, which a tenant chose: the addresses @polku/auth's outbound rule
 * allows, checked on the address actually connected to, so a name that resolves to the network
 * behind Polku is refused; no redirects; a time limit; at most 4 KB of the response read, and
 * nothing of it kept.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AddressRefusedError, guardedLookup, refusedLiteral } from '@polku/auth';

const MAX_RESPONSE_BYTES = 4 * 1024;

export interface DeliveryOptions {
  allowLoopback: boolean;
  timeoutMs: number;
}

export interface DeliveryResult {
  /** The receiver's status; absent when none came back. */
  statusCode?: number;
  /** Why no status came back. */
  error?: string;
  /** A refused address: trying again would not help. */
  refused?: boolean;
  durationMs: number;
}

function failureOf(error: unknown, timeoutMs: number): { error: string; refused?: boolean } {
  if (error instanceof AddressRefusedError) return { error: `refused: ${error.message}`, refused: true };
  const name = (error as { name?: string }).name;
  if (name === 'AbortError' || name === 'TimeoutError') return { error: `timeout after ${timeoutMs} ms` };
  const code = (error as { code?: string }).code;
  return { error: code ? `network error: ${code}` : 'network error' };
}

/** POSTs the body and tells how it went; never throws. */
export function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const target = new URL(url);
    // An address literal is connected to without a lookup, so it is checked here.
    const refused = refusedLiteral(target, options.allowLoopback);
    if (refused) {
      resolve({ error: `refused: ${refused}`, refused: true, durationMs: took() });
      return;
    }
    let settled = false;
    const settle = (result: Omit<DeliveryResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...result, durationMs: took() });
    };
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(options.allowLoopback),
        // A connection of its own: no pooled socket outlives the address check it passed.
        agent: false,
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (response) => {
        const statusCode = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) {
            settle({ statusCode });
            response.destroy();
          }
        });
        response.on('end', () => settle({ statusCode }));
        response.on('error', () => settle({ statusCode }));
      },
    );
    request.on('error', (error) => settle(failureOf(error, options.timeoutMs)));
    request.end(body);
  });
}
