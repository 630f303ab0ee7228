import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySetFetch, mayConnectTo } from './key-set-fetch.ts';

let server: Server;
let port: number;
let requests = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    requests++;
    if (request.url === '/huge') {
      response.end(JSON.stringify({ keys: [], padding: 'x'.repeat(100_000) }));
      return;
    }
    if (request.url === '/redirect') {
      response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      return;
    }
    response.setHeader('content-type', 'application/json').end('{"keys":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const options = () => ({
  method: 'GET' as const,
  headers: new Headers(),
  redirect: 'manual' as const,
  signal: AbortSignal.timeout(2000),
});

describe('the key-set fetch', () => {
  it.each([
    ['10.0.0.1'],
    ['172.16.5.4'],
    ['192.168.1.1'],
    ['169.254.169.254'],
    ['100.64.0.1'],
    ['127.0.0.1'],
    ['0.0.0.0'],
    ['::1'],
    ['fd00::1'],
    ['fe80::1'],
    ['::ffff:10.0.0.1'],
    ['::127.0.0.1'],
    ['2002:c0a8:101::1'],
  ])('refuses the internal address %s', (address) => {
    expect(mayConnectTo(address, false)).toBe(false);
  });

  it('connects to public addresses, and to loopback only where allowed', () => {
    expect(mayConnectTo('8.8.8.8', false)).toBe(true);
    expect(mayConnectTo('2606:4700:4700::1111', false)).toBe(true);
    expect(mayConnectTo('127.0.0.1', true)).toBe(true);
    expect(mayConnectTo('::1', true)).toBe(true);
    expect(mayConnectTo('10.0.0.1', true)).toBe(false);
    expect(mayConnectTo('not-an-address', true)).toBe(false);
  });

  it('never connects to a loopback literal or a name resolving to loopback unless allowed', async () => {
    const fetch = keySetFetch({ allowLoopback: false, failureCooldownMs: 0 });
    const before = requests;
    await expect(fetch(`http://127.0.0.1:${port}/jwks`, options())).rejects.toThrow(/not a public address/);
    await expect(fetch(`http://localhost:${port}/jwks`, options())).rejects.toThrow(/not public/);
    expect(requests).toBe(before);
  });

  it('fetches from loopback where allowed, follows no redirect, and stops at 64 KB', async () => {
    const fetch = keySetFetch({ allowLoopback: true, failureCooldownMs: 0 });
    const ok = await fetch(`http://localhost:${port}/jwks`, options());
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ keys: [] });
    expect((await fetch(`http://127.0.0.1:${port}/redirect`, options())).status).toBe(302);
    await expect(fetch(`http://127.0.0.1:${port}/huge`, options())).rejects.toThrow(/larger than/);
  });

  it('does not try a failing URL again until the cooldown has passed', async () => {
    const fetch = keySetFetch({ allowLoopback: true, failureCooldownMs: 60_000 });
    await expect(fetch(`http://127.0.0.1:${port}/huge`, options())).rejects.toThrow(/larger than/);
    const before = requests;
    await expect(fetch(`http://127.0.0.1:${port}/huge`, options())).rejects.toThrow(/a moment ago/);
    expect(requests).toBe(before);
  });
});
