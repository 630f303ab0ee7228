/**
 * `pnpm bench` (issue 7): the API's cold start against a bare DynamoDB Lambda, its warm requests
 * against the DynamoDB calls they make, the capacity each endpoint consumes and the bundle sizes,
 * all on DynamoDB Local in one run; printed, and written to docs/benchmark.md.
 *
 *   pnpm bench [--iterations 300] [--extra-iterations 100] [--cold-runs 15] [--warmup 20]
 *              [--profile-runs 50] [--out docs/benchmark.md]
 *
 * --iterations times the issue's five main operations, --extra-iterations the others.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createApp, createConfig } from '@polku/api';
import { ensureTable, generateSecrets, startDynamoDbLocal } from '@polku/devstack';
import { dayOf } from '@polku/domain';
import { createDb } from '@polku/storage';
import { keys } from '@polku/table';
import { restProxyEvent } from '../test/support/api-gateway.ts';
import { bundleSizes } from './bench/bundles.ts';
import { bundleColdStartVariants, measureColdStarts, profileColdStart } from './bench/cold-start.ts';
import { cpuProfileOf, phasesOf } from './bench/investigate.ts';
import { writeReport } from './bench/markdown.ts';
import { machine } from './bench/report.ts';
import { seedBenchTenant } from './bench/seed.ts';
import { trace } from './bench/trace.ts';
import { capacityCounter, type Operation, prepareOperation, timeOperation } from './bench/warm.ts';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '300' },
    'cold-runs': { type: 'string', default: '15' },
    'extra-iterations': { type: 'string', default: '100' },
    warmup: { type: 'string', default: '20' },
    'profile-runs': { type: 'string', default: '50' },
    out: { type: 'string', default: 'docs/benchmark.md' },
  },
});
const ITERATIONS = Number(values.iterations);
const COLD_RUNS = Number(values['cold-runs']);
const WARMUP = Number(values.warmup);
const PROFILE_RUNS = Number(values['profile-runs']);
const COLD_PROFILE_RUNS = 3;
const EXTRA_ITERATIONS = Number(values['extra-iterations']);
const REGION = 'eu-north-1';
const ISSUER = 'https://polku.bench';

const began = performance.now();
const step = (what: string) =>
  process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(0).padStart(3)} s] ${what}\n`);

const dynamo = await startDynamoDbLocal();
const dir = await mkdtemp(join(tmpdir(), 'polku-bench-'));
try {
  const local = () =>
    new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 4,
    });
  const [apiClient, rawClient, adminClient] = [local(), local(), local()];
  const tableName = `bench-${randomUUID()}`;
  await ensureTable(adminClient, tableName);
  const capacity = capacityCounter(apiClient);
  const db = createDb({ tableName, endpoint: dynamo.endpoint, client: apiClient });
  const rawDb = createDb({ tableName, endpoint: dynamo.endpoint, client: rawClient });
  const admin = createDb({ tableName, endpoint: dynamo.endpoint, client: adminClient });
  const secrets = await generateSecrets();
  const config = await createConfig({
    db,
    secrets,
    issuer: ISSUER,
    region: REGION,
    metricsNamespace: 'Polku/Api',
    // As in Lambda, each request's log line is built; it is not printed.
    log: (entry) => void JSON.stringify({ time: new Date().toISOString(), ...entry }),
  });
  const app = createApp(config);
  const today = new Date();

  step('seeding the tenant through the API');
  const tenant = await seedBenchTenant(app, config, today);
  const api = { doc: db.doc, tracer: trace(db.doc) };
  const raw = { doc: rawDb.doc, tracer: trace(rawDb.doc) };

  // What a cold instance's first participant read sends: the status reads its caches have not yet made.
  const coldApp = createApp(config);
  api.tracer.take();
  await coldApp.request(`/v1/participants/${tenant.participantId}`, {
    headers: { Authorization: `Bearer ${tenant.tokens.coach}` },
  });
  const coldCalls = api.tracer.take().map((sent) => sent.command.constructor.name.replace(/Command$/, ''));

  const today10 = dayOf(today);
  const operations: Operation[] = [
    {
      name: 'participant read',
      kind: 'read',
      main: true,
      method: 'GET',
      path: `/v1/participants/${tenant.participantId}`,
      token: tenant.tokens.coach,
      status: 200,
    },
    {
      name: 'referral inbox (partner)',
      kind: 'read',
      main: true,
      method: 'GET',
      path: '/v1/referrals',
      token: tenant.tokens.partner,
      status: 200,
    },
    {
      name: 'metrics read (tenant, 12 months)',
      kind: 'read',
      main: true,
      method: 'GET',
      path: '/v1/metrics',
      token: tenant.tokens.analyst,
      status: 200,
    },
    {
      name: 'create enrolment (into a group)',
      kind: 'write',
      main: true,
      method: 'POST',
      path: '/v1/enrolments',
      token: tenant.tokens.coach,
      body: {
        participantId: tenant.newcomerId,
        programmeId: tenant.careerCoachingId,
        groupId: tenant.eveningGroupId,
        coachId: 'bench-coach',
        stage: 'active',
        date: today10,
      },
      status: 201,
    },
    {
      name: `take attendance (group of ${tenant.session.members.length})`,
      kind: 'write',
      main: true,
      method: 'PUT',
      path: `/v1/sessions/${tenant.session.id}/attendance`,
      token: tenant.tokens.coach,
      headers: { 'If-Match': `"${tenant.session.version}"` },
      body: {
        records: tenant.session.members.map((participantId, i) => ({
          participantId,
          status: i % 4 === 3 ? 'excused-absence' : 'present',
        })),
      },
      status: 200,
    },
    {
      name: 'participant list (25)',
      kind: 'read',
      main: false,
      method: 'GET',
      path: '/v1/participants?limit=25',
      token: tenant.tokens.coach,
      status: 200,
    },
    {
      name: 'ESF+ report (funding project)',
      kind: 'read',
      main: false,
      method: 'GET',
      path: `/v1/reports/esf?funding-project=${tenant.fundingProjectId}`,
      token: tenant.tokens.analyst,
      status: 200,
    },
    {
      name: 'create participant',
      kind: 'write',
      main: false,
      method: 'POST',
      path: '/v1/participants',
      token: tenant.tokens.coach,
      body: {
        firstName: 'Aino',
        lastName: 'Korhonen',
        birthDate: '1999-05-04',
        municipality: 'Joensuu',
        email: 'aino@koti.example',
        esf: {
          gender: 'woman',
          labourMarketStatus: 'unemployed',
          unemployedSince: '2025-01-01',
          iscedLevel: 3,
        },
      },
      status: 201,
    },
    {
      name: 'create referral',
      kind: 'write',
      main: false,
      method: 'POST',
      path: '/v1/referrals',
      token: tenant.tokens.coach,
      body: {
        participantId: tenant.referableId,
        fromOrganisationId: tenant.ohjaamoId,
        toOrganisationId: tenant.foundationId,
        serviceKind: 'work-try-out',
        needsSummary: 'Wants to try warehouse work; needs support with mornings',
        desiredStart: today10,
      },
      status: 201,
    },
    {
      name: 'record outcome',
      kind: 'write',
      main: false,
      method: 'POST',
      path: '/v1/outcomes',
      token: tenant.tokens.coach,
      body: {
        participantId: tenant.enrolment.participantId,
        enrolmentId: tenant.enrolment.id,
        kind: 'employed-open-market',
        startDate: today10,
        hoursPerWeek: 37.5,
        employerOrInstitution: 'Kesko Joensuu',
        source: 'employer',
      },
      status: 201,
    },
  ];

  const setup = { app, api, raw, admin: admin.doc, tableName, capacity, warmup: WARMUP };
  const warm = [];
  const profiles = [];
  for (const operation of operations) {
    step(`warm: ${operation.name}`);
    const prepared = await prepareOperation(setup, operation);
    warm.push(await timeOperation(prepared, operation.main ? ITERATIONS : EXTRA_ITERATIONS));
    if ((operation.main || operation.name.startsWith('participant list')) && PROFILE_RUNS > 0) {
      profiles.push({
        operation,
        api: await cpuProfileOf(prepared.api, prepared.undoApi, PROFILE_RUNS),
        raw: await cpuProfileOf(prepared.raw, prepared.undoRaw, PROFILE_RUNS),
      });
    }
  }
  step('phases of the request path');
  const phases = await phasesOf(app, config, tenant.tokens.coach);

  step('bundling');
  const bundles = await bundleColdStartVariants(dir);
  const sizes = await bundleSizes(dir, {
    'cold-start floor (benchmark only)': join(import.meta.dirname, 'bench', 'floor-lambda.ts'),
  });

  step('cold starts');
  const participantKey = keys.participant(tenant.tenantId, tenant.participantId);
  const getInput = warm[0]!.recording.find(
    (call) => call.name === 'Get' && JSON.stringify(call.input.Key) === JSON.stringify(participantKey),
  )?.input;
  if (!getInput) throw new Error("the participant read's GetItem was not recorded");
  const coachToken = await tenant.mint('coach');
  const event = restProxyEvent('GET', `/v1/participants/${tenant.participantId}`, {
    Accept: 'application/json',
    Authorization: `Bearer ${coachToken}`,
    Host: 'api.polku.example',
    'User-Agent': 'polku-bench',
    'X-Forwarded-For': '203.0.113.7',
    'X-Forwarded-Proto': 'https',
  });
  // Lambda's environment as the stack sets it, with the secret inline and DynamoDB Local's endpoint.
  const lambdaEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_LAMBDA_FUNCTION_NAME: 'polku-bench',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    POLKU_TABLE_NAME: tableName,
    POLKU_ISSUER: ISSUER,
    POLKU_SECRETS_JSON: JSON.stringify(secrets),
  };
  const floorEnv = { ...lambdaEnv, BENCH_GET_INPUT: JSON.stringify(getInput) };
  // How the functions ran before the API stopped parsing its source map at start: the comparison.
  const withSourceMaps = (env: Record<string, string>) => ({ ...env, NODE_OPTIONS: '--enable-source-maps' });
  const cold = await measureColdStarts(
    dir,
    event,
    [
      { name: 'API', bundle: bundles.api, env: lambdaEnv },
      { name: 'floor', bundle: bundles.floor, env: floorEnv },
      { name: 'API, source maps', bundle: bundles.api, env: withSourceMaps(lambdaEnv) },
      { name: 'floor, source maps', bundle: bundles.floor, env: withSourceMaps(floorEnv) },
    ],
    COLD_RUNS,
  );
  step('profiling the cold start');
  const coldProfile = await profileColdStart(dir, event, lambdaEnv, COLD_PROFILE_RUNS);

  const report = writeReport({
    date: today,
    machine: machine(),
    iterations: ITERATIONS,
    coldRuns: COLD_RUNS,
    warmup: WARMUP,
    profileRuns: PROFILE_RUNS,
    cold,
    coldProfile,
    coldProfileRuns: COLD_PROFILE_RUNS,
    coldCalls,
    warm,
    profiles,
    phases,
    sizes,
    wallSeconds: (performance.now() - began) / 1000,
  });
  console.log(report.printed);
  await writeFile(values.out, report.markdown);
  step(`wrote ${values.out}`);
  for (const client of [apiClient, rawClient, adminClient]) client.destroy();
} finally {
  await rm(dir, { recursive: true, force: true });
  await dynamo.stop();
}
