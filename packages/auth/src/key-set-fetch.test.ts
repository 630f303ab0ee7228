import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySetFetch } from './key-set-fetch.ts';

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
  it('never connects to a loopback literal or a name resolving to loopback unless allowed', async () => {
    const fetch = keySetFetch({ allowLoopback: false, failureCooldownMs: 0 });
    const before = requests;
    await expect(fetch(`http://127.0.0.1:${port}/jwks`, options())).rejects.toThrow(/not a public address/);
    await expect(fetch(`http://localhost:${port}/jwks`, options())).rejects.toThrow(/not public/);
    expect(requests).toBe(before);
  });

  it('never connects to an address literal outside the public unicast space', async () => {
    const fetch = keySetFetch({ allowLoopback: true, failureCooldownMs: 0 });
    for (const literal of ['[fec0::1]', '[::ffff:0:7f00:1]', '169.254.169.254']) {
      await expect(fetch(`https://${literal}/jwks`, options())).rejects.toMatchObject({
        name: 'AddressRefusedError',
        message: `${literal.replace(/^\[|\]$/g, '')} is not a public address`,
      });
    }
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
