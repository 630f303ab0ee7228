/**
 * `pnpm load`: the real API on 127.0.0.1 over an in-memory DynamoDB Local, with the metrics
 * projector on the table's stream, under mixed traffic from many tenants' coaches and partners.
 * Passes when no request gets a 5xx, no probe reads across a tenant or organisation boundary, the
 * metrics reconcile with a recount, and every record the API said it created is in the table.
 *
 *   pnpm load [--tenants 20] [--requests 10000] [--concurrency 50] [--max-seconds 600] [--seed 7]
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createConfig, serveLocally } from '@polku/api';
import {
  ensureTable,
  freePort,
  generateSecrets,
  startDynamoDbLocal,
  startStreamPoller,
} from '@polku/devstack';
import { seededRandom } from '@polku/domain';
import { createDb } from '@polku/storage';
import { projectStreamRecords } from '../functions/api/src/metrics/stream.ts';
import { leadingKeysEnforced } from '../test/support/iam.ts';
import { countRecords, reconcile } from './load/checks.ts';
import { LoadClient } from './load/client.ts';
import { loadCredentials, setUpTenant } from './load/setup.ts';
import { latencySummary, type Sample, Stats, statsTable, statusLine } from './load/stats.ts';
import { type Load, step } from './load/workload.ts';
import { Ledger, type Tenant } from './load/world.ts';

const { values } = parseArgs({
  options: {
    tenants: { type: 'string', default: '20' },
    requests: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '50' },
    'max-seconds': { type: 'string', default: '600' },
    seed: { type: 'string', default: '7' },
    // Tenant requests go through the IAM LeadingKeys check the tests use, as in AWS; this turns it off.
    'without-iam': { type: 'boolean', default: false },
  },
});
const TENANTS = Number(values.tenants);
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const MAX_SECONDS = Number(values['max-seconds']);
const SEED = Number(values.seed);
const TABLE = 'polku-load';

const out = (line = '') => process.stdout.write(`${line}\n`);
const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;
const deadline = started + MAX_SECONDS * 1000;
/** Time kept back from the load for the stream to drain and the checks to run. */
const RESERVE_MS = Math.min(60_000, MAX_SECONDS * 200);

const dynamo = await startDynamoDbLocal();
out(`DynamoDB Local (in memory) started in ${elapsed().toFixed(1)} s`);
// The hard limit: whatever hangs, the run ends, reports failure and leaves no Java process behind.
let phase = 'starting';
let stopped = false;
const hardStop = setTimeout(() => {
  stopped = true;
  out(`FAIL  time limit: still ${phase} after ${MAX_SECONDS} s; stopped`);
  out('pnpm load: FAIL');
  void dynamo.stop().finally(() => process.exit(1));
}, deadline - performance.now());

/** Server-side errors and the projector's failures, as the API and poller log them (ids only). */
const serverLog: Record<string, unknown>[] = [];
let projectorFailures = 0;
let droppedStreamBatches = 0;
const log = (entry: Record<string, unknown>) => {
  if (entry.level !== 'error') return;
  if (String(entry.msg).startsWith('metrics:')) projectorFailures++;
  if (entry.msg === 'stream records dropped after retries') droppedStreamBatches++;
  const { stack: _, ...rest } = entry;
  if (serverLog.length < 20) serverLog.push(rest);
};

let exitCode = 1;
try {
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(client, TABLE);
  const db = createDb({ tableName: TABLE, endpoint: dynamo.endpoint, client });
  const port = await freePort();
  const config = await createConfig({
    db,
    tenantDb: values['without-iam'] ? undefined : leadingKeysEnforced(dynamo.endpoint, TABLE),
    secrets: await generateSecrets(),
    issuer: `http://127.0.0.1:${port}`,
    region: 'eu-north-1',
    log,
  });
  // The config's Db: it has the data keys that open the sealed characteristics the metrics count.
  const projector = { db: config.db, now: () => new Date(), log };
  const poller = await startStreamPoller({
    endpoint: dynamo.endpoint,
    tableName: TABLE,
    onRecords: (records) => projectStreamRecords(projector, records),
    // A backlog is read in batches of 100 per shard; polling more often than dev's 500 ms lets the
    // projector keep up with the load on DynamoDB Local.
    intervalMs: 100,
    log,
  });
  const server = await serveLocally(config, port);
  const baseUrl = `http://127.0.0.1:${port}`;

  // -------------------------------------------------------------------------------------------
  // Setup: the tenants, through the API (timed apart from the load).
  const ledger = new Ledger();
  const setupHttp = new LoadClient(baseUrl, new Stats());
  // All tenants at once; each draws its participants from its own seeded stream.
  phase = 'setting up tenants';
  const setupStarted = performance.now();
  const credentials = await loadCredentials();
  const tenants: Tenant[] = await Promise.all(
    Array.from({ length: TENANTS }, (_, i) =>
      setUpTenant(db, credentials, setupHttp, ledger, i, seededRandom(SEED + i), new Date()),
    ),
  );
  out(
    `Set up ${TENANTS} tenants through the API in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s (${setupHttp.stats.requests} requests, ${setupHttp.stats.serverErrorCount} 5xx)`,
  );

  // -------------------------------------------------------------------------------------------
  // The load: CONCURRENCY workers, each a seeded stream of choices, until REQUESTS were sent.
  const stats = new Stats();
  let keys = 0;
  const load: Load = {
    http: new LoadClient(baseUrl, stats),
    ledger,
    tenants,
    probes: { sent: 0, leaks: 0, samples: [] },
    pending: new Set(),
    nextKey: () => `load-${++keys}`,
  };
  let timedOut = false;
  phase = 'loading';
  const progress = setInterval(() => {
    process.stderr.write(
      `  ${stats.requests} requests, ${(stats.requests / stats.seconds()).toFixed(0)}/s, ${stats.serverErrorCount} 5xx\n`,
    );
  }, 5_000);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      const r = seededRandom(SEED * 1000 + worker);
      while (stats.requests < REQUESTS) {
        if (performance.now() > deadline - RESERVE_MS) {
          timedOut = true;
          return;
        }
        await step(load, r);
      }
    }),
  );
  stats.ended = performance.now();
  clearInterval(progress);
  server.close();

  // -------------------------------------------------------------------------------------------
  // Report.
  const total = latencySummary(stats.allLatencies());
  out();
  out(
    `Load: ${stats.requests} requests from ${CONCURRENCY} concurrent workers over ${TENANTS} tenants in ${stats.seconds().toFixed(1)} s: ${(stats.requests / stats.seconds()).toFixed(0)} requests/s on ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`,
  );
  out();
  out(statsTable(stats));
  out();
  out(`statuses: ${statusLine(stats)}`);
  out(
    `latency ms: p50 ${total.p50.toFixed(1)}  p95 ${total.p95.toFixed(1)}  p99 ${total.p99.toFixed(1)}  max ${total.max.toFixed(1)}`,
  );

  // -------------------------------------------------------------------------------------------
  // Afterwards: the projector catches up, then the recount and the record counts.
  const drainStarted = performance.now();
  phase = 'draining the stream';
  // Whatever the projector has not caught up with by then shows as reconcile differences.
  const drained = await poller
    .drain(Math.max(5_000, deadline - performance.now() - 20_000))
    .then(() => true)
    .catch(() => false);
  const drainSeconds = (performance.now() - drainStarted) / 1000;
  out(
    drained
      ? `stream drained ${drainSeconds.toFixed(1)} s after the last request`
      : `stream NOT drained ${drainSeconds.toFixed(1)} s after the last request`,
  );
  phase = 'reconciling';
  await poller.stop();
  const checksStarted = performance.now();
  const [{ results: reconciliations, failures: reconcileFailures }, counts] = await Promise.all([
    reconcile(config.db, tenants, new Date()),
    countRecords(db, ledger, tenants),
  ]);
  const checkSeconds = (performance.now() - checksStarted) / 1000;
  client.destroy();

  out(`recount and record counts in ${checkSeconds.toFixed(1)} s`);

  const printSamples = (title: string, samples: Sample[]) => {
    if (samples.length === 0) return;
    out();
    out(title);
    for (const s of samples) {
      out(
        `  ${s.status} ${s.op}: ${s.method} ${s.path}${s.type ? `  ${s.type}` : ''}${s.detail ? `: ${s.detail}` : ''}${s.requestId ? `  (request ${s.requestId})` : ''}`,
      );
    }
  };
  printSamples(
    `5xx responses (first ${stats.serverErrors.length} of ${stats.serverErrorCount}):`,
    stats.serverErrors,
  );
  printSamples(`Leaks (first ${load.probes.samples.length} of ${load.probes.leaks}):`, load.probes.samples);
  printSamples(
    `Statuses the workload did not expect (4xx, not failures; first ${stats.unexpected.length} of ${stats.unexpectedCount}):`,
    stats.unexpected,
  );
  if (serverLog.length > 0) {
    out();
    out('Server and projector errors logged (first 20):');
    for (const entry of serverLog) out(`  ${JSON.stringify(entry)}`);
  }

  const differing = reconciliations.filter((r) => r.differences.length > 0);
  const differences = reconciliations.reduce((n, r) => n + r.differences.length, 0);
  for (const r of differing) {
    out();
    out(`tenant ${r.tenantId}: ${r.differences.length} differences`);
    for (const d of r.differences.slice(0, 5))
      out(`  ${d.scope} ${d.kind} ${d.month} ${d.name}: expected ${d.expected}, stored ${d.stored}`);
  }

  out();
  out('Records created (201, attendance: marks with 200) and held by the table:');
  for (const c of counts) {
    out(
      `  ${c.entity.padEnd(16)} created ${String(c.created).padStart(6)}  stored ${String(c.stored).padStart(6)}${c.missing.length ? `  missing ${c.missing.slice(0, 3).join(', ')}${c.missing.length > 3 ? ` … (${c.missing.length})` : ''}` : ''}${c.extra.length ? `  never answered ${c.extra.slice(0, 3).join(', ')}${c.extra.length > 3 ? ` … (${c.extra.length})` : ''}` : ''}`,
    );
  }

  const checks: [boolean, string][] = [
    [
      !timedOut && stats.requests >= REQUESTS,
      `requests: ${stats.requests} of ${REQUESTS} at concurrency ${CONCURRENCY}${timedOut ? `, stopped at the time limit (${MAX_SECONDS} s)` : ''}`,
    ],
    [
      stats.serverErrorCount === 0 && setupHttp.stats.serverErrorCount === 0,
      `5xx: ${stats.serverErrorCount}`,
    ],
    [
      load.probes.leaks === 0 && load.probes.sent > 0,
      `cross-tenant reads: ${load.probes.leaks} of ${load.probes.sent} probes`,
    ],
    [
      ledger.replayMismatches === 0 && ledger.replays > 0,
      `idempotent replays: ${ledger.replays - ledger.replayMismatches} of ${ledger.replays} answered with the first response`,
    ],
    [
      drained && differences === 0 && droppedStreamBatches === 0 && reconcileFailures.length === 0,
      `metrics reconcile: ${differences} differences in ${reconciliations.length} tenants (${reconciliations.reduce((n, r) => n + r.buckets, 0)} buckets${droppedStreamBatches ? `, ${droppedStreamBatches} stream batches dropped` : ''}${drained ? '' : ', the projector had not caught up with the stream'}${reconcileFailures.length ? `; could not recount ${reconcileFailures.length} tenants: ${reconcileFailures[0]}` : ''})`,
    ],
    ...counts.map((c): [boolean, string] => [
      c.created === c.stored && c.missing.length === 0 && c.extra.length === 0,
      `created = 2xx: ${c.entity} ${c.stored} stored, ${c.created} created`,
    ]),
    [elapsed() < MAX_SECONDS, `wall time: ${elapsed().toFixed(1)} s of ${MAX_SECONDS} s`],
  ];
  out();
  out(
    `p99 ${total.p99.toFixed(1)} ms, p50 ${total.p50.toFixed(1)} ms, ${(stats.requests / stats.seconds()).toFixed(0)} requests/s`,
  );
  if (projectorFailures > 0)
    out(`(the projector logged ${projectorFailures} failed projections, retried off the stream)`);
  for (const [ok, what] of checks) out(`${ok ? 'PASS' : 'FAIL'}  ${what}`);
  exitCode = checks.every(([ok]) => ok) ? 0 : 1;
  out(exitCode === 0 ? 'pnpm load: PASS' : 'pnpm load: FAIL');
} catch (error) {
  // After the hard stop, what was still running fails as DynamoDB Local goes: already reported.
  if (stopped) await new Promise(() => {});
  out(
    `FAIL  pnpm load could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  exitCode = 1;
} finally {
  clearTimeout(hardStop);
  await dynamo.stop();
}
process.exit(exitCode);
