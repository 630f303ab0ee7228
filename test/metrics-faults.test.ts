/**
 * The metrics projector under DynamoDB faults, injected with aws-sdk-client-mock on a client of its
 * own that otherwise talks to DynamoDB Local (the API writes the records on another, untouched).
 * Nothing here reads the stream: the tests hand the projector its records, as Lambda would.
 */
import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { metrics } from '@polku/domain';
import { createDb, type Db, getItem, metricsStore } from '@polku/storage';
import { keys } from '@polku/table';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { reconcileTenant } from '../functions/api/src/metrics/reconcile.ts';
import { type MetricsStreamRecord, projectStreamRecords } from '../functions/api/src/metrics/stream.ts';
import { created, organisationBody, outcomeBody, participantBody } from './support/fixtures.ts';
import { type Caller, createHarness, createTestTenant, type Harness, scanTable } from './support/harness.ts';

/** Every projection and the reconciliation count as of this day, so earlier people stay exact. */
const NOW = new Date('2026-06-01T12:00:00Z');

let harness: Harness;
let tenantId: string;
let admin: Caller;
let programme: { id: string };
let group: { id: string };
/** The projector's own connection to DynamoDB Local: the one the faults are injected into. */
let projectorDb: Db;
// biome-ignore lint/suspicious/noExplicitAny: the stub's generic types are not needed here
let mock: AwsStub<any, any, any>;

/** Every command the projector sends. */
const COMMANDS = [
  GetCommand,
  PutCommand,
  UpdateCommand,
  DeleteCommand,
  QueryCommand,
  BatchGetCommand,
  TransactWriteCommand,
];

/** Sends every command of the projector to DynamoDB Local, except what a test overrides. */
function passThrough() {
  const real = projectorDb.doc.send.bind(projectorDb.doc) as (command: unknown) => Promise<unknown>;
  mock = mockClient(projectorDb.doc);
  for (const Command of COMMANDS) {
    // biome-ignore lint/suspicious/noExplicitAny: each command class takes its own input type
    mock.on(Command as any).callsFake((input: any) => real(new (Command as any)(input)));
  }
  // biome-ignore lint/suspicious/noExplicitAny: pass-through input
  return (input: any) => real(new TransactWriteCommand(input));
}

beforeAll(async () => {
  harness = await createHarness();
  const tenant = await createTestTenant(harness, { name: 'Kitee employment area' });
  tenantId = tenant.id;
  admin = tenant.as('tenant_admin');
  const organisation = await created(admin, '/v1/organisations', organisationBody());
  const project = await created(admin, '/v1/funding-projects', {
    code: 'S21004',
    name: 'Polku töihin',
    priorityAxis: 'Employment',
    specificObjective: 'Access to employment',
    periodStart: '2025-01-01',
    periodEnd: '2027-12-31',
  });
  programme = await created(admin, '/v1/programmes', {
    templateId: 'small-group-coaching',
    organisationId: organisation.id,
    fundingProjectId: project.id,
  });
  group = await created(admin, `/v1/programmes/${programme.id}/groups`, { name: 'Maanantai', capacity: 20 });
  projectorDb = createDb({
    tableName: harness.tableName,
    endpoint: inject('dynamoEndpoint'),
    dataKeys: harness.db.dataKeys,
  });
});

afterEach(() => mock?.restore());

const projector = () => ({ db: projectorDb, now: () => NOW, log: () => {} });

/** A participant active in the group since `start`. */
async function enrolled(start: string) {
  const participant = await created(admin, '/v1/participants', participantBody());
  const enrolment = await created(admin, '/v1/enrolments', {
    participantId: participant.id,
    programmeId: programme.id,
    groupId: group.id,
    coachId: 'coach-anna',
    stage: 'active',
    date: start,
  });
  return { participantId: participant.id as string, enrolment };
}

/** The participant completes on `exit` and starts a job ten days later. */
async function leavesForAJob(person: { participantId: string; enrolment: { id: string } }, exit: string) {
  const moved = await admin('POST', `/v1/enrolments/${person.enrolment.id}/stage`, {
    body: { stage: 'completed', date: exit },
    headers: { 'If-Match': '"1"' },
  });
  expect(moved.status, JSON.stringify(moved.body)).toBe(200);
  await created(
    admin,
    '/v1/outcomes',
    outcomeBody(person.participantId, { startDate: metrics.addDays(exit, 10), endDate: null }),
  );
}

/** A stream record in the Lambda event's shape: the projector reads entity, tenantId and participantId. */
const record = (sequence: string, entity: string, participantId: string): MetricsStreamRecord => ({
  eventName: 'INSERT',
  dynamodb: {
    SequenceNumber: sequence,
    NewImage: {
      entity: { S: entity },
      tenantId: { S: tenantId },
      participantId: { S: participantId },
    },
  },
});

interface Ledger {
  rev: number;
  applied: Record<string, metrics.Counters>;
  dueAt?: string;
}

const ledgerOf = async (participantId: string) =>
  (await getItem(harness.db, keys.metricsLedger(tenantId, participantId))) as Ledger | undefined;

/** What the participant's records add to the buckets as of NOW, recounted from them. */
async function contributionOf(participantId: string): Promise<Record<string, metrics.Counters>> {
  const facts = await metricsStore.participantFacts(harness.db, tenantId, participantId);
  if (!facts) throw new Error(`no participant ${participantId}`);
  const programmes = await metricsStore.programmesOf(harness.db, tenantId, [programme.id]);
  return metrics.contributionOf(facts, (id) => programmes.get(id), NOW.toISOString().slice(0, 10)).buckets;
}

const differences = async () => (await reconcileTenant(harness.db, tenantId, NOW)).differences;

/** The tenant's bucket items as `PK|SK` → their non-zero counters. */
async function bucketsOfTenant(): Promise<Map<string, metrics.Counters>> {
  const buckets = new Map<string, metrics.Counters>();
  for (const item of await scanTable(harness)) {
    if (item.entity !== 'metrics-bucket' || item.tenantId !== tenantId) continue;
    const counters: metrics.Counters = {};
    for (const [name, value] of Object.entries(item)) {
      if (!['PK', 'SK', 'entity', 'tenantId'].includes(name) && typeof value === 'number' && value !== 0)
        counters[name] = value;
    }
    if (Object.keys(counters).length > 0) buckets.set(`${item.PK}|${item.SK}`, counters);
  }
  return buckets;
}

/** `buckets` with a contribution added, in the shape of bucketsOfTenant. */
function plus(buckets: Map<string, metrics.Counters>, contribution: Record<string, metrics.Counters>) {
  const sum = new Map([...buckets].map(([key, counters]) => [key, { ...counters }]));
  for (const [ref, counters] of Object.entries(contribution)) {
    const { scope, kind, month } = metrics.parseBucketRef(ref);
    const { PK, SK } = keys.metricsBucket(tenantId, scope, kind, month);
    const key = `${PK}|${SK}`;
    const next = metrics.addCounters({ ...(sum.get(key) ?? {}) }, counters);
    if (Object.keys(next).length > 0) sum.set(key, next);
    else sum.delete(key);
  }
  return sum;
}

const codesOf = (error: unknown) =>
  error instanceof TransactionCanceledException
    ? (error.CancellationReasons ?? []).map((reason) => reason.Code ?? '')
    : [];

describe('the metrics projector when DynamoDB fails', () => {
  it('retries a projection cancelled by a conflicting transaction, and applies it once', async () => {
    const person = await enrolled('2026-01-12');
    await leavesForAJob(person, '2026-03-20');
    const real = passThrough();
    mock
      .on(TransactWriteCommand)
      .rejectsOnce(
        new TransactionCanceledException({
          message: 'Transaction cancelled',
          $metadata: {},
          CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
        }),
      )
      .callsFake(real);

    const projection = await metricsStore.projectParticipant(projectorDb, tenantId, person.participantId, {
      now: NOW,
    });

    expect(projection.buckets).toBeGreaterThan(0);
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(2);
    const ledger = await ledgerOf(person.participantId);
    expect(ledger?.rev).toBe(1);
    expect(ledger?.applied).toEqual(await contributionOf(person.participantId));
    expect(await differences()).toEqual([]);
  });

  it.each([
    [
      'ProvisionedThroughputExceededException',
      () => new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }),
    ],
    [
      'an HTTP 500',
      () => new InternalServerError({ message: 'Internal error', $metadata: { httpStatusCode: 500 } }),
    ],
  ])(
    'hands a throttled projection back to the stream (%s) with nothing applied, and projects it when handed over again',
    async (_, fault) => {
      const person = await enrolled('2026-01-05');
      await metricsStore.projectParticipant(harness.db, tenantId, person.participantId, { now: NOW });
      const bystander = await enrolled('2026-02-02');
      await leavesForAJob(person, '2026-03-31');
      const records = [
        record('101', 'enrolment', person.participantId),
        record('102', 'enrolment', bystander.participantId),
        record('103', 'outcome', person.participantId),
      ];
      const ledgerBefore = await ledgerOf(person.participantId);
      const bucketsBefore = await bucketsOfTenant();
      const real = passThrough();
      // biome-ignore lint/suspicious/noExplicitAny: the document client's input, as sent
      mock.on(TransactWriteCommand).callsFake(async (input: any) => {
        if (input.TransactItems[0].Put.Item.participantId === person.participantId) throw fault();
        return real(input);
      });

      const failed = await projectStreamRecords(projector(), records);

      // The person's two records go back to the stream; the bystander's went through.
      expect(failed.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['101', '103']);
      expect(await ledgerOf(person.participantId)).toEqual(ledgerBefore);
      const bystanderLedger = await ledgerOf(bystander.participantId);
      expect(bystanderLedger?.rev).toBe(1);
      expect(await bucketsOfTenant()).toEqual(plus(bucketsBefore, bystanderLedger?.applied ?? {}));
      // What the reconciliation misses is exactly the change of the person's contribution.
      const found = await differences();
      expect(found.length).toBeGreaterThan(0);
      const missing: Record<string, metrics.Counters> = {};
      for (const d of found.filter((d) => d.kind !== 'FIGURE')) {
        const ref = metrics.bucketRef(d.scope, d.kind as metrics.BucketKind, d.month);
        missing[ref] = { ...missing[ref], [d.name]: (d.expected ?? 0) - (d.stored ?? 0) };
      }
      expect(Object.keys(missing).length).toBeGreaterThan(0);
      expect(missing).toEqual(
        metrics.contributionDelta(ledgerBefore?.applied ?? {}, await contributionOf(person.participantId)),
      );

      mock.restore();
      expect(await projectStreamRecords(projector(), records)).toEqual({ batchItemFailures: [] });
      expect(await differences()).toEqual([]);
      expect((await ledgerOf(person.participantId))?.rev).toBe(Number(ledgerBefore?.rev) + 1);
    },
  );

  it('keeps the ledger equal to what reached the buckets when a projection larger than one transaction fails halfway', async () => {
    const person = await enrolled('2024-08-26');
    // Present at a session every five weeks for twenty sessions: twenty months in five scopes each,
    // more buckets than one transaction moves.
    const schedule = await created(admin, '/v1/sessions/schedule', {
      programmeId: programme.id,
      groupId: group.id,
      kind: 'group-coaching',
      durationMinutes: 120,
      startDate: '2024-09-02',
      time: '09:00',
      phases: [{ frequency: 'weekly', interval: 5, count: 20 }],
    });
    for (const session of schedule.items as { id: string; version: number }[]) {
      const taken = await admin('PUT', `/v1/sessions/${session.id}/attendance`, {
        body: { records: [{ participantId: person.participantId, status: 'present' }] },
        headers: { 'If-Match': `"${session.version}"` },
      });
      expect(taken.status, JSON.stringify(taken.body)).toBe(200);
    }
    const contribution = await contributionOf(person.participantId);
    expect(Object.keys(contribution).length).toBeGreaterThan(100);
    const real = passThrough();
    let transactions = 0;
    // biome-ignore lint/suspicious/noExplicitAny: the document client's input, as sent
    mock.on(TransactWriteCommand).callsFake(async (input: any) => {
      transactions++;
      if (transactions === 2)
        throw new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} });
      return real(input);
    });
    const records = [record('201', 'attendance', person.participantId)];

    expect(await projectStreamRecords(projector(), records)).toEqual({
      batchItemFailures: [{ itemIdentifier: '201' }],
    });

    // The first transaction went through: the ledger holds what it applied to the buckets, no more.
    const ledger = await ledgerOf(person.participantId);
    expect(ledger?.rev).toBe(1);
    const applied = Object.keys(ledger?.applied ?? {}).length;
    expect(applied).toBeGreaterThan(0);
    expect(applied).toBeLessThan(Object.keys(contribution).length);
    const missing: Record<string, metrics.Counters> = {};
    for (const d of (await differences()).filter((d) => d.kind !== 'FIGURE')) {
      const ref = metrics.bucketRef(d.scope, d.kind as metrics.BucketKind, d.month);
      missing[ref] = { ...missing[ref], [d.name]: (d.expected ?? 0) - (d.stored ?? 0) };
    }
    expect(missing).toEqual(metrics.contributionDelta(ledger?.applied ?? {}, contribution));

    mock.restore();
    expect(await projectStreamRecords(projector(), records)).toEqual({ batchItemFailures: [] });
    expect(await differences()).toEqual([]);
    expect((await ledgerOf(person.participantId))?.applied).toEqual(contribution);
  });

  it('counts again when another projector moved the ledger meanwhile, and moves the buckets once', async () => {
    const person = await enrolled('2026-02-09');
    await metricsStore.projectParticipant(harness.db, tenantId, person.participantId, { now: NOW });
    await leavesForAJob(person, '2026-04-17');
    const real = passThrough();
    const cancelled: string[][] = [];
    let interleaved = false;
    // biome-ignore lint/suspicious/noExplicitAny: the document client's input, as sent
    mock.on(TransactWriteCommand).callsFake(async (input: any) => {
      if (!interleaved) {
        interleaved = true;
        // Between this projector's read and its write, another one (not faulted) moves the ledger.
        await metricsStore.projectParticipant(harness.db, tenantId, person.participantId, { now: NOW });
      }
      try {
        return await real(input);
      } catch (error) {
        cancelled.push(codesOf(error));
        throw error;
      }
    });

    const projection = await metricsStore.projectParticipant(projectorDb, tenantId, person.participantId, {
      now: NOW,
    });

    expect(cancelled.map((codes) => codes[0])).toEqual(['ConditionalCheckFailed']);
    expect(projection.buckets).toBe(0);
    const ledger = await ledgerOf(person.participantId);
    expect(ledger?.rev).toBe(2);
    expect(ledger?.applied).toEqual(await contributionOf(person.participantId));
    expect(await differences()).toEqual([]);
  });

  it('leaves ten projectors racing on one person with one move of the ledger and buckets equal to the recount', async () => {
    const person = await enrolled('2026-01-19');
    await metricsStore.projectParticipant(harness.db, tenantId, person.participantId, { now: NOW });
    await leavesForAJob(person, '2026-05-08');
    const revBefore = Number((await ledgerOf(person.participantId))?.rev);
    const real = passThrough();
    const cancelled: string[][] = [];
    let committed = 0;
    // biome-ignore lint/suspicious/noExplicitAny: the document client's input, as sent
    mock.on(TransactWriteCommand).callsFake(async (input: any) => {
      try {
        const output = await real(input);
        committed++;
        return output;
      } catch (error) {
        cancelled.push(codesOf(error));
        throw error;
      }
    });

    const projections = await Promise.all(
      Array.from({ length: 10 }, () =>
        metricsStore.projectParticipant(projectorDb, tenantId, person.participantId, { now: NOW }),
      ),
    );

    expect(committed).toBe(1);
    expect(projections.filter((p) => p.buckets > 0)).toHaveLength(1);
    expect(cancelled.length).toBeGreaterThan(0);
    for (const codes of cancelled)
      expect(['ConditionalCheckFailed', 'TransactionConflict']).toContain(codes[0]);
    const ledger = await ledgerOf(person.participantId);
    expect(ledger?.rev).toBe(revBefore + 1);
    expect(ledger?.applied).toEqual(await contributionOf(person.participantId));
    expect(await differences()).toEqual([]);
  });
});
