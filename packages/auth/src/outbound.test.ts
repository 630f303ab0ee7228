import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { guardedLookup, mayConnectTo, outboundUrlProblem } from './outbound.ts';

/** Where a tenant's URL could lead into the network behind Polku, or nowhere Polku should go. */
const NOT_PUBLIC = [
  ['fec0::1', 'site-local (deprecated, still routed by some networks)'],
  ['::ffff:0:7f00:1', 'IPv4-translated loopback (RFC 6145)'],
  ['::7f00:1', 'IPv4-compatible loopback'],
  ['::127.0.0.1', 'IPv4-compatible loopback, dotted'],
  ['::1.1.1.1', 'IPv4-compatible, dotted: Node connects to ::101:101, not to 1.1.1.1'],
  ['::ffff:0:127.0.0.1', 'IPv4-translated loopback, dotted'],
  ['64:ff9b::10.0.0.1', 'NAT64 of 10.0.0.1, dotted'],
  ['64:ff9b::a00:1', 'NAT64 of 10.0.0.1'],
  ['64:ff9b:1::a00:1', 'local-use NAT64'],
  ['2002:a00:1::', '6to4 of 10.0.0.1'],
  ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
  ['2001::1', 'Teredo'],
  ['2001:db8::1', 'documentation'],
  ['3fff::1', 'documentation (RFC 9637)'],
  ['100::1', 'discard-only'],
  ['5f00::1', 'segment routing'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local with a zone'],
  ['fc00::1', 'unique local'],
  ['fd00::1', 'unique local'],
  ['ff02::1', 'multicast'],
  ['::', 'unspecified'],
  ['::ffff:10.0.0.1', 'IPv4-mapped private'],
  ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata service, in hex'],
  ['100.64.0.1', 'carrier-grade NAT'],
  ['169.254.169.254', 'link-local: the cloud metadata service'],
  ['10.0.0.1', 'private'],
  ['172.16.5.4', 'private'],
  ['192.168.1.1', 'private'],
  ['0.0.0.0', 'this host'],
  ['0.1.2.3', 'this network'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['224.0.0.1', 'multicast'],
  ['192.0.0.8', 'IETF protocol assignments'],
  ['198.18.0.1', 'benchmarking'],
  ['203.0.113.9', 'documentation'],
] as const;

const LOOPBACK = ['127.0.0.1', '127.255.255.254', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1'];

const PUBLIC = [
  '1.1.1.1',
  '8.8.8.8',
  '193.166.3.2',
  '2606:4700:4700::1111',
  '2a00:1450:4001::1',
  '::ffff:1.1.1.1',
];

/**
 * IANA's IPv4 and IPv6 special-purpose address registries, every block: none is a partner's
 * receiver or an identity provider, the globally reachable anycast ones (AS112, AMT) included.
 */
const IANA_SPECIAL_PURPOSE = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.31.196.0/24',
  '192.52.193.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '192.175.48.0/24',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '240.0.0.0/4',
  '::1/128',
  '::/128',
  '::ffff:0:0/96',
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/23',
  '2001:db8::/32',
  '2002::/16',
  '2620:4f:8000::/48',
  '3fff::/20',
  '5f00::/16',
  'fc00::/7',
  'fe80::/10',
];

const edgesOf = (cidr: string) => {
  const kind = ipaddr.parseCIDR(cidr)[0].kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6;
  return [kind.networkAddressFromCIDR(cidr).toString(), kind.broadcastAddressFromCIDR(cidr).toString()];
};

describe('the addresses Polku connects to for a tenant', () => {
  it.each(NOT_PUBLIC)('never %s (%s), even where loopback is allowed', (address) => {
    expect(mayConnectTo(address, false)).toBe(false);
    expect(mayConnectTo(address, true)).toBe(false);
  });

  it.each(IANA_SPECIAL_PURPOSE)('never IANA special-purpose %s, at its first or last address', (cidr) => {
    for (const address of edgesOf(cidr)) expect(mayConnectTo(address, false), address).toBe(false);
  });

  it.each(LOOPBACK)('loopback %s only where the deployment allows it', (address) => {
    expect(mayConnectTo(address, false)).toBe(false);
    expect(mayConnectTo(address, true)).toBe(true);
  });

  it.each(PUBLIC)('the public address %s', (address) => {
    expect(mayConnectTo(address, false)).toBe(true);
  });

  it('nothing that is not an address as Node would connect to it', () => {
    for (const value of ['', 'not-an-address', 'localhost', '0x7f.1', '2130706433', '[::1]']) {
      expect(mayConnectTo(value, true), value).toBe(false);
    }
  });

  it('a name only when every address it resolves to is allowed', async () => {
    const resolve = (allowLoopback: boolean) =>
      new Promise<unknown>((done) => {
        guardedLookup(allowLoopback)('localhost', { all: true }, (error, addresses) =>
          done(error ?? addresses),
        );
      });
    expect(await resolve(false)).toMatchObject({
      name: 'AddressRefusedError',
      message: 'localhost resolves to an address that is not public',
    });
    expect(await resolve(true)).toEqual(
      expect.arrayContaining([expect.objectContaining({ address: '127.0.0.1' })]),
    );
  });
});

describe('the URLs a tenant may register', () => {
  it.each([
    ['https://[fec0::1]/', 'must be on a public address: fec0::1 is not a public address'],
    ['https://[::ffff:0:7f00:1]/', 'must be on a public address: ::ffff:0:7f00:1 is not a public address'],
    ['https://[64:ff9b::a00:1]/hook', 'must be on a public address: 64:ff9b::a00:1 is not a public address'],
    [
      'https://169.254.169.254/latest',
      'must be on a public address: 169.254.169.254 is not a public address',
    ],
    ['https://10.0.0.1/jwks.json', 'must be on a public address: 10.0.0.1 is not a public address'],
    // WHATWG URLs read these as 127.0.0.1, and so does the connection.
    ['https://2130706433/', 'must be on a public address: 127.0.0.1 is not a public address'],
    ['https://0x7f.1/', 'must be on a public address: 127.0.0.1 is not a public address'],
    ['https://[::ffff:127.0.0.1]/', 'must be on a public address: ::ffff:7f00:1 is not a public address'],
    ['https://localhost:8443/jwks.json', 'must be on a public address: localhost is not'],
    ['https://localhost./', 'must be on a public address: localhost is not'],
    ['https://idp.localhost/', 'must be on a public address: idp.localhost is not'],
    ['https://user:secret@partner.example/', 'must not carry credentials'],
    ['http://partner.example/', 'must be an https URL'],
    ['http://127.0.0.1:3000/', 'must be an https URL'],
    ['ftp://partner.example/', 'must be an https URL'],
    ['not a URL', 'must be an https URL'],
  ])('refuses %s: %s', (url, problem) => {
    expect(outboundUrlProblem(url, false)).toBe(problem);
  });

  it('takes https on a public address or name', () => {
    for (const url of [
      'https://partner.example/hook',
      'https://[2606:4700:4700::1111]/',
      'https://1.1.1.1/',
    ]) {
      expect(outboundUrlProblem(url, false), url).toBeUndefined();
    }
  });

  it('takes loopback, http too, where the deployment allows it, and still no private address', () => {
    for (const url of [
      'http://127.0.0.1:3000/jwks',
      'http://localhost:3000/',
      'http://[::1]:3000/',
      'https://localhost/',
    ]) {
      expect(outboundUrlProblem(url, true), url).toBeUndefined();
    }
    expect(outboundUrlProblem('http://partner.example/', true)).toBe(
      'must be https (http only on localhost, 127.0.0.1 or [::1])',
    );
    expect(outboundUrlProblem('https://10.0.0.1/', true)).toBe(
      'must be on a public address: 10.0.0.1 is not a public address',
    );
    expect(outboundUrlProblem('https://[fec0::1]/', true)).toBe(
      'must be on a public address: fec0::1 is not a public address',
    );
  });
});
