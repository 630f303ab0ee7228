/**
 * Whether Polku may connect to a URL a tenant chose (a webhook receiver, an identity provider's
 * JWKS): the one rule for registering such a URL and for every connection made to it. Only globally
 * routable unicast addresses pass, as ipaddr.js classifies them; loopback only where a deployment
 * allows it (local runs and tests). A name is judged by every address it resolves to, at connection.
 * Every block of IANA's special-purpose registries is a range ipaddr.js names, none 'unicast'
 * (outbound.test.ts checks each), so no list of addresses is kept here.
 */
import { type LookupAddress, lookup } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * IANA's global unicast space for IPv6. ipaddr.js names the special ranges it knows and calls the
 * rest 'unicast', including the unassigned and the IPv4-compatible ::/96, so outside this is refused.
 */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

/** `a.b.c.d` as the two hex groups it stands for at the end of an IPv6 address. */
function hexGroups(dotted: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = ipaddr.IPv4.parse(dotted).octets;
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/**
 * The address as ipaddr.js should judge it: an IPv4-mapped one (::ffff:a.b.c.d) as its IPv4. The
 * dotted tail of an IPv6 address is read here, as ipaddr.js takes `::a.b.c.d` for IPv4-mapped
 * where Node connects to the IPv4-compatible ::a.b.c.d. A zone names an interface, not a range.
 */
function parsed(address: string): ReturnType<typeof ipaddr.parse> {
  if (isIP(address) === 4) return ipaddr.IPv4.parse(address);
  const bare = address.split('%')[0]!;
  const at = bare.lastIndexOf(':');
  const tail = bare.slice(at + 1);
  const hex = tail.includes('.') ? bare.slice(0, at + 1) + hexGroups(tail) : bare;
  const v6 = ipaddr.IPv6.parse(hex);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/** ipaddr.js's name of the address's range, or why it has none Polku could connect to. */
function rangeOf(address: string): string {
  // ipaddr.js also reads loose IPv4 forms (0x7f.1, 2130706433): only what Node would connect to.
  if (isIP(address) === 0) return 'not an address';
  const ip = parsed(address);
  const range = ip.range();
  if (ip.kind() === 'ipv6' && range === 'unicast' && !ip.match(GLOBAL_UNICAST_V6)) {
    return 'outside global unicast';
  }
  return range;
}

/** Whether Polku may connect to this IP address. */
export function mayConnectTo(address: string, allowLoopback: boolean): boolean {
  const range = rangeOf(address);
  return range === 'unicast' || (allowLoopback && range === 'loopback');
}

/** A connection refused by the rule: trying again would not help. */
export class AddressRefusedError extends Error {
  override name = 'AddressRefusedError';
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for node:http(s) requests that refuses a name when any address it resolves to is
 * refused, so the address connected to is one that was checked.
 */
export function guardedLookup(allowLoopback: boolean) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    lookup(hostname, { all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      if (addresses.length === 0 || addresses.some((entry) => !mayConnectTo(entry.address, allowLoopback))) {
        return callback(new AddressRefusedError(`${hostname} resolves to an address that is not public`), '');
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** The URL's host without IPv6 brackets or a root's trailing dot (`localhost.` is `localhost`). */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
}

/**
 * Why the URL's address literal is refused, or undefined for a name or an allowed address. A literal
 * is connected to without a lookup, so a connection checks it with this first.
 */
export function refusedLiteral(url: URL, allowLoopback: boolean): string | undefined {
  const host = hostOf(url);
  if (!isIP(host) || mayConnectTo(host, allowLoopback)) return undefined;
  return `${host} is not a public address`;
}

const isLocalName = (host: string) => host === 'localhost' || host.endsWith('.localhost');

/**
 * Why a tenant may not register this URL, or undefined when it may: no credentials in it, https
 * (http only on loopback where the deployment allows loopback), and neither a local name nor an
 * address literal the rule refuses. A name is checked again at every connection.
 */
export function outboundUrlProblem(value: string, allowLoopback: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an https URL';
  }
  const host = hostOf(url);
  if (url.username || url.password) return 'must not carry credentials';
  if (url.protocol !== 'https:') {
    const onLoopback = isLocalName(host) || rangeOf(host) === 'loopback';
    if (allowLoopback && url.protocol === 'http:' && onLoopback) return undefined;
    return allowLoopback
      ? 'must be https (http only on localhost, 127.0.0.1 or [::1])'
      : 'must be an https URL';
  }
  if (!allowLoopback && isLocalName(host)) return `must be on a public address: ${host} is not`;
  const refused = refusedLiteral(url, allowLoopback);
  return refused ? `must be on a public address: ${refused}` : undefined;
}
