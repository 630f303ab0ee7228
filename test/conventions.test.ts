/** The conventions every endpoint keeps: problem+json, request ids, limits, and the OpenAPI contract. */
import { readFile } from 'node:fs/promises';
import { compileErrors, validate } from '@readme/openapi-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, createHarness, createTestTenant, type Harness, type TestTenant } from './support/harness.ts';

let harness: Harness;
let tenant: TestTenant;

beforeAll(async () => {
  harness = await createHarness();
  tenant = await createTestTenant(harness);
});

describe('errors are problem documents', () => {
  it('answers malformed JSON with 400 and writes nothing', async () => {
    const admin = tenant.as('tenant_admin');
    const response = await admin('POST', '/v1/organisations', { raw: '{"name": "Ohjaamo",' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect((await admin('GET', '/v1/organisations')).body.items).toHaveLength(0);
  });

  it('answers an unknown route with 404 and a wrong method with 405 and Allow', async () => {
    const admin = tenant.as('tenant_admin');
    const missing = await admin('GET', '/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404, title: 'Not found' });
    const wrongMethod = await admin('DELETE', '/v1/organisations');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
  });

  it('refuses an oversized body with 413 before reading it', async () => {
    const response = await tenant.as('tenant_admin')('POST', '/v1/organisations', {
      raw: JSON.stringify({ name: 'x'.repeat(70 * 1024), kind: 'ngo' }),
    });
    expect(response.status).toBe(413);
    expect(response.body.type).toContain('payload-too-large');
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await tenant.as('tenant_admin')('POST', '/v1/organisations', {
      raw: 'name=x',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect([400, 415]).toContain(response.status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('puts its own request id on every response and in the problem, whatever id the client sent', async () => {
    const ok = await call(harness, undefined, 'GET', '/health');
    expect(ok.headers.get('x-request-id')).toMatch(/.{8,}/);
    const given = await call(harness, undefined, 'GET', '/v1/organisations', {
      headers: { 'X-Request-Id': 'req-123' },
    });
    expect(given.headers.get('x-request-id')).toMatch(/.{8,}/);
    expect(given.headers.get('x-request-id')).not.toBe('req-123');
    expect(given.body.requestId).toBe(given.headers.get('x-request-id'));
    const admin = tenant.as('tenant_admin');
    const headers = { 'X-Request-Id': 'req-456', 'Idempotency-Key': 'request-id' };
    const create = await admin('POST', '/v1/organisations', { body: { name: 'Id', kind: 'ngo' }, headers });
    const replay = await admin('POST', '/v1/organisations', { body: { name: 'Id', kind: 'ngo' }, headers });
    const read = await admin('GET', `/v1/organisations/${create.body.id}`, { headers });
    const ids = [create, replay, read].map((response) => response.headers.get('x-request-id'));
    expect(new Set(ids).size).toBe(3);
    expect(ids).not.toContain('req-456');
  });

  it('refuses a malformed Idempotency-Key', async () => {
    const response = await tenant.as('tenant_admin')('POST', '/v1/organisations', {
      body: { name: 'X', kind: 'ngo' },
      headers: { 'Idempotency-Key': 'has spaces and / slashes' },
    });
    expect(response.status).toBe(400);
  });
});

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and lists every route with its request and response schemas', async () => {
    const { body: document } = await call(harness, undefined, 'GET', '/v1/openapi.json');
    expect(document.openapi).toBe('3.1.0');
    const documented = new Set<string>();
    for (const [path, operations] of Object.entries<
      Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>
    >(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
        const success = Object.entries(operation.responses).find(([status]) => status.startsWith('2'));
        expect(success, `${method} ${path} documents a success response`).toBeDefined();
        if (method === 'post' || method === 'patch' || method === 'put') {
          expect(operation.requestBody, `${method} ${path} documents its body`).toBeDefined();
        }
      }
    }
    const served = harness.app.routes
      .filter(
        (route) =>
          route.method !== 'ALL' && !/^\/docs(\/|$)/.test(route.path) && route.path !== '/v1/openapi.json',
      )
      .map((route) => `${route.method} ${route.path}`);
    for (const route of served) expect(documented, route).toContain(route);
    expect(document.components.schemas).toHaveProperty('Participant');
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('passes an OpenAPI 3.1 validator', async () => {
    const { body: document } = await call(harness, undefined, 'GET', '/v1/openapi.json');
    const result = await validate(structuredClone(document));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('serves a reference page at /docs (test/docs-page.test.ts: all of it from Polku)', async () => {
    const response = await call(harness, undefined, 'GET', '/docs');
    expect(response.status).toBe(200);
    // Relative, so that it resolves under an API Gateway stage path too.
    expect(String((await call(harness, undefined, 'GET', '/docs/start.js')).body)).toContain(
      "url: 'v1/openapi.json'",
    );
  });

  it('is the committed functions/api/openapi.json that the docs function serves in AWS', async () => {
    const { body: document } = await call(harness, undefined, 'GET', '/v1/openapi.json');
    const committed = JSON.parse(
      await readFile(new URL('../functions/api/openapi.json', import.meta.url), 'utf8'),
    );
    expect(committed, 'functions/api/openapi.json is out of date: run `pnpm openapi`').toEqual(document);
  });
});
