/**
 * The API as it is deployed: the esbuild bundle NodejsFunction builds (the credential chain
 * replaced by the environment's credentials), run in a separate Node process with Lambda's
 * environment and invoked with API Gateway events against DynamoDB Local, found through the SDK's
 * own AWS_ENDPOINT_URL_DYNAMODB, so the bundled credentials and clients are the ones exercised.
 */
import { execFile, execSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hashSecret } from '@polku/auth';
import { generateSecrets } from '@polku/devstack';
import { createClient, createTenant } from '@polku/storage';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { DOCS_CONTENT_SECURITY_POLICY } from '../functions/api/src/docs.ts';
import { swaggerUiDist } from '../functions/api/src/swagger-ui.ts';
import { docsBundling, esbuildOptions, functionEntries } from '../infra/lib/bundling.ts';
import { restProxyEvent } from './support/api-gateway.ts';
import { call, createHarness, type Harness, randomBusinessId } from './support/harness.ts';

let dir: string;
let harness: Harness;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polku-lambda-'));
  harness = await createHarness();
  await build({
    ...esbuildOptions,
    entryPoints: [functionEntries.api],
    outfile: join(dir, 'index.mjs'),
    logLevel: 'error',
  });
  await build({
    ...esbuildOptions,
    entryPoints: [functionEntries.docs],
    outfile: join(dir, 'docs', 'index.mjs'),
    logLevel: 'error',
  });
  // What NodejsFunction runs after bundling the docs function: Swagger UI's files beside its code.
  for (const command of docsBundling.commandHooks!.afterBundling(dir, join(dir, 'docs'))) execSync(command);
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const event = restProxyEvent;

it('answers API Gateway events from the bundle with the SDK reading credentials from the environment', async () => {
  const secrets = await generateSecrets();
  const tenant = await createTenant(harness.db, {
    name: 'Bundled',
    kind: 'employment-area',
    businessId: randomBusinessId(),
    region: 'eu-north-1',
    status: 'active',
  });
  const client = await createClient(
    harness.db,
    tenant.id,
    { name: 'bundle', role: 'coach' },
    await hashSecret('s3cret-bundle'),
  );
  const script = join(dir, 'invoke.mjs');
  await writeFile(
    script,
    `const { handler } = await import(${JSON.stringify(join(dir, 'index.mjs'))});
const events = JSON.parse(process.argv[2]);
const out = [];
for (const e of events) {
  if (e.useToken) e.headers.Authorization = 'Bearer ' + JSON.parse(out.at(-1).body).access_token;
  out.push(await handler(e, { awsRequestId: 'x', getRemainingTimeInMillis: () => 10000 }));
}
process.stdout.write(JSON.stringify(out.map(({ statusCode, body }) => ({ statusCode, body }))));`,
  );
  const form = `grant_type=client_credentials&client_id=${encodeURIComponent(client.clientId)}&client_secret=s3cret-bundle`;
  const events = [
    event('GET', '/health'),
    event('POST', '/v1/oauth/token', { 'content-type': 'application/x-www-form-urlencoded' }, form),
    { ...event('GET', '/v1/tenant', {}), useToken: true },
    // The docs function serves it in AWS; the API's bundle has no generator and leaves it out.
    event('GET', '/v1/openapi.json'),
  ];
  const { stdout } = await promisify(execFile)(process.execPath, [script, JSON.stringify(events)], {
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'eu-north-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
      POLKU_TABLE_NAME: harness.tableName,
      POLKU_ISSUER: 'https://polku.bundle.test',
      POLKU_SECRETS_JSON: JSON.stringify(secrets),
      POLKU_LOG_LEVEL: 'silent',
    },
  });
  const [health, token, read, openApi] = JSON.parse(stdout) as { statusCode: number; body: string }[];
  expect(health?.statusCode).toBe(200);
  expect(token?.statusCode, token?.body).toBe(200);
  expect(read?.statusCode, read?.body).toBe(200);
  expect(JSON.parse(read!.body)).toMatchObject({ id: tenant.id, status: 'active' });
  expect(openApi?.statusCode).toBe(404);
  expect(JSON.parse(openApi!.body)).toMatchObject({ status: 404 });
}, 60_000);

it('serves the OpenAPI document the API generates, and the docs page, from the bundled docs function', async () => {
  const { handler } = await import(join(dir, 'docs', 'index.mjs'));
  const context = { awsRequestId: 'x', getRemainingTimeInMillis: () => 5000 };
  const document = await handler(event('GET', '/v1/openapi.json'), context);
  expect(document.statusCode).toBe(200);
  expect(JSON.parse(document.body)).toEqual((await call(harness, undefined, 'GET', '/v1/openapi.json')).body);
  const page = await handler(event('GET', '/docs'), context);
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('<script src="docs/swagger-ui-bundle.js"></script>');
  // A REST proxy event gets its headers back as multiValueHeaders.
  expect(page.multiValueHeaders['cache-control']).toEqual(['public, max-age=300']);
  expect(page.multiValueHeaders['content-security-policy']).toEqual([DOCS_CONTENT_SECURITY_POLICY]);
  // The files the page loads, shipped beside the bundle as NodejsFunction ships them.
  const served = await handler(event('GET', '/docs/swagger-ui-bundle.js'), context);
  expect(served.statusCode).toBe(200);
  expect(served.multiValueHeaders['content-type']).toEqual(['text/javascript; charset=utf-8']);
  expect(served.body).toBe(await readFile(new URL('swagger-ui-bundle.js', swaggerUiDist()), 'utf8'));
  expect((await handler(event('GET', '/docs/start.js'), context)).body).toContain("url: 'v1/openapi.json'");
  expect((await handler(event('GET', '/v1/tenant'), context)).statusCode).toBe(404);
});
