/**
 * The local server (`pnpm dev`, the load tests) as a keep-alive client meets it: Node's fetch keeps
 * its connections open, so a body the server refused must not cost the client its next request.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveLocally } from '@polku/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createTestTenant } from './support/harness.ts';

const LIMIT = 1024 * 1024;
const OVER_LIMIT = 2 * LIMIT;

let server: Server;
let base: string;
let token: string;

beforeAll(async () => {
  const harness = await createHarness({ maxBodyBytes: LIMIT });
  token = await (await createTestTenant(harness)).token('tenant_admin');
  server = (await serveLocally(harness.config, 0)) as Server;
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A body as a stream of 64 KB chunks: fetch sends it chunked, with no length declared up front. */
function chunked(bytes: number): RequestInit {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  return {
    body: new ReadableStream({
      start(controller) {
        for (let sent = 0; sent < bytes; sent += chunk.length) controller.enqueue(chunk);
        controller.close();
      },
    }),
    duplex: 'half',
  } as RequestInit;
}

/** Each refusal, then an ordinary request, three times over on the same client. */
async function refusedThenOrdinary(refused: () => Promise<Response>, status: number) {
  const answers: string[] = [];
  for (let round = 0; round < 3; round++) {
    for (const [name, send] of [
      ['refused', refused],
      ['ordinary', () => fetch(`${base}/health`)],
    ] as const) {
      try {
        const response = await send();
        await response.arrayBuffer();
        answers.push(`${name} ${response.status}`);
      } catch (error) {
        answers.push(`${name} failed: ${(error as { cause?: { code?: string } }).cause?.code ?? error}`);
      }
    }
  }
  expect(answers).toEqual(Array.from({ length: 3 }, () => [`refused ${status}`, 'ordinary 200']).flat());
}

const organisations = (init: RequestInit) =>
  fetch(`${base}/v1/organisations`, {
    method: 'POST',
    ...init,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...init.headers },
  });

describe('a keep-alive client after a refused body', () => {
  it('goes on after a body whose declared length is over the limit', async () => {
    await refusedThenOrdinary(() => organisations({ body: 'x'.repeat(OVER_LIMIT) }), 413);
  });

  it('goes on after a chunked body that grows over the limit', async () => {
    await refusedThenOrdinary(() => organisations(chunked(OVER_LIMIT)), 413);
  });

  it('goes on after a body the route refused before reading it', async () => {
    // Under the limit, but nobody signed in: the 401 is decided before a byte of the body is read.
    await refusedThenOrdinary(
      () => organisations({ body: 'x'.repeat(LIMIT / 2), headers: { Authorization: 'Bearer nobody' } }),
      401,
    );
  });

  it('keeps the connection open after a body that was read', async () => {
    const created = await organisations({ body: JSON.stringify({ name: 'Ohjaamo', kind: 'ngo' }) });
    expect(created.status).toBe(201);
    expect(created.headers.get('connection')).toBe('keep-alive');
  });
});
