/** The benchmark report: the tables printed to the terminal, and the same tables with their reading in markdown. */
import { lambdaRuntime } from '../../infra/lib/bundling.ts';
import type { BundleSize } from './bundles.ts';
import type { ColdRun } from './cold-start.ts';
import { ms, percentile, ratio, table } from './report.ts';
import type { Operation, WarmResult } from './warm.ts';

export interface Results {
  date: Date;
  machine: string;
  iterations: number;
  coldRuns: number;
  warmup: number;
  profileRuns: number;
  cold: Map<string, ColdRun[]>;
  coldProfile: { init: Map<string, number>; firstResponse: Map<string, number> };
  coldProfileRuns: number;
  coldCalls: string[];
  warm: WarmResult[];
  profiles: { operation: Operation; api: Map<string, number>; raw: Map<string, number> }[];
  phases: Record<string, number>;
  sizes: BundleSize[];
  wallSeconds: number;
}

export const COLD_GOAL = 1.25;
export const WARM_GOALS = { read: 1.3, write: 1.5 } as const;

/** "met (1.12× ≤ 1.25×)" or "not met: 1.40× > 1.25×, 12 % over". */
export function verdict(value: number, goal: number): string {
  if (value <= goal) return `met (${ratio(value)} ≤ ${ratio(goal)})`;
  return `**not met**: ${ratio(value)} > ${ratio(goal)}, ${(((value - goal) / goal) * 100).toFixed(0)} % over`;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const IDLE = 'idle: waiting for DynamoDB Local';
const cpu = (profile: Map<string, number>) =>
  [...profile].filter(([category]) => category !== IDLE).reduce((sum, [, value]) => sum + value, 0);

export function coldTable(cold: Results['cold']): { text: string; ratio: number; mapsRatio: number } {
  const median = (variant: string, phase: keyof ColdRun) =>
    percentile(
      (cold.get(variant) ?? []).map((run) => run[phase]),
      50,
    );
  const rows = [...cold].map(([variant, runs]) => [
    variant,
    ms(median(variant, 'total')),
    ms(
      percentile(
        runs.map((run) => run.total),
        90,
      ),
    ),
    ms(median(variant, 'boot')),
    ms(median(variant, 'load')),
    ms(median(variant, 'firstResponse')),
  ]);
  const ratios = (api: string, floor: string) => [
    `${api} ÷ ${floor}`,
    ratio(median(api, 'total') / median(floor, 'total')),
    '',
    '',
    ratio(median(api, 'load') / median(floor, 'load')),
    ratio(median(api, 'firstResponse') / median(floor, 'firstResponse')),
  ];
  const text = table(
    ['handler', 'median ms', 'p90 ms', 'Node boot', 'import (init)', 'first response'],
    [...rows, ratios('API', 'floor'), ratios('API, source maps', 'floor, source maps')],
    ['left', 'right', 'right', 'right', 'right', 'right'],
  );
  return {
    text,
    ratio: median('API', 'total') / median('floor', 'total'),
    mapsRatio: median('API, source maps', 'total') / median('floor, source maps', 'total'),
  };
}

export function coldProfileTable(profile: Results['coldProfile']): string {
  const categories = [...new Set([...profile.init.keys(), ...profile.firstResponse.keys()])]
    .map((category) => ({
      category,
      init: profile.init.get(category) ?? 0,
      first: profile.firstResponse.get(category) ?? 0,
    }))
    .filter((row) => row.init + row.first >= 0.5)
    .sort((a, b) => b.init + b.first - (a.init + a.first));
  const sum = (phase: Map<string, number>) => [...phase.values()].reduce((a, b) => a + b, 0);
  return table(
    ['API cold start, ms by code (CPU profile)', 'import (init)', 'first response'],
    [
      ...categories.map((row) => [row.category, ms(row.init), ms(row.first)]),
      ['total sampled', ms(sum(profile.init)), ms(sum(profile.firstResponse))],
    ],
    ['left', 'right', 'right'],
  );
}

export function warmRatio(result: WarmResult): number {
  return percentile(result.api, 50) / percentile(result.raw, 50);
}

export function warmTable(warm: WarmResult[]): string {
  const rows = warm.map((result) => {
    const api50 = percentile(result.api, 50);
    const raw50 = percentile(result.raw, 50);
    const goal = WARM_GOALS[result.operation.kind];
    const value = warmRatio(result);
    return [
      `${result.operation.name}${result.operation.main ? '' : ' ¹'}`,
      result.operation.kind,
      String(result.api.length),
      String(result.recording.length),
      ms(api50),
      ms(percentile(result.api, 99)),
      ms(raw50),
      ms(percentile(result.raw, 99)),
      ms(api50 - raw50),
      ratio(value),
      `${value <= goal ? 'met' : 'not met'} (≤ ${ratio(goal)})`,
      ms(percentile(result.apiCpu, 50)),
      ms(percentile(result.rawCpu, 50)),
    ];
  });
  return table(
    [
      'operation',
      'kind',
      'n',
      'calls',
      'API p50',
      'API p99',
      'raw p50',
      'raw p99',
      'p50 overhead',
      'p50 ratio',
      'goal',
      'API CPU p50',
      'raw CPU p50',
    ],
    rows,
    [
      'left',
      'left',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'left',
      'right',
      'right',
    ],
  );
}

export function capacityTable(warm: WarmResult[]): string {
  const rows = warm.map((result) => [
    `${result.operation.method} ${result.operation.path.replace(/[0-9A-HJKMNP-TV-Z]{26}/g, '{id}')}`,
    result.operation.name,
    result.capacity.reads.toFixed(1),
    result.capacity.writes.toFixed(1),
    String(result.capacity.calls),
    result.recording.map((call) => call.name).join(', '),
  ]);
  return table(
    ['endpoint', 'operation', 'reads (RCU)', 'writes (WCU)', 'calls', 'calls made, in order'],
    rows,
    ['left', 'left', 'right', 'right', 'right', 'left'],
  );
}

export function sizesTable(sizes: BundleSize[]): string {
  return table(
    ['function', 'minified', 'gzip'],
    sizes.map((size) => [size.name, kb(size.minified), kb(size.gzip)]),
    ['left', 'right', 'right'],
  );
}

export function profileTable(profiles: Results['profiles']): string {
  if (profiles.length === 0) return '(not profiled: --profile-runs 0)';
  const total = (c: string) =>
    profiles.reduce((sum, p) => sum + (p.api.get(c) ?? 0) + (p.raw.get(c) ?? 0), 0);
  const categories = [...new Set(profiles.flatMap((p) => [...p.api.keys(), ...p.raw.keys()]))]
    .filter((category) => category !== IDLE && total(category) >= 0.05)
    .sort((a, b) => total(b) - total(a));
  const pair = (p: Results['profiles'][number], value: (m: Map<string, number>) => number) =>
    `${ms(value(p.api))} / ${ms(value(p.raw))}`;
  const rows = [
    ...categories.map((category) => [category, ...profiles.map((p) => pair(p, (m) => m.get(category) ?? 0))]),
    ['**CPU, all code**', ...profiles.map((p) => `**${pair(p, cpu)}**`)],
    [IDLE, ...profiles.map((p) => pair(p, (m) => m.get(IDLE) ?? 0))],
  ];
  return table(
    ['ms per request, API / raw', ...profiles.map((p) => p.operation.name.replace(/ \(.*\)$/, ''))],
    rows,
    ['left', ...profiles.map((): 'right' => 'right')],
  );
}

export function phasesTable(phases: Record<string, number>): string {
  return table(
    ['phase, alone (no DynamoDB)', 'p50 ms'],
    Object.entries(phases).map(([phase, value]) => [phase, ms(value)]),
    ['left', 'right'],
  );
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

export function writeReport(results: Results): { printed: string; markdown: string } {
  const cold = coldTable(results.cold);
  const coldMedian = (variant: string, phase: keyof ColdRun) =>
    percentile(
      (results.cold.get(variant) ?? []).map((run) => run[phase]),
      50,
    );
  const main = results.warm.filter((result) => result.operation.main);
  const goals = [
    `- Cold start, API ÷ floor (median, spawn to response): ${verdict(cold.ratio, COLD_GOAL)}.`,
    ...main.map(
      (result) =>
        `- Warm ${result.operation.name}, p50 ÷ raw p50: ${verdict(warmRatio(result), WARM_GOALS[result.operation.kind])}.`,
    ),
  ];
  const header = [
    `Measured ${results.date.toISOString()} on ${results.machine}.`,
    `DynamoDB Local (in memory, a Java process on the same ${results.machine.split(';')[0]}) stands in for DynamoDB: its latency is not AWS's (a few ms per call here, under 10 ms in AWS's region too, but with a different spread), and it competes with Node for the same cores. Ratios are the measure; absolute times are this machine's. Wall time of the run: ${results.wallSeconds.toFixed(0)} s.`,
  ];
  const coldSection = [
    `## Cold start (${results.coldRuns} runs per variant, in rotating order; ms from spawn)`,
    '',
    cold.text,
    '',
    `goal ≤ ${ratio(COLD_GOAL)}: ${verdict(cold.ratio, COLD_GOAL)}`,
  ];
  const coldProfile = [
    `### API cold start by code (${results.coldProfileRuns} runs with --cpu-prof, unminified bundle; ms)`,
    '',
    coldProfileTable(results.coldProfile),
  ];
  const warmSection = [
    `## Warm requests, in process (main operations ${main[0]?.api.length ?? 0} iterations, others ¹ ${results.warm.find((r) => !r.operation.main)?.api.length ?? 0}; API and raw alternating; ms)`,
    '',
    warmTable(results.warm),
  ];
  const profileSection = [
    `### Where a warm request's time goes (CPU profile, ${results.profileRuns} requests each, sampled every 100 µs)`,
    '',
    profileTable(results.profiles),
    '',
    phasesTable(results.phases),
  ];
  const capacitySection = [
    '## Consumed capacity per request (ReturnConsumedCapacity TOTAL)',
    '',
    capacityTable(results.warm),
  ];
  const sizesSection = ["## Bundle sizes (esbuild with the stack's options)", '', sizesTable(results.sizes)];
  const printed = [
    ...header,
    '',
    ...goals,
    '',
    ...coldSection,
    '',
    ...coldProfile,
    '',
    ...warmSection,
    '',
    ...profileSection,
    '',
    ...capacitySection,
    '',
    ...sizesSection,
  ].join('\n');

  const initMs = sum(results.coldProfile.init);
  const zodInit = results.coldProfile.init.get('zod') ?? 0;
  const gcCold =
    (results.coldProfile.init.get('garbage collection') ?? 0) +
    (results.coldProfile.firstResponse.get('garbage collection') ?? 0);
  const registration =
    (results.coldProfile.firstResponse.get('hono, @hono/zod-openapi') ?? 0) +
    (results.coldProfile.firstResponse.get('Polku API (functions/api)') ?? 0) +
    (results.coldProfile.firstResponse.get('zod') ?? 0);
  const read = results.warm[0]!;
  const overheadCpu = (result: WarmResult) => percentile(result.apiCpu, 50) - percentile(result.rawCpu, 50);
  const markdown = `# Benchmark

\`pnpm bench\` writes this file (issue 7): cold start against its floor, warm requests against the
DynamoDB calls they make, consumed capacity per endpoint, and bundle sizes, in one run.

${header.join('\n\n')}

## Goals

${goals.join('\n')}

${coldSection.join('\n')}

**How.** Each run spawns \`node\` on \`scripts/bench/invoke.mjs\`, which imports a bundle (Lambda's init) and
calls \`handler(event)\` once with an API Gateway REST proxy event for \`GET /v1/participants/{id}\` and a
bearer token minted beforehand. *API* is \`functions/api/src/lambda.ts\` bundled with \`esbuildOptions\`
(\`infra/lib/bundling.ts\`), exactly as deployed; *floor* is \`scripts/bench/floor-lambda.ts\`, bundled with
the same options: a DynamoDBDocumentClient made as \`createDb\` makes it, and the one GetItem the API's
participant read sends (its input recorded from the API). Both run with the stack's environment
(no \`NODE_OPTIONS\`; the rows "source maps" add \`--enable-source-maps\`, as the API ran before
2026-11-30), credentials and region from the environment, and DynamoDB Local
through \`AWS_ENDPOINT_URL_DYNAMODB\`; the platform secret comes from \`POLKU_SECRETS_JSON\` instead of the
Parameters and Secrets extension. Times are taken on the wall clock parent and child share
(\`performance.timeOrigin + performance.now()\`): *Node boot* is spawn → the invoker's first line,
*import* the bundle's module load and top-level code, *first response* the first invocation. Runs
rotate through the variants so each sees the same machine noise; one discarded run of each comes first.

Not measured here: in AWS the API also assumes a tenant-scoped role through STS on a tenant's first
request per instance (\`tenantAccessFromEnv()\`); locally there is no \`POLKU_TENANT_ROLE_ARN\`, so it is
skipped. That is one more network round trip (one signed AssumeRole request) in AWS's cold start
that the floor does not make. The local Node is ${process.version}; Lambda runs \`${lambdaRuntime.name}\` on arm64.

A cold instance's first participant read makes ${results.coldCalls.length} DynamoDB calls
(${results.coldCalls.join(', ')}), the floor one: the token's tenant and client status are read once
per instance (then cached for 30 s) before the participant is read and its audit event written.

${coldProfile.join('\n')}

**Where the cold start goes, and what was tried.** ${cold.ratio <= COLD_GOAL ? 'The goal is met.' : `The goal is not met: the API takes ${ratio(cold.ratio)} the floor's time, ${(((cold.ratio - COLD_GOAL) / COLD_GOAL) * 100).toFixed(0)} % over ${ratio(COLD_GOAL)}; ${ms(coldMedian('API', 'total') - coldMedian('floor', 'total'))} ms more (median).`}
- *Import*: the API's bundle is ${kb(results.sizes.find((size) => size.name === 'api')?.minified ?? 0)} against the floor's
  ${kb(results.sizes.find((size) => size.name.startsWith('cold-start floor'))?.minified ?? 0)}, and it does more at load: in the profile, zod spends ${ms(zodInit)} ms
  of the ${ms(initMs)} ms sampled during import building the schemas (every route's request and response
  schema, with \`.meta()\`, is constructed at module load).
- *First response*: before it can answer, the API builds its config and app (\`createConfig\` imports the
  signing keys, \`createApp\` registers every route with @hono/zod-openapi: ${ms(registration)} ms of hono, zod
  and route code in the profile), verifies the token, reads the tenant and client status, and only then
  reads the participant and writes the audit event: two round trips where the floor makes one, each on
  a fresh connection and with the SDK's first-use costs. Garbage collection takes ${ms(gcCold)} ms of the cold start.
- *Done: source maps are no longer parsed at start.* With \`NODE_OPTIONS=--enable-source-maps\`, as the
  stack set it before, API ÷ floor is ${ratio(cold.mapsRatio)} (rows "source maps" above; median API
  ${ms(coldMedian('API, source maps', 'total'))} ms against ${ms(coldMedian('API', 'total'))} ms without). The API now maps a logged error's
  stack from the map beside the bundle when it logs it (\`functions/api/src/stack-trace.ts\`).
- Not done yet, proposed: build route schemas
  lazily or register routes without constructing their OpenAPI metadata at runtime (the document is
  generated at build time already); read the tenant and client status concurrently with the request's
  own first read rather than before it; ship a V8 compile cache with the
  bundle (\`module.enableCompileCache\`) and measure on Lambda itself.

${warmSection.join('\n')}

*calls*: the DynamoDB calls one request makes. *API CPU* / *raw CPU*: this process's CPU time per
request (\`process.cpuUsage\`), p50. ¹ Not among the issue's five main operations; shown for the
same comparison.

**How.** The app is built with \`createApp(createConfig(…))\` on DynamoDB Local, as in Lambda (request log
lines are built, then dropped), for a tenant seeded through the API: the demo tenant (five programmes,
51 participants with enrolments, sessions, attendance and past cohorts' outcomes) plus an evening group
of eight with its sessions, 20 referrals in a partner organisation's inbox, and metrics projected
(\`projectEveryone\`). Requests go through \`app.request\` with real bearer tokens (coach; partner for the
inbox; analyst for metrics and the ESF+ report), after ${results.warmup} warm-up requests each.

The *raw* baseline is found, not written by hand: every command the app's DynamoDBDocumentClient sends
is traced (name, input, start, end). One request of each operation is recorded (the one of two with
fewer calls, so a 30-second status-cache refresh is never part of it), and the baseline replays the
recorded commands, with the same inputs, on a second DynamoDBDocumentClient made the same way: each
call waits only for the calls that had finished before it started in the recording, so calls the app
made concurrently run concurrently. Writes are timed from the same table state every time: the first
request snapshots every item it writes before writing it, and after every API or raw request the
items written are put back (existing items restored, new ids deleted), untimed. So the enrolment's
\`attribute_not_exists\` on the open enrolment, the seat count on the group and the session's
version condition (\`If-Match\`) pass the same way in every iteration, on both sides, with the same
number and kind of calls and the same payloads (the raw side re-sends the recorded ids). Reads write
only audit events with new ids, so nothing is put back after them. Both clients carry the same tracing
wrapper.

${profileSection.join('\n')}

**Where a warm request's time goes.** The API's own code is small per request: token verification
${ms(results.phases['JWT verification (ES256, jose)'] ?? 0)} ms, and a whole authenticated request that is refused at parameter validation
(routing, token, cached status, zod, problem+json, log line) ${ms(results.phases['GET /v1/participants/not-an-id → 400 (auth, cached status, param validation, problem+json)'] ?? 0)} ms. Measured as CPU, the participant read
costs ${ms(percentile(read.apiCpu, 50))} ms through the API against ${ms(percentile(read.rawCpu, 50))} ms for its raw calls (${ms(overheadCpu(read))} ms more); the profile puts
most of every request, API and raw alike, in the AWS SDK (serializing, signing, parsing) and Node's HTTP,
crypto and stream internals, with hono, zod, jose and Polku's own code a fraction of a millisecond each.
The wall-clock overhead is larger than the CPU difference because on this machine the Node process and
DynamoDB Local share ${results.machine.split(', ')[1]?.split(';')[0] ?? 'the same cores'}: CPU the API spends delays the Java process answering it, which
AWS's DynamoDB would not feel. ${
    main.some((result) => warmRatio(result) > WARM_GOALS[result.operation.kind])
      ? `Where a goal is not met: ${main
          .filter((result) => warmRatio(result) > WARM_GOALS[result.operation.kind])
          .map(
            (result) =>
              `${result.operation.name} ${ratio(warmRatio(result))} (${(((warmRatio(result) - WARM_GOALS[result.operation.kind]) / WARM_GOALS[result.operation.kind]) * 100).toFixed(0)} % over ${ratio(WARM_GOALS[result.operation.kind])}; ${ms(overheadCpu(result))} ms more CPU than its raw calls)`,
          )
          .join(
            '; ',
          )}. Tried: profiling the request path (above) and timing its phases alone; none of the app's layers stands out, so no single change would close the gap; the candidates are fewer sequential round trips (the metrics read and the attendance sheet each make a call after the others finish), smaller responses, and measuring on Lambda against DynamoDB itself, where the CPU no longer competes with the database.`
      : 'Every main operation meets its goal.'
  }

${capacitySection.join('\n')}

The cost model per request, as DynamoDB reports it (\`ReturnConsumedCapacity: TOTAL\`, summed over every
call one request makes, indexes included; DynamoDB Local reports 0.5 RCU per 4 KB for an eventually
consistent read and twice a plain write's WCU inside a transaction, as DynamoDB bills them). On demand, one request costs these many read and write request units: multiply by a
million requests and the region's price per million. Reads of participants' records write their
audit events (hence the writes of a GET), one per participant listed. Token checks add a GetItem of
the tenant and of the client once per 30 s per instance, not per request.

${sizesSection.join('\n')}

\`api\` … \`metricsJobs\` are the stack's functions (as \`pnpm bundle:size\` builds them); the floor is this
benchmark's own.
`;
  return { printed, markdown };
}
