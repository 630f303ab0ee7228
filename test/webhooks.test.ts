/**
 * Webhooks end to end: a tenant admin registers a partner system's endpoint, a domain event is
 * committed to the outbox, and the same stream poller and dispatcher `pnpm dev` runs deliver it to
 * a receiver on loopback, signed, retried by the sweeper on a clock the tests move, every attempt listed.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  createApp,
  createDispatcher,
  type DispatcherConfig,
  dispatchStreamRecords,
  type StreamRecord,
  sweepDueRetries,
} from '@polku/api';
import { type StreamPoller, startStreamPoller } from '@polku/devstack';
import {
  commit,
  createWebhookEndpoint,
  type Db,
  type DomainEvent,
  type DomainEventType,
  domainEvent,
  domainEventOp,
  scheduleWebhookRetry,
} from '@polku/storage';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { verifyPolkuSignature } from '../scripts/webhook-receiver/signature.ts';
import { created, organisationBody } from './support/fixtures.ts';
import {
  call,
  createHarness,
  createTestTenant,
  type Harness,
  requestToken,
  scanTable,
  type TestTenant,
} from './support/harness.ts';

// The docs' verification snippet, exactly as a partner would copy it, is this function.

// ---- a partner system's receiver on loopback

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

interface Receiver {
  url: string;
  received: Received[];
  /** TCP connections made to it, answered or not. */
  connections: number;
  /** Resolves once `count` deliveries have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
}

const servers: ReturnType<typeof createServer>[] = [];

/** Answers the n-th delivery with statuses[n] (the last one from then on); 'hang' never answers. */
async function startReceiver(statuses: (number | 'hang')[] = [200]): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    received: [],
    connections: 0,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (receiver.received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`${receiver.received.length} of ${count} deliveries arrived`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return receiver.received;
    },
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = statuses[Math.min(receiver.received.length, statuses.length - 1)]!;
      receiver.received.push({
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
        at: Date.now(),
      });
      if (status !== 'hang')
        response.writeHead(status, { 'Content-Type': 'text/plain' }).end('x'.repeat(10_000));
    });
  });
  server.on('connection', () => {
    receiver.connections++;
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/polku/webhooks`;
  return receiver;
}

// ---- the world

/**
 * Production retries 1 min, 5 min, 30 min, 2 h, 6 h and 24 h after the first attempt; the tests
 * after 1, 5 and 30 minutes, on the dispatcher's clock, which they move ahead instead of waiting.
 */
const RETRY_SCHEDULE_MS = [60_000, 300_000, 1_800_000];
const DAY_MS = 24 * 3600 * 1000;
let clockAheadMs = 0;

let harness: Harness;
/** The dispatcher's and the sweeper's: the API keeps the real clock, so tokens stay valid. */
let dispatcherConfig: DispatcherConfig;
let tenant: TestTenant;
let other: TestTenant;
let poller: StreamPoller;

beforeAll(async () => {
  const base = await createHarness();
  const config = {
    ...base.config,
    webhooks: { ...base.config.webhooks, allowLoopbackTargets: true, retryScheduleMs: RETRY_SCHEDULE_MS },
  };
  harness = { ...base, config, app: createApp(config) };
  dispatcherConfig = { ...config, now: () => new Date(Date.now() + clockAheadMs) };
  tenant = await createTestTenant(harness, { name: 'Joensuu employment area' });
  other = await createTestTenant(harness, { name: 'Lieksa employment area' });
  const dispatcher = createDispatcher(dispatcherConfig);
  poller = await startStreamPoller({
    endpoint: inject('dynamoEndpoint'),
    tableName: harness.tableName,
    intervalMs: 100,
    onRecords: (records) => dispatchStreamRecords(dispatcher, records, config.log),
  });
});

afterAll(async () => {
  await poller?.stop();
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

afterEach(() => {
  clockAheadMs = 0;
});

const admin = () => tenant.as('tenant_admin');

/** The retry sweeper's run with the clock moved `aheadMs` ahead of now (and left there). */
function sweepAt(aheadMs: number, config = dispatcherConfig) {
  clockAheadMs = aheadMs;
  return sweepDueRetries(config, new Date(Date.now() + aheadMs));
}

/** The retry items of an endpoint, read straight from the table. */
async function retriesOf(endpointId: string) {
  return (await scanTable(harness)).filter(
    (item) => item.entity === 'webhook-retry' && item.endpointId === endpointId,
  );
}

async function organisation(name: string): Promise<{ id: string }> {
  return created(admin(), '/v1/organisations', organisationBody(name));
}

async function endpoint(
  organisationId: string,
  url: string,
  eventTypes: DomainEventType[] = ['referral.created'],
) {
  return created(admin(), '/v1/webhooks', { organisationId, url, eventTypes });
}

/** What the referral routes commit with a change: the event, through the outbox. */
async function announce(
  type: DomainEventType,
  organisationIds: string[],
  tenantId = tenant.id,
): Promise<DomainEvent> {
  const referralId = domainEvent({
    type,
    organisationIds,
    resource: { kind: 'referral', id: '', path: '' },
  }).id;
  const event = domainEvent({
    type,
    organisationIds,
    resource: { kind: 'referral', id: referralId, path: `/v1/referrals/${referralId}` },
  });
  await commit(harness.db, [domainEventOp(tenantId, event)]);
  return event;
}

/** The endpoint's attempts, once `count` are recorded. */
async function attemptsOf(id: string, count: number, query = '') {
  for (let tries = 0; ; tries++) {
    const response = await admin()('GET', `/v1/webhooks/${id}/attempts${query}`);
    expect(response.status).toBe(200);
    if (response.body.items.length >= count || tries > 100) return response.body;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---- the stories

/** Runs a Lambda entry as AWS would: its table and platform secret in the environment, restored after. */
async function inLambdaEnvironment(run: () => Promise<void>): Promise<void> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    POLKU_TABLE_NAME: harness.tableName,
    POLKU_DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    POLKU_SECRETS_JSON: JSON.stringify({
      cursorKey: 'unused',
      webhookKey: harness.config.webhooks.key.toString('base64'),
    }),
  });
  try {
    await run();
  } finally {
    process.env = saved;
  }
}

describe('a partner system hears of a referral', () => {
  it('while it is down, from the sweeper at 1, 5 and 30 minutes: every attempt listed, delivered once', async () => {
    const foundation = await organisation('Honkalampi Foundation');
    const receiver = await startReceiver([503, 503, 503, 200]);
    const hook = await endpoint(foundation.id, receiver.url, ['referral.created', 'referral.accepted']);
    const event = await announce('referral.created', [foundation.id]);

    // The first attempt, off the stream; then no wait in the dispatcher but a retry item.
    const [first] = (await attemptsOf(hook.id, 1)).items;
    expect(first).toMatchObject({ attempt: 1, outcome: 'retrying', statusCode: 503 });
    const firstAt = Date.parse(first.at);
    expect(Date.parse(first.nextRetryAt)).toBe(firstAt + RETRY_SCHEDULE_MS[0]!);
    const [retry, ...more] = await retriesOf(hook.id);
    expect(more).toEqual([]);
    expect(retry).toMatchObject({
      PK: `T#${tenant.id}#WH#${hook.id}`,
      SK: `RETRY#${event.id}`,
      GSI1PK: expect.stringMatching(/^PLATFORM#WEBHOOK-RETRIES#[0-3]$/),
      GSI1SK: `${first.nextRetryAt}#${tenant.id}#${hook.id}#${event.id}`,
      attempt: 2,
      nextAttemptAt: first.nextRetryAt,
      event: { id: event.id, type: 'referral.created', resource: event.resource },
    });
    expect(JSON.stringify(retry)).not.toContain(receiver.url);

    await sweepAt(30_000);
    expect(receiver.received).toHaveLength(1);
    // Two sweepers at once: the retry is claimed by one of them, and sent once.
    await Promise.all([sweepAt(61_000), sweepAt(61_000)]);
    expect(receiver.received).toHaveLength(2);
    await sweepAt(61_000);
    expect(receiver.received).toHaveLength(2);
    await sweepAt(301_000);
    expect(receiver.received).toHaveLength(3);
    expect(await sweepAt(1_801_000)).toMatchObject({ delivered: 1 });
    expect(receiver.received).toHaveLength(4);
    expect(await retriesOf(hook.id)).toEqual([]);
    await sweepAt(DAY_MS);
    expect(receiver.received).toHaveLength(4);

    const deliveries = receiver.received;
    expect(new Set(deliveries.map((d) => d.body)).size).toBe(1);
    for (const { headers } of deliveries) {
      expect(headers['polku-event-id']).toBe(event.id);
      expect(headers['polku-event-type']).toBe('referral.created');
      expect(headers['content-type']).toBe('application/json');
    }

    const { items } = await attemptsOf(hook.id, 4);
    expect(items).toEqual([
      expect.objectContaining({ attempt: 4, outcome: 'delivered', statusCode: 200 }),
      expect.objectContaining({ attempt: 3, outcome: 'retrying', statusCode: 503 }),
      expect.objectContaining({ attempt: 2, outcome: 'retrying', statusCode: 503 }),
      expect.objectContaining({ attempt: 1, outcome: 'retrying', statusCode: 503 }),
    ]);
    expect(items.filter((a: { outcome: string }) => a.outcome === 'delivered')).toHaveLength(1);
    for (const attempt of items) {
      expect(attempt).toMatchObject({ eventId: event.id, eventType: 'referral.created' });
      expect(attempt.durationMs).toEqual(expect.any(Number));
    }
    expect(items[0].nextRetryAt).toBeUndefined();
    expect(items.slice(1).map((a: { nextRetryAt: string }) => Date.parse(a.nextRetryAt))).toEqual(
      [...RETRY_SCHEDULE_MS].reverse().map((ms) => firstAt + ms),
    );
    const times = items.map((a: { at: string }) => Date.parse(a.at));
    expect(new Set(times).size).toBe(times.length);
    expect(times).toEqual([...times].sort((x, y) => y - x));

    const page = await attemptsOf(hook.id, 2, '?limit=2');
    expect(page.items.map((a: { attempt: number }) => a.attempt)).toEqual([4, 3]);
    const rest = await admin()('GET', `/v1/webhooks/${hook.id}/attempts?limit=2&cursor=${page.nextCursor}`);
    expect(rest.body).toMatchObject({ items: [{ attempt: 2 }, { attempt: 1 }], nextCursor: null });
  });

  it('never, when it stays down past the last retry: the delivery ends failed, no retry left', async () => {
    const foundation = await organisation('Suljettu Foundation');
    const receiver = await startReceiver([503]);
    const hook = await endpoint(foundation.id, receiver.url);
    await announce('referral.created', [foundation.id]);
    await attemptsOf(hook.id, 1);
    for (const aheadMs of [61_000, 301_000, 1_801_000]) await sweepAt(aheadMs);
    await sweepAt(DAY_MS);
    expect(receiver.received).toHaveLength(4);
    const { items } = await attemptsOf(hook.id, 4);
    expect(items).toEqual([
      expect.objectContaining({ attempt: 4, outcome: 'failed', statusCode: 503 }),
      expect.objectContaining({ attempt: 3, outcome: 'retrying', statusCode: 503 }),
      expect.objectContaining({ attempt: 2, outcome: 'retrying', statusCode: 503 }),
      expect.objectContaining({ attempt: 1, outcome: 'retrying', statusCode: 503 }),
    ]);
    expect(items[0].nextRetryAt).toBeUndefined();
    expect(await retriesOf(hook.id)).toEqual([]);
  });

  it("by ids and type only, signed so that the docs' snippet verifies it", async () => {
    const foundation = await organisation('Kaski Foundation');
    const receiver = await startReceiver();
    const hook = await endpoint(foundation.id, receiver.url, ['referral.accepted']);
    const event = await announce('referral.accepted', [foundation.id]);
    const [delivery] = await receiver.waitFor(1);

    const body = JSON.parse(delivery!.body);
    expect(body).toEqual({
      id: event.id,
      type: 'referral.accepted',
      occurredAt: event.at,
      tenantId: tenant.id,
      resource: { kind: 'referral', id: event.resource.id, path: `/v1/referrals/${event.resource.id}` },
    });

    const header = String(delivery!.headers['polku-signature']);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyPolkuSignature(hook.signingSecret, header, delivery!.body)).toBe(true);
    expect(verifyPolkuSignature(hook.signingSecret, header, delivery!.body.replace(event.id, 'X'))).toBe(
      false,
    );
    expect(verifyPolkuSignature(`${hook.signingSecret}x`, header, delivery!.body)).toBe(false);
    const t = Number(/^t=(\d+)/.exec(header)![1]) * 1000;
    expect(verifyPolkuSignature(hook.signingSecret, header, delivery!.body, t + 4 * 60_000)).toBe(true);
    expect(verifyPolkuSignature(hook.signingSecret, header, delivery!.body, t + 6 * 60_000)).toBe(false);
    expect(verifyPolkuSignature(hook.signingSecret, header, delivery!.body, t - 6 * 60_000)).toBe(false);
  });

  it('only at the endpoints of its organisations that subscribed to its type and are active', async () => {
    const [x, y] = [await organisation('Ohjaamo Joensuu'), await organisation('Ohjaamo Lieksa')];
    const [subscribed, otherOrganisation, otherType, pausedReceiver] = await Promise.all(
      [1, 2, 3, 4].map(() => startReceiver()),
    );
    await endpoint(x.id, subscribed!.url, ['referral.started']);
    await endpoint(y.id, otherOrganisation!.url, ['referral.started', 'referral.completed']);
    await endpoint(x.id, otherType!.url, ['referral.completed']);
    const pausedHook = await endpoint(x.id, pausedReceiver!.url, ['referral.started']);
    const paused = await admin()('PATCH', `/v1/webhooks/${pausedHook.id}`, {
      body: { active: false },
      headers: { 'If-Match': '"1"' },
    });
    expect(paused.body).toMatchObject({ active: false, version: 2 });

    await announce('referral.started', [x.id]);
    // Another tenant's event naming the same organisation id reaches no endpoint of this tenant.
    await announce('referral.started', [x.id], other.id);
    // Records are handed over in order: once this one arrives, the ones before it are done.
    await announce('referral.started', [x.id]);
    await subscribed!.waitFor(2);
    for (const silent of [otherOrganisation, otherType, pausedReceiver]) expect(silent!.connections).toBe(0);
  });

  it('when a coach refers a person to it, by ids only: it fetches the referral with its own token', async () => {
    const [ohjaamo, foundation] = [
      await organisation('Ohjaamo Ilomantsi'),
      await organisation('Polku Foundation'),
    ];
    const receiver = await startReceiver();
    await endpoint(foundation.id, receiver.url, ['referral.created']);
    const coach = tenant.as('coach');
    const person = await created(coach, '/v1/participants', {
      firstName: 'Ilmatar',
      lastName: 'Vänskä',
      birthDate: '1998-03-14',
      municipality: 'Rääkkylä',
      esf: {
        gender: 'woman',
        labourMarketStatus: 'unemployed',
        unemployedSince: '2025-01-01',
        iscedLevel: 3,
      },
    });
    await created(coach, `/v1/participants/${person.id}/consents`, {
      covers: { scope: 'organisations', organisationIds: [ohjaamo.id, foundation.id] },
      purpose: 'Työkokeilu säätiöllä ja sen seuranta',
      givenOn: '2026-01-02',
    });
    const referral = await created(coach, '/v1/referrals', {
      participantId: person.id,
      fromOrganisationId: ohjaamo.id,
      toOrganisationId: foundation.id,
      serviceKind: 'work-try-out',
      needsSummary: 'Haluaa kokeilla puutöitä; tarvitsee tukea aamuihin',
      desiredStart: '2030-01-14',
    });

    const [delivery] = await receiver.waitFor(1);
    const body = JSON.parse(delivery!.body);
    expect(body).toMatchObject({
      type: 'referral.created',
      tenantId: tenant.id,
      resource: { kind: 'referral', id: referral.id, path: `/v1/referrals/${referral.id}` },
    });
    for (const personal of ['Ilmatar', 'Vänskä', 'puutöitä', 'Rääkkylä', person.id]) {
      expect(delivery!.body).not.toContain(personal);
    }
    const partnerClient = await created(admin(), '/v1/clients', {
      name: 'Säätiön asiakasjärjestelmä',
      role: 'partner',
      organisationId: foundation.id,
    });
    const token = (await requestToken(harness, partnerClient)).body.access_token;
    const fetched = await call(harness, token, 'GET', body.resource.path);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({ id: referral.id, toOrganisationId: foundation.id });
  });

  it('once when the receiver answers 400: a refusal is not retried', async () => {
    const foundation = await organisation('Tikkala Foundation');
    const receiver = await startReceiver([400]);
    const hook = await endpoint(foundation.id, receiver.url);
    await announce('referral.created', [foundation.id]);
    const { items } = await attemptsOf(hook.id, 1);
    expect(items).toEqual([expect.objectContaining({ attempt: 1, outcome: 'failed', statusCode: 400 })]);
    expect(items[0].nextRetryAt).toBeUndefined();
    expect(await retriesOf(hook.id)).toEqual([]);
    await sweepAt(DAY_MS);
    expect(receiver.received).toHaveLength(1);
  });

  it('until its attempts run out when the receiver never answers, each attempt time-limited', async () => {
    const foundation = await organisation('Hidas Foundation');
    const receiver = await startReceiver(['hang']);
    const hook = await endpoint(foundation.id, receiver.url);
    const impatientConfig = {
      ...dispatcherConfig,
      webhooks: { ...dispatcherConfig.webhooks, timeoutMs: 100, retryScheduleMs: [10] },
    };
    await createDispatcher(impatientConfig).dispatch({
      ...(await eventFor(foundation.id)),
      tenantId: tenant.id,
    });
    expect(receiver.received).toHaveLength(1);
    expect(await retriesOf(hook.id)).toHaveLength(1);
    await sweepAt(1000, impatientConfig);
    expect(receiver.received).toHaveLength(2);
    expect(await retriesOf(hook.id)).toEqual([]);
    const { items } = await attemptsOf(hook.id, 2);
    expect(items).toEqual([
      expect.objectContaining({ attempt: 2, outcome: 'failed', error: 'timeout after 100 ms' }),
      expect.objectContaining({ attempt: 1, outcome: 'retrying', error: 'timeout after 100 ms' }),
    ]);
  });
});

/** An event the poller never sees (not committed), for dispatching by hand. */
async function eventFor(organisationId: string): Promise<DomainEvent> {
  return domainEvent({
    type: 'referral.created',
    organisationIds: [organisationId],
    resource: {
      kind: 'referral',
      id: '01KAQ4T0Z8X2N5W7P9R3M6B1CD',
      path: '/v1/referrals/01KAQ4T0Z8X2N5W7P9R3M6B1CD',
    },
  });
}

describe('registering an endpoint', () => {
  it('shows the signing secret once, and never stores it', async () => {
    const foundation = await organisation('Salaisuus Foundation');
    const request = {
      body: {
        organisationId: foundation.id,
        url: 'https://kaski.example/polku',
        eventTypes: ['action.assigned'],
      },
      headers: { 'Idempotency-Key': 'register-kaski' },
    };
    const first = await admin()('POST', '/v1/webhooks', request);
    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toBe(`/v1/webhooks/${first.body.id}`);
    expect(first.headers.get('etag')).toBe('"1"');
    expect(first.body).toMatchObject({
      active: true,
      secretVersion: 1,
      signingSecret: expect.stringMatching(/^whsec_/),
    });
    const replay = await admin()('POST', '/v1/webhooks', request);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.signingSecret).toBeUndefined();
    const read = await admin()('GET', `/v1/webhooks/${first.body.id}`);
    expect(read.body).toEqual(replay.body);
    const rotated = await admin()('POST', `/v1/webhooks/${first.body.id}/rotate-secret`, {
      headers: { 'If-Match': '"1"' },
    });
    expect(rotated.body).toMatchObject({ secretVersion: 2, signingSecret: expect.stringMatching(/^whsec_/) });
    expect(rotated.body.signingSecret).not.toBe(first.body.signingSecret);

    const stored = JSON.stringify(await scanTable(harness));
    for (const secret of [first.body.signingSecret, rotated.body.signingSecret]) {
      expect(stored).not.toContain(secret);
      expect(stored).not.toContain(secret.slice('whsec_'.length));
    }
  });

  it('refuses an unknown organisation or event type, and a URL that is not https on a public address', async () => {
    const foundation = await organisation('Tarkka Foundation');
    const body = {
      organisationId: foundation.id,
      url: 'https://partner.example/hook',
      eventTypes: ['referral.created'],
    };
    const field = async (change: Record<string, unknown>) => {
      const response = await admin()('POST', '/v1/webhooks', { body: { ...body, ...change } });
      expect(response.status, JSON.stringify(change)).toBe(400);
      return response.body.errors.map((e: { field: string }) => e.field);
    };
    expect(await field({ organisationId: '01KAQ4T0Z8X2N5W7P9R3M6B1CD' })).toEqual(['body.organisationId']);
    expect(await field({ eventTypes: ['referral.lost'] })).toEqual(['body.eventTypes.0']);
    expect(await field({ eventTypes: [] })).toEqual(['body.eventTypes']);
    for (const url of [
      'https://10.0.0.7/hook',
      'https://192.168.1.20/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[fd00::1]/hook',
      'http://partner.example/hook',
      'https://user:password@partner.example/hook',
      'ftp://partner.example/hook',
    ]) {
      expect(await field({ url })).toEqual(['body.url']);
    }
    const list = await admin()('GET', '/v1/webhooks?limit=100');
    expect(
      list.body.items.filter((e: { organisationId: string }) => e.organisationId === foundation.id),
    ).toEqual([]);
  });

  it('refuses an address literal outside the public unicast space, naming it, even where loopback is allowed', async () => {
    const foundation = await organisation('Kaukana Foundation');
    for (const host of [
      'fec0::1',
      '::ffff:0:7f00:1',
      '64:ff9b::a00:1',
      '2002:a00:1::',
      '2001:db8::1',
      'fe80::1',
      'ff02::1',
      '::',
    ]) {
      const url = `https://[${host}]/hook`;
      const response = await admin()('POST', '/v1/webhooks', {
        body: { organisationId: foundation.id, url, eventTypes: ['referral.created'] },
      });
      expect(response.status, url).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.errors).toEqual([
        { field: 'body.url', message: `must be on a public address: ${host} is not a public address` },
      ]);
    }
    for (const url of ['https://100.64.0.1/hook', 'https://0.0.0.0/hook', 'https://240.0.0.1/hook']) {
      const response = await admin()('POST', '/v1/webhooks', {
        body: { organisationId: foundation.id, url, eventTypes: ['referral.created'] },
      });
      expect(response.status, url).toBe(400);
    }
  });

  it('never connects to such a literal stored before the rule refused it, and does not retry', async () => {
    for (const host of ['fec0::1', '::ffff:0:7f00:1']) {
      const foundation = await organisation(`Vanha Foundation ${host}`);
      // Written as an older Polku would have let it be registered.
      const hook = await createWebhookEndpoint(harness.db, tenant.id, {
        organisationId: foundation.id,
        url: `https://[${host}]/hook`,
        eventTypes: ['referral.created'],
      });
      const dispatcher = createDispatcher(harness.config);
      await dispatcher.dispatch({ ...(await eventFor(foundation.id)), tenantId: tenant.id });
      const { items } = await attemptsOf(hook.id, 1);
      expect(items).toEqual([
        expect.objectContaining({ outcome: 'failed', error: `refused: ${host} is not a public address` }),
      ]);
      expect(await retriesOf(hook.id)).toEqual([]);
    }
  });

  it('never connects to a name that resolves to loopback where loopback is not allowed', async () => {
    const foundation = await organisation('Piilo Foundation');
    const receiver = await startReceiver();
    const port = new URL(receiver.url).port;
    // Registered where loopback is allowed; delivered by a dispatcher of a deployment that refuses it.
    const hook = await endpoint(foundation.id, `http://localhost:${port}/polku/webhooks`);
    const guarded = createDispatcher({
      ...harness.config,
      webhooks: { ...harness.config.webhooks, allowLoopbackTargets: false },
    });
    await guarded.dispatch({ ...(await eventFor(foundation.id)), tenantId: tenant.id });
    expect(receiver.connections).toBe(0);
    const { items } = await attemptsOf(hook.id, 1);
    expect(items).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: 'failed',
        error: expect.stringMatching(/^refused: localhost/),
      }),
    ]);
  });

  it('is for tenant administrators only', async () => {
    for (const role of ['coach', 'partner', 'analyst'] as const) {
      expect((await tenant.as(role)('GET', '/v1/webhooks')).status).toBe(403);
    }
  });

  it('changes and removes an endpoint only at the version last read', async () => {
    const foundation = await organisation('Muutos Foundation');
    const hook = await endpoint(foundation.id, 'https://muutos.example/hook');
    const path = `/v1/webhooks/${hook.id}`;
    const patch = { body: { eventTypes: ['referral.completed', 'action.assigned'] } };
    expect((await admin()('PATCH', path, patch)).status).toBe(428);
    expect((await admin()('PATCH', path, { ...patch, headers: { 'If-Match': '"2"' } })).status).toBe(412);
    const changed = await admin()('PATCH', path, { ...patch, headers: { 'If-Match': '"1"' } });
    expect(changed.body).toMatchObject({ version: 2, eventTypes: ['referral.completed', 'action.assigned'] });
    const refused = await admin()('PATCH', path, {
      body: { url: 'https://172.16.5.4/x' },
      headers: { 'If-Match': '"2"' },
    });
    expect(refused.status).toBe(400);
    expect((await admin()('DELETE', path, { headers: { 'If-Match': '"1"' } })).status).toBe(412);
    expect((await admin()('DELETE', path, { headers: { 'If-Match': '"2"' } })).status).toBe(204);
    expect((await admin()('GET', path)).status).toBe(404);
    expect((await admin()('GET', `${path}/attempts`)).status).toBe(404);
  });
});

describe('rotating the signing secret', () => {
  it('signs with both secrets during the grace period, and with the new one only after it', async () => {
    const foundation = await organisation('Kierto Foundation');
    const receiver = await startReceiver();
    const hook = await endpoint(foundation.id, receiver.url, ['action.assigned']);
    const rotate = (version: number, graceSeconds: number) =>
      admin()('POST', `/v1/webhooks/${hook.id}/rotate-secret`, {
        body: { graceSeconds },
        headers: { 'If-Match': `"${version}"` },
      });
    const second = (await rotate(1, 3600)).body.signingSecret;

    await announce('action.assigned', [foundation.id]);
    const [during] = await receiver.waitFor(1);
    const header = String(during!.headers['polku-signature']);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifyPolkuSignature(second, header, during!.body)).toBe(true);
    expect(verifyPolkuSignature(hook.signingSecret, header, during!.body)).toBe(true);

    const third = (await rotate(2, 0)).body.signingSecret;
    await announce('action.assigned', [foundation.id]);
    const after = (await receiver.waitFor(2))[1]!;
    const afterHeader = String(after.headers['polku-signature']);
    expect(afterHeader).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyPolkuSignature(third, afterHeader, after.body)).toBe(true);
    expect(verifyPolkuSignature(second, afterHeader, after.body)).toBe(false);
    expect(verifyPolkuSignature(hook.signingSecret, afterHeader, after.body)).toBe(false);
  });
});

describe('tenant isolation', () => {
  it("another tenant's administrator finds neither the endpoint nor its attempts", async () => {
    const foundation = await organisation('Oma Foundation');
    const receiver = await startReceiver();
    const hook = await endpoint(foundation.id, receiver.url);
    await announce('referral.created', [foundation.id]);
    await attemptsOf(hook.id, 1);

    const intruder = other.as('tenant_admin');
    const path = `/v1/webhooks/${hook.id}`;
    const ifMatch = { headers: { 'If-Match': '"1"' } };
    expect((await intruder('GET', path)).status).toBe(404);
    expect((await intruder('GET', `${path}/attempts`)).status).toBe(404);
    expect((await intruder('PATCH', path, { body: { active: false }, ...ifMatch })).status).toBe(404);
    expect((await intruder('POST', `${path}/rotate-secret`, ifMatch)).status).toBe(404);
    expect((await intruder('DELETE', path, ifMatch)).status).toBe(404);
    expect((await intruder('GET', '/v1/webhooks?limit=100')).body.items).toEqual([]);
    const planted = await intruder('POST', '/v1/webhooks', {
      body: { organisationId: foundation.id, url: receiver.url, eventTypes: ['referral.created'] },
    });
    expect(planted.status).toBe(400);
    expect((await admin()('GET', path)).body).toMatchObject({ version: 1, active: true });
  });
});

/** A stream record as Lambda's event source hands it over: the new image in DynamoDB JSON. */
function streamRecordOf(sequenceNumber: string, event: DomainEvent, tenantId = tenant.id): StreamRecord {
  const S = (value: string) => ({ S: value });
  return {
    eventName: 'INSERT',
    dynamodb: {
      SequenceNumber: sequenceNumber,
      NewImage: {
        PK: S(`T#${tenantId}#EVT#${event.id}`),
        SK: S('EVENT'),
        entity: S('domain-event'),
        tenantId: S(tenantId),
        id: S(event.id),
        type: S(event.type),
        at: S(event.at),
        organisationIds: { L: event.organisationIds.map(S) },
        resource: {
          M: { kind: S(event.resource.kind), id: S(event.resource.id), path: S(event.resource.path) },
        },
        expiresAt: { N: '1900000000' },
      },
    },
  };
}

describe('in AWS', () => {
  it('the Lambda fails only the records whose attempts could not be recorded', async () => {
    const foundation = await organisation('Kirjaamaton Foundation');
    const receiver = await startReceiver();
    await endpoint(foundation.id, receiver.url);
    // A table that refuses every write: the attempt is made but cannot be recorded.
    const unwritable: Db = {
      tableName: harness.db.tableName,
      doc: {
        send: (command: unknown) =>
          command instanceof PutCommand
            ? Promise.reject(new Error('ProvisionedThroughputExceededException'))
            : harness.db.doc.send(command as never),
      } as Db['doc'],
    };
    const dispatcher = createDispatcher({ ...harness.config, db: unwritable });
    const quiet = await organisation('Hiljainen Foundation');
    const result = await dispatchStreamRecords(
      dispatcher,
      [
        { eventName: 'MODIFY', dynamodb: { SequenceNumber: '1' } },
        {
          eventName: 'INSERT',
          dynamodb: { SequenceNumber: '2', NewImage: { entity: { S: 'organisation' } } },
        },
        streamRecordOf('3', await eventFor(foundation.id)),
        streamRecordOf('4', await eventFor(quiet.id)),
      ],
      () => {},
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '3' }] });
    expect(receiver.received).toHaveLength(1);
  });

  it('the Lambda entry reads its table and webhook key from its environment and refuses loopback', async () => {
    const foundation = await organisation('Pilvi Foundation');
    const receiver = await startReceiver();
    const hook = await endpoint(foundation.id, receiver.url);
    await inLambdaEnvironment(async () => {
      const { handler } = await import('../functions/api/src/stream-lambda.ts');
      const result = await handler({ Records: [streamRecordOf('7', await eventFor(foundation.id))] });
      expect(result).toEqual({ batchItemFailures: [] });
    });
    expect(receiver.connections).toBe(0);
    const { items } = await attemptsOf(hook.id, 1);
    expect(items).toEqual([
      expect.objectContaining({ outcome: 'failed', error: 'refused: 127.0.0.1 is not a public address' }),
    ]);
  });

  it('the sweeper Lambda entry makes the retries due, with its table and webhook key from its environment', async () => {
    const foundation = await organisation('Ajastettu Foundation');
    const receiver = await startReceiver();
    const hook = await endpoint(foundation.id, receiver.url);
    const event = await eventFor(foundation.id);
    const due = new Date(Date.now() - 1000).toISOString();
    const retry = { tenantId: tenant.id, endpointId: hook.id, event, attempt: 2, firstAttemptAt: due };
    await scheduleWebhookRetry(harness.db, { ...retry, nextAttemptAt: due });
    await inLambdaEnvironment(async () => {
      const { handler } = await import('../functions/api/src/sweeper-lambda.ts');
      expect(await handler()).toMatchObject({ failed: 1 });
    });
    // The deployment refuses loopback: a refusal is not retried, and the retry is gone.
    expect(receiver.connections).toBe(0);
    const { items } = await attemptsOf(hook.id, 1);
    expect(items).toEqual([
      expect.objectContaining({
        attempt: 2,
        outcome: 'failed',
        error: 'refused: 127.0.0.1 is not a public address',
      }),
    ]);
    expect(await retriesOf(hook.id)).toEqual([]);
  });
});

describe('the partner integration guide', () => {
  it('shows the verification snippet this file runs, as a partner would copy it', () => {
    const guide = readFileSync(new URL('../docs/partner-integration.md', import.meta.url), 'utf8');
    const section = guide.split('\n## Webhooks\n')[1]?.split('\n## ')[0] ?? '';
    const snippet = /```ts\n(import \{ createHmac, timingSafeEqual \}[\s\S]*?)```/.exec(section)?.[1];
    const source = readFileSync(new URL('../scripts/webhook-receiver/signature.ts', import.meta.url), 'utf8');
    const code = source.slice(source.indexOf('import { createHmac')).replace('export function', 'function');
    expect(snippet).toBeDefined();
    expect(snippet!.trim()).toBe(code.trim());
  });
});
