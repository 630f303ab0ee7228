/** Who is calling, as the public endpoints' rate limits (signup, the token endpoint) count callers. */
import { isIPv6 } from 'node:net';
import type { AppContext } from './env.ts';

/**
 * A caller's address as the rate limits count it: the IPv4 address, or the /64 of an IPv6 address
 * (one host can have a whole /64 to itself). Without an address, everyone shares one bucket.
 */
export function addressBucket(address: string | undefined): string {
  if (!address) return 'unknown';
  if (isIPv6(address)) {
    const [head = '', tail = ''] = address.split('::');
    const left = head ? head.split(':') : [];
    const right = tail ? tail.split(':') : [];
    const full = address.includes('::')
      ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
      : left;
    return `${full
      .slice(0, 4)
      .map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''))
      .join(':')}::/64`;
  }
  return address;
}

/** The caller's bucket, from the address the runtime saw (API Gateway's source IP, the socket locally). */
export const sourceOf = (c: AppContext): string => addressBucket(c.var.config.sourceAddress(c));
