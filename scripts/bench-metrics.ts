/**
 * What a metrics read costs as a tenant grows: two tenants on one DynamoDB Local, one with 100
 * participants and one with 100,000 (enrolments, sessions with attendance, outcomes, the same
 * calendar), and the same requests against each: consumed read capacity (ReturnConsumedCapacity on
 * every read the request makes) and latency in process. The small tenant is reconciled afterwards:
 * the bulk-written buckets equal a recount from its raw records.
 *
 *   pnpm bench:metrics [--large 100000] [--requests 200] [--out docs/metrics-benchmark.md]
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createApp, createConfig } from '@polku/api';
import { hashSecret } from '@polku/auth';
import { ensureTable, generateSecrets, startDynamoDbLocal } from '@polku/devstack';
import { businessIdFrom, metrics, newId, seededRandom } from '@polku/domain';
import { createClient, createDb, createTenant, type Db } from '@polku/storage';
import { indexKeys, keys } from '@polku/table';
import { reconcileTenant } from '../functions/api/src/metrics/reconcile.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? (args[at + 1] as string) : fallback;
};
const LARGE = Number(option('large', '100000'));
const REQUESTS = Number(option('requests', '200'));
const OUT = option('out', 'docs/metrics-benchmark.md');
const AS_OF = new Date('2026-11-30T12:00:00Z');
const FROM = '2025-01';
const TO = '2026-12';

/** Both tenants draw from the same calendar. */
const random = seededRandom;

// ---------------------------------------------------------------------------------------------
// Capacity: every read the client sends asks for and reports its consumed capacity.

let counting = false;
let consumed = 0;
function countCapacity(client: DynamoDBClient) {
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { ReturnConsumedCapacity?: string };
      if (counting) input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      if (counting) {
        const capacity = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        for (const entry of Array.isArray(capacity) ? capacity : capacity ? [capacity] : []) {
          consumed += Number((entry as { CapacityUnits?: number }).CapacityUnits ?? 0);
        }
      }
      return result;
    },
    { step: 'initialize', name: 'countConsumedCapacity' },
  );
}

// ---------------------------------------------------------------------------------------------
// Seeding: the items the API would have written, in batches; buckets from the projector's own code.

interface Shape {
  organisationId: string;
  fundingProjectId: string;
  programmes: {
    id: string;
    groups: string[];
    sessions: { id: string; startsAt: string; groupId: string }[];
  }[];
}

async function batchWrite(db: Db, items: Record<string, unknown>[]) {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  const worker = async () => {
    for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
      let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const result = await db.doc.send(
          new BatchWriteCommand({ RequestItems: { [db.tableName]: requests } }),
        );
        requests = (result.UnprocessedItems?.[db.tableName] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function seedStructure(
  _db: Db,
  tenantId: string,
): Promise<{ shape: Shape; items: Record<string, unknown>[] }> {
  const stamp = AS_OF.toISOString();
  const meta = (id: string) => ({ id, version: 1, createdAt: stamp, updatedAt: stamp, tenantId });
  const organisationId = newId();
  const fundingProjectId = newId();
  const items: Record<string, unknown>[] = [
    {
      ...keys.organisation(tenantId, organisationId),
      ...meta(organisationId),
      entity: 'organisation',
      name: 'Ohjaamo',
      kind: 'one-stop-guidance-centre',
    },
    {
      ...keys.fundingProject(tenantId, fundingProjectId),
      ...meta(fundingProjectId),
      entity: 'funding-project',
      code: 'S20168',
      name: 'Pienryhmävalmennus',
      priorityAxis: 'Employment',
      specificObjective: 'Access to employment',
      periodStart: '2025-01-01',
      periodEnd: '2026-12-31',
    },
  ];
  const programmes: Shape['programmes'] = [];
  for (const templateId of ['small-group-coaching', 'career-coaching', 'pay-subsidised-job-coaching']) {
    const id = newId();
    items.push({
      ...keys.programme(tenantId, id),
      ...meta(id),
      entity: 'programme',
      templateId,
      name: templateId,
      organisationId,
      fundingProjectId,
      groupCapacity: 4,
      sessionKinds: [],
      schedule: [],
    });
    const groups = Array.from({ length: 4 }, () => newId());
    const sessions: Shape['programmes'][number]['sessions'] = [];
    for (const month of metrics.monthsFrom(FROM, TO)) {
      for (const groupId of groups) {
        const sessionId = newId();
        const startsAt = `${month}-14T08:00:00.000Z`;
        sessions.push({ id: sessionId, startsAt, groupId });
        items.push({
          ...keys.session(tenantId, sessionId),
          ...indexKeys.sessionByProgramme(tenantId, id, startsAt, sessionId),
          ...indexKeys.sessionByGroup(tenantId, groupId, startsAt, sessionId),
          ...meta(sessionId),
          entity: 'session',
          programmeId: id,
          groupId,
          kind: 'group-coaching',
          startsAt,
          durationMinutes: 90,
          participantIds: [],
          scheduleId: null,
          attendanceTaken: true,
        });
      }
    }
    programmes.push({ id, groups, sessions });
  }
  return { shape: { organisationId, fundingProjectId, programmes }, items };
}

/** One participant's items and the facts the projector would read back. */
function personOf(tenantId: string, shape: Shape, r: ReturnType<typeof random>) {
  const stamp = AS_OF.toISOString();
  const id = newId();
  const programme = r.pick(shape.programmes);
  const groupId = r.pick(programme.groups);
  const start = metrics.addDays('2025-01-01', r.int(0, 600));
  const exitDate = r.chance(0.75) ? metrics.addDays(start, r.int(30, 200)) : null;
  const exit = exitDate !== null && exitDate <= '2026-11-30' ? exitDate : null;
  const stage = exit === null ? 'active' : r.chance(0.2) ? 'discontinued' : 'completed';
  const esf = {
    gender: r.pick(['woman', 'man', 'non-binary'] as const),
    labourMarketStatus: r.pick(['unemployed', 'inactive', 'employed'] as const),
    iscedLevel: r.int(0, 8),
    disability: r.chance(0.1),
    thirdCountNational: r.chance(0.15),
    foreignBackground: r.chance(0.2),
    minority: r.chance(0.05),
    homeless: r.chance(0.03),
    rural: r.chance(0.3),
  };
  const birthDate = metrics.addDays('1960-01-01', r.int(0, 16_000));
  const enrolmentId = newId();
  const outcomes: metrics.OutcomeFacts[] = [];
  if (exit !== null && r.chance(0.6)) {
    const outcomeStart = metrics.addDays(exit, r.int(0, 60));
    outcomes.push({
      id: newId(),
      kind: r.pick([
        'employed-open-market',
        'employed-pay-subsidy',
        'self-employed',
        'study-place',
        'job-searching',
      ] as const),
      startDate: outcomeStart,
      endDate: r.chance(0.4) ? metrics.addDays(outcomeStart, r.int(30, 300)) : null,
      withdrawn: false,
      verifiedOn: outcomeStart,
    });
  }
  const attended = programme.sessions.filter(
    (s) =>
      s.groupId === groupId &&
      s.startsAt.slice(0, 10) >= start &&
      (exit === null || s.startsAt.slice(0, 10) <= exit),
  );
  const attendance = attended.slice(0, 3).map((session) => ({
    sessionId: session.id,
    programmeId: programme.id,
    groupId,
    date: session.startsAt.slice(0, 10),
    startsAt: session.startsAt,
    status: r.pick(['present', 'present', 'present', 'excused-absence', 'unexcused-absence'] as const),
  }));
  const facts: metrics.ParticipantFacts = {
    participantId: id,
    birthDate,
    esf,
    enrolments: [
      {
        id: enrolmentId,
        programmeId: programme.id,
        groupId,
        coachId: 'coach',
        stage,
        startDate: start,
        exitDate: exit,
      },
    ],
    outcomes,
    qualifications: [],
    attendance,
    referrals: [],
  };
  const meta = { version: 1, createdAt: stamp, updatedAt: stamp, tenantId };
  const by = { kind: 'client', id: 'bench', role: 'coach' };
  const items: Record<string, unknown>[] = [
    {
      ...keys.participant(tenantId, id),
      ...indexKeys.participantShard(tenantId, id),
      ...meta,
      id,
      entity: 'participant',
      firstName: 'Bench',
      lastName: 'Person',
      birthDate,
      municipality: 'Joensuu',
      hasIdentityCode: false,
      esf,
    },
    {
      ...keys.enrolment(tenantId, enrolmentId),
      ...indexKeys.enrolmentByParticipant(tenantId, id, enrolmentId),
      ...indexKeys.enrolmentByProgramme(tenantId, programme.id, enrolmentId),
      ...indexKeys.enrolmentByGroup(tenantId, groupId, enrolmentId),
      ...meta,
      id: enrolmentId,
      entity: 'enrolment',
      participantId: id,
      programmeId: programme.id,
      groupId,
      coachId: 'coach',
      stage,
      startDate: start,
      exitDate: exit,
      discontinuationReason: stage === 'discontinued' ? 'moved away' : null,
      history: [],
    },
    ...outcomes.map((outcome) => ({
      ...keys.outcome(tenantId, outcome.id),
      ...indexKeys.outcomeByParticipant(tenantId, id, outcome.id),
      ...meta,
      ...outcome,
      entity: 'outcome',
      participantId: id,
      enrolmentId,
      hoursPerWeek: null,
      employerOrInstitution: null,
      source: 'register',
      recordedBy: by,
      history: [],
    })),
    ...attendance.map((record) => ({
      ...keys.attendance(tenantId, record.sessionId, id),
      ...indexKeys.attendanceByParticipant(tenantId, id, record.startsAt, record.sessionId),
      entity: 'attendance',
      tenantId,
      sessionId: record.sessionId,
      programmeId: record.programmeId,
      groupId: record.groupId,
      startsAt: record.startsAt,
      participantId: id,
      status: record.status,
      recordedAt: stamp,
      recordedBy: 'bench',
    })),
  ];
  return { facts, items };
}

async function seedTenant(db: Db, tenantId: string, participants: number, seed: number) {
  const { shape, items: structure } = await seedStructure(db, tenantId);
  await batchWrite(db, structure);
  const programmes = new Map(
    shape.programmes.map((p) => [
      p.id,
      { organisationId: shape.organisationId, fundingProjectId: shape.fundingProjectId },
    ]),
  );
  const buckets = new Map<string, metrics.Counters>();
  const ledgers: Record<string, unknown>[] = [];
  const r = random(seed);
  const started = Date.now();
  for (let done = 0; done < participants; ) {
    const batch: Record<string, unknown>[] = [];
    for (let n = 0; n < 2000 && done < participants; n++, done++) {
      const { facts, items } = personOf(tenantId, shape, r);
      batch.push(...items);
      const contribution = metrics.contributionOf(
        facts,
        (id) => programmes.get(id),
        AS_OF.toISOString().slice(0, 10),
      );
      for (const [ref, counters] of Object.entries(contribution.buckets)) {
        buckets.set(ref, metrics.addCounters({ ...(buckets.get(ref) ?? {}) }, counters));
      }
      ledgers.push({
        ...keys.metricsLedger(tenantId, facts.participantId),
        entity: 'metrics-ledger',
        tenantId,
        participantId: facts.participantId,
        rev: 1,
        applied: contribution.buckets,
      });
    }
    batch.push(...ledgers.splice(0));
    await batchWrite(db, batch);
    process.stderr.write(
      `\r  ${tenantId.slice(-6)}: ${done} of ${participants} participants (${Math.round((Date.now() - started) / 1000)} s)`,
    );
  }
  process.stderr.write('\n');
  await batchWrite(
    db,
    [...buckets].map(([ref, counters]) => {
      const { scope, kind, month } = metrics.parseBucketRef(ref);
      return {
        ...keys.metricsBucket(tenantId, scope, kind, month),
        entity: 'metrics-bucket',
        tenantId,
        ...counters,
      };
    }),
  );
  return shape;
}

// ---------------------------------------------------------------------------------------------

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const dynamo = await startDynamoDbLocal();
try {
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  countCapacity(client);
  const tableName = `bench-${randomUUID()}`;
  await ensureTable(client, tableName);
  const db = createDb({ tableName, endpoint: dynamo.endpoint, client });
  const config = await createConfig({
    db,
    secrets: await generateSecrets(),
    issuer: 'https://polku.bench',
    region: 'eu-north-1',
    log: () => {},
  });
  const app = createApp(config);

  const sizes = [100, LARGE];
  const results: { participants: number; request: string; capacity: number; p50: number; p99: number }[] = [];
  let smallReconciled: Awaited<ReturnType<typeof reconcileTenant>> | undefined;
  for (const [index, participants] of sizes.entries()) {
    const tenant = await createTenant(db, {
      name: `Bench ${participants}`,
      kind: 'employment-area',
      businessId:
        businessIdFrom(String(1_000_000 + index).padStart(7, '0')) ?? (businessIdFrom('1000002') as string),
      region: 'eu-north-1',
      status: 'active',
    });
    const shape = await seedTenant(db, tenant.id, participants, 42);
    if (participants === 100) smallReconciled = await reconcileTenant(db, tenant.id, AS_OF);
    const secret = `bench-${randomUUID()}`;
    const apiClient = await createClient(
      db,
      tenant.id,
      { name: 'bench', role: 'tenant_admin' },
      await hashSecret(secret),
    );
    const tokenResponse = await app.request('/v1/oauth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: apiClient.clientId,
        client_secret: secret,
      }),
    });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const requests = {
      'metrics, tenant, 24 months': `/v1/metrics?from=${FROM}&to=${TO}`,
      'metrics, programme, 24 months': `/v1/metrics?scope=programme&id=${shape.programmes[0]?.id}&from=${FROM}&to=${TO}`,
      'ESF+ report, funding project': `/v1/reports/esf?funding-project=${shape.fundingProjectId}`,
    };
    for (const [name, path] of Object.entries(requests)) {
      const send = async () => {
        const response = await app.request(path, { headers: { Authorization: `Bearer ${token}` } });
        if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
      };
      for (let i = 0; i < 20; i++) await send();
      counting = true;
      consumed = 0;
      await send();
      counting = false;
      const capacity = consumed;
      const times: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const t = performance.now();
        await send();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      results.push({
        participants,
        request: name,
        capacity,
        p50: percentile(times, 50),
        p99: percentile(times, 99),
      });
    }
  }

  const rows = [
    '| request | participants | read capacity (RCU) | p50 ms | p99 ms |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.request} | ${r.participants.toLocaleString('en')} | ${r.capacity} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`,
    ),
  ];
  const ratios = [...new Set(results.map((r) => r.request))].map((request) => {
    const [small, large] = results.filter((r) => r.request === request);
    return `| ${request} | ${(large!.capacity / small!.capacity).toFixed(2)} | ${(large!.p50 / small!.p50).toFixed(2)} |`;
  });
  const report = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, DynamoDB Local (in memory), in process; ${REQUESTS} requests each after 20 warm-up requests; capacity as DynamoDB reports it for every read one request makes (token check and tenant status are cached after the warm-up).`,
    '',
    ...rows,
    '',
    `| request | capacity ${LARGE.toLocaleString('en')} ÷ 100 | p50 ${LARGE.toLocaleString('en')} ÷ 100 |`,
    '| --- | ---: | ---: |',
    ...ratios,
    '',
    `Reconciliation of the 100-participant tenant after bulk seeding: ${smallReconciled?.buckets} buckets, ${smallReconciled?.differences.length} differences.`,
  ].join('\n');
  console.log(report);
  await writeFile(OUT, `# Metrics read benchmark\n\n\`pnpm bench:metrics\` writes this file.\n\n${report}\n`);
  client.destroy();
} finally {
  await dynamo.stop();
}
