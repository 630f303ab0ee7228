/**
 * The token endpoint from a guesser's side: every secret checked costs Polku a scrypt, so failed
 * attempts are counted per client id and per address, and past either limit the answer is 429 with
 * Retry-After before any secret is checked. The secret checks are counted by wrapping the one
 * function that runs them.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type Credentials,
  call,
  createHarness,
  createTestTenant,
  type Harness,
  manualClock,
  SOURCE_ADDRESS_HEADER,
  type TestTenant,
} from './support/harness.ts';

const checks = vi.hoisted(() => ({ count: 0 }));
vi.mock('@polku/auth', async (importOriginal) => {
  const real = await importOriginal<typeof import('@polku/auth')>();
  return {
    ...real,
    verifySecretAmong: (...args: Parameters<typeof real.verifySecretAmong>) => {
      checks.count++;
      return real.verifySecretAmong(...args);
    },
  };
});

const clock = manualClock(new Date('2026-12-08T10:00:00Z'));
let harness: Harness;
let tenant: TestTenant;
let other: TestTenant;
let addresses = 0;
const newAddress = () => `198.51.100.${++addresses}`;

const tokenRequest = (credentials: Credentials, address: string) =>
  call(harness, undefined, 'POST', '/v1/oauth/token', {
    raw: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
    }).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', [SOURCE_ADDRESS_HEADER]: address },
  });

/** `total` requests, `concurrency` in flight at a time. */
async function flood(
  total: number,
  concurrency: number,
  send: (i: number) => ReturnType<typeof tokenRequest>,
) {
  const statuses: number[] = [];
  const retryAfters: number[] = [];
  for (let i = 0; i < total; i += concurrency) {
    const wave = await Promise.all(
      Array.from({ length: Math.min(concurrency, total - i) }, (_, j) => send(i + j)),
    );
    for (const response of wave) {
      statuses.push(response.status);
      if (response.status === 429) retryAfters.push(Number(response.headers.get('retry-after')));
    }
  }
  return { statuses, retryAfters };
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

beforeAll(async () => {
  harness = await createHarness({ now: clock.now });
  tenant = await createTestTenant(harness);
  other = await createTestTenant(harness);
});

describe('guessing one client’s secret', () => {
  it('checks at most the limit and one wave of secrets, answers the rest 429 with Retry-After, and the right secret too until the window ends', async () => {
    const coach = tenant.credentials.coach!;
    const before = checks.count;
    const { statuses, retryAfters } = await flood(300, 30, (i) =>
      tokenRequest({ ...coach, clientSecret: `guess-${i}` }, newAddress()),
    );
    const checked = checks.count - before;
    expect(count(statuses, 401)).toBe(checked);
    expect(checked).toBeGreaterThanOrEqual(10);
    expect(checked).toBeLessThanOrEqual(10 + 30);
    expect(count(statuses, 429)).toBe(300 - checked);
    expect(Math.min(...retryAfters)).toBeGreaterThan(0);
    expect(Math.max(...retryAfters)).toBeLessThanOrEqual(900);

    // The client's own system, with the right secret, waits too: the secret is not even looked at.
    const atCheck = checks.count;
    const locked = await tokenRequest(coach, newAddress());
    expect(locked.status).toBe(429);
    expect(locked.body.type).toBe('https://polku.fi/problems/too-many-requests');
    expect(checks.count).toBe(atCheck);
    // Another client of the tenant, and another tenant's, are not held up.
    expect((await tokenRequest(tenant.credentials.analyst!, newAddress())).status).toBe(200);
    expect((await tokenRequest(other.credentials.coach!, newAddress())).status).toBe(200);

    clock.advance(Number(locked.headers.get('retry-after')));
    expect((await tokenRequest(coach, newAddress())).status).toBe(200);
  });

  it('counts only failures: a client that gets its tokens right is never throttled', async () => {
    const address = newAddress();
    const { statuses } = await flood(14, 7, () => tokenRequest(tenant.credentials.partner!, address));
    expect(count(statuses, 200)).toBe(14);
  });
});

describe('guessing client ids', () => {
  it('checks no secret for a client id that does not exist, and stops an address after 30 failures', async () => {
    const address = newAddress();
    const before = checks.count;
    const { statuses } = await flood(40, 5, (i) =>
      tokenRequest(
        { clientId: `${tenant.id}.01KAQ4T0Z8X2N5W7P9R3M6B${String(i).padStart(3, '0')}`, clientSecret: 'x' },
        address,
      ),
    );
    expect(checks.count).toBe(before);
    expect(count(statuses, 401)).toBe(30);
    expect(count(statuses, 429)).toBe(10);
    // The address is stopped for every client id, the right secret included; another address is not.
    expect((await tokenRequest(tenant.credentials.analyst!, address)).status).toBe(429);
    expect((await tokenRequest(tenant.credentials.analyst!, newAddress())).status).toBe(200);
  });

  it('answers an unknown id and a wrong secret alike: the same 401 body', async () => {
    const unknown = await tokenRequest(
      { clientId: `${tenant.id}.01KAQ4T0Z8X2N5W7P9R3M6B1CD`, clientSecret: 'x' },
      newAddress(),
    );
    const wrong = await tokenRequest({ ...tenant.credentials.analyst!, clientSecret: 'x' }, newAddress());
    for (const response of [unknown, wrong]) delete response.body.requestId;
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });
});

describe('guessing an operator’s secret', () => {
  it('is throttled as a client is, and an unknown operator id costs no check', async () => {
    const before = checks.count;
    const unknown = await tokenRequest({ clientId: 'operator.nobody', clientSecret: 'x' }, newAddress());
    expect(unknown.status).toBe(401);
    expect(checks.count).toBe(before);
    const { statuses } = await flood(15, 5, (i) =>
      tokenRequest({ ...harness.operator, clientSecret: `guess-${i}` }, newAddress()),
    );
    expect(count(statuses, 401)).toBe(10);
    expect(count(statuses, 429)).toBe(5);
    expect((await tokenRequest(harness.operator, newAddress())).status).toBe(429);
  });
});
