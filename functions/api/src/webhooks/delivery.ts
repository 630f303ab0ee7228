/**
 * One POST to a partner's URL, which a tenant chose: public addresses only (loopback only where
 * the deployment allows it), checked on the address actually connected to, so a name that resolves
 * to the network behind Polku is refused; no redirects; a time limit; at most 4 KB of the response
 * read, and nothing of it kept.
 */
import { type LookupAddress, lookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { mayConnectTo } from '@polku/auth';

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

class AddressRefused extends Error {
  override name = 'AddressRefused';
}

function guardedLookup(allowLoopback: boolean) {
  return (
    hostname: string,
    options: { all?: boolean },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    lookup(hostname, { all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      if (addresses.length === 0 || addresses.some((entry) => !mayConnectTo(entry.address, allowLoopback))) {
        return callback(new AddressRefused(`${hostname} resolves to an address that is not public`), '');
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/**
 * Why an address literal in a URL is refused, or undefined for a name or a public address. A name
 * is checked on the addresses it resolves to when connecting.
 */
export function refusedLiteral(url: URL, allowLoopback: boolean): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!isIP(host) || mayConnectTo(host, allowLoopback)) return undefined;
  return `${host} is not a public address`;
}

function failureOf(error: unknown, timeoutMs: number): { error: string; refused?: boolean } {
  if (error instanceof AddressRefused) return { error: `refused: ${error.message}`, refused: true };
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
