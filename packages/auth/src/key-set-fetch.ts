/**
 * Fetching a tenant's JWKS means fetching a URL a tenant chose, so it must not become a way into
 * the network behind the API: public addresses only (loopback only where a deployment allows it,
 * for local runs and tests), checked on the address actually connected to; no redirects; at most
 * 64 KB; and a URL that just failed is not tried again until the cooldown has passed.
 */
import { type LookupAddress, lookup } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { FetchImplementation } from 'jose';

const MAX_BODY_BYTES = 64 * 1024;

const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // IPv4-mapped addresses (::ffff:a.b.c.d) are checked against the IPv4 rules by BlockList itself.
  ['::', 96],
  ['2002::', 16],
  ['64:ff9b:1::', 48],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether the key fetcher may connect to this address. */
export function mayConnectTo(address: string, allowLoopback: boolean): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (allowLoopback && LOOPBACK.check(address, type)) return true;
  return !NOT_PUBLIC.check(address, type);
}

export class AddressRefusedError extends Error {
  override name = 'AddressRefusedError';
}

export interface KeySetFetchSettings {
  allowLoopback: boolean;
  /** How long a URL that failed is not fetched again. */
  failureCooldownMs: number;
}

function guardedLookup(allowLoopback: boolean) {
  return (
    hostname: string,
    options: { all?: boolean },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    lookup(hostname, { all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const refused = addresses.find((entry) => !mayConnectTo(entry.address, allowLoopback));
      if (refused || addresses.length === 0) {
        return callback(new AddressRefusedError(`${hostname} resolves to an address that is not public`), '');
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
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
      const literal = target.hostname.replace(/^\[|\]$/g, '');
      // An address literal is connected to without a lookup, so it is checked here.
      if (isIP(literal) && !mayConnectTo(literal, settings.allowLoopback)) {
        reject(new AddressRefusedError(`${literal} is not a public address`));
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
