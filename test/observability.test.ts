/**
 * What the API writes to its logs: one structured line per request with the tenant and request
 * ids, metrics in CloudWatch's embedded format by route pattern, and no personal data.
 */
import { createApp } from '@polku/api';
import { beforeAll, expect, it } from 'vitest';
import { participantBody } from './support/fixtures.ts';
import { call, createHarness, createTestTenant, type Harness, type TestTenant } from './support/harness.ts';

const lines: Record<string, unknown>[] = [];
let harness: Harness;
let tenant: TestTenant;

beforeAll(async () => {
  const base = await createHarness();
  const config = {
    ...base.config,
    log: (entry: Record<string, unknown>) => lines.push(entry),
    metricsNamespace: 'Polku/Api',
  };
  harness = { ...base, config, app: createApp(config) };
  tenant = await createTestTenant(harness);
});

it('logs each request once with ids, route pattern, status and EMF metrics, and no personal data', async () => {
  const token = await tenant.token('coach');
  const person = participantBody({
    firstName: 'Iiris',
    lastName: 'Vuorinen-Lokitesti',
    email: 'iiris@example.invalid',
  });
  const created = await call(harness, token, 'POST', '/v1/participants', { body: person });
  expect(created.status).toBe(201);
  lines.length = 0;
  const read = await call(harness, token, 'GET', `/v1/participants/${created.body.id}`);
  const missing = await call(harness, token, 'GET', '/v1/participants/01KAQ4T0Z8X2N5W7P9R3M6B1CD');
  expect([read.status, missing.status]).toEqual([200, 404]);

  const requests = lines.filter((line) => line.msg === 'request');
  expect(requests).toHaveLength(2);
  const [ok, notFound] = requests as Record<string, unknown>[];
  expect(ok).toMatchObject({
    tenantId: tenant.id,
    role: 'coach',
    method: 'GET',
    route: '/v1/participants/:id',
    status: 200,
    requests: 1,
    serverErrors: 0,
    clientErrors: 0,
    requestId: read.headers.get('X-Request-Id'),
  });
  expect(notFound).toMatchObject({ status: 404, clientErrors: 1, route: '/v1/participants/:id' });
  expect(ok?._aws).toMatchObject({
    CloudWatchMetrics: [
      {
        Namespace: 'Polku/Api',
        Dimensions: [['route', 'method']],
        Metrics: expect.arrayContaining([{ Name: 'latency', Unit: 'Milliseconds' }]),
      },
    ],
  });
  expect(typeof ok?.latency).toBe('number');
  const everything = JSON.stringify(lines);
  for (const personal of ['Iiris', 'Vuorinen-Lokitesti', 'iiris@example.invalid', created.body.id]) {
    expect(everything).not.toContain(personal);
  }
});
