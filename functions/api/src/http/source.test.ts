import { describe, expect, it } from 'vitest';
import { addressBucket } from './source.ts';

describe('the address a public endpoint counts a caller against', () => {
  it('is the IPv4 address itself', () => {
    expect(addressBucket('203.0.113.7')).toBe('203.0.113.7');
  });

  it('is the /64 of an IPv6 address, however it is written', () => {
    const network = '2001:db8:85a3:8d3::/64';
    expect(addressBucket('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe(network);
    expect(addressBucket('2001:0db8:85a3:08d3::1')).toBe(network);
    expect(addressBucket('2001:DB8:85A3:8D3:ffff::')).toBe(network);
    expect(addressBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
  });

  it('puts callers without an address in one shared bucket', () => {
    expect(addressBucket(undefined)).toBe('unknown');
  });
});
