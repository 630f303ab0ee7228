/**
 * Faults injected below the API with aws-sdk-client-mock (every other call goes to DynamoDB Local):
 * the API answers 503 with Retry-After, leaves nothing half-written, and a retried request with the
 * same Idempotency-Key completes exactly once.
 */
import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { created, participantBody, smallGroupProgramme } from './support/fixtures.ts';
import { type Caller, createHarness, createTestTenant, type Harness } from './support/harness.ts';

let harness: Harness;
let coach: Caller;
let admin: Caller;
// biome-ignore lint/suspicious/noExplicitAny: the stub's generic types are not needed here
let mock: AwsStub<any, any, any>;

const COMMANDS = [GetCommand, PutCommand, UpdateCommand, DeleteCommand, QueryCommand, TransactWriteCommand];

/** Sends every command to DynamoDB Local, except what a test overrides. */
function passThrough() {
  const real = harness.db.doc.send.bind(harness.db.doc) as (command: unknown) => Promise<unknown>;
  mock = mockClient(harness.db.doc);
  for (const Command of COMMANDS) {
    // biome-ignore lint/suspicious/noExplicitAny: each command class takes its own input type
    mock.on(Command as any).callsFake((input: any) => real(new (Command as any)(input)));
  }
  return real;
}

beforeAll(async () => {
  // Faults go into the one client every request uses.
  harness = await createHarness({ scoped: false });
  const tenant = await createTestTenant(harness);
  coach = tenant.as('coach');
  admin = tenant.as('tenant_admin');
  await coach('GET', '/v1/participants');
  await admin('GET', '/v1/organisations');
});

afterEach(() => mock?.restore());

const throttled = () =>
  new ProvisionedThroughputExceededException({
    message: 'Rate exceeded',
    $metadata: { httpStatusCode: 400 },
  });

describe('when DynamoDB fails', () => {
  it('answers a throttled write with 503 and Retry-After, and writes nothing', async () => {
    passThrough();
    mock.on(PutCommand).rejects(throttled());
    const response = await admin('POST', '/v1/organisations', {
      body: { name: 'Riveria', kind: 'education-provider' },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    mock.restore();
    expect((await admin('GET', '/v1/organisations')).body.items).toHaveLength(0);
  });

  it('answers a read timeout with 503', async () => {
    passThrough();
    const timeout = Object.assign(new Error('socket timed out'), { name: 'TimeoutError' });
    mock.on(QueryCommand).rejects(timeout);
    const response = await coach('GET', '/v1/participants');
    expect(response.status).toBe(503);
  });

  it('retries a transaction cancelled by a conflicting one, and succeeds once', async () => {
    const { programme } = await smallGroupProgramme(admin);
    const group = await created(coach, `/v1/programmes/${programme.id}/groups`, { name: 'Contended' });
    const participant = await created(coach, '/v1/participants', participantBody());
    const real = passThrough();
    const conflict = new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
    });
    mock
      .on(TransactWriteCommand)
      .rejectsOnce(conflict)
      // biome-ignore lint/suspicious/noExplicitAny: pass-through input
      .callsFake((input: any) => real(new TransactWriteCommand(input)));
    const response = await coach('POST', '/v1/enrolments', {
      body: {
        participantId: participant.id,
        programmeId: programme.id,
        groupId: group.id,
        coachId: 'c',
        stage: 'active',
      },
    });
    expect(response.status).toBe(201);
    mock.restore();
    const seats = (await coach('GET', `/v1/programmes/${programme.id}/groups/${group.id}`)).body.seatsTaken;
    expect(seats).toBe(1);
  });

  it('leaves no half-written enrolment or seat when the transaction fails, and a retry with the key completes once', async () => {
    const { programme } = await smallGroupProgramme(admin);
    const group = await created(coach, `/v1/programmes/${programme.id}/groups`, { name: 'Faulty' });
    const participant = await created(coach, '/v1/participants', participantBody());
    const body = {
      participantId: participant.id,
      programmeId: programme.id,
      groupId: group.id,
      coachId: 'c',
      stage: 'active',
    };
    const headers = { 'Idempotency-Key': 'enrol-once' };
    passThrough();
    mock
      .on(TransactWriteCommand)
      .rejects(new InternalServerError({ message: 'boom', $metadata: { httpStatusCode: 500 } }));
    const failed = await coach('POST', '/v1/enrolments', { body, headers });
    expect(failed.status).toBe(503);
    mock.restore();
    expect((await coach('GET', `/v1/enrolments?participantId=${participant.id}`)).body.items).toHaveLength(0);
    expect((await coach('GET', `/v1/programmes/${programme.id}/groups/${group.id}`)).body.seatsTaken).toBe(0);

    const retried = await coach('POST', '/v1/enrolments', { body, headers });
    const again = await coach('POST', '/v1/enrolments', { body, headers });
    expect(retried.status).toBe(201);
    expect(again.body).toEqual(retried.body);
    expect((await coach('GET', `/v1/enrolments?participantId=${participant.id}`)).body.items).toHaveLength(1);
    expect((await coach('GET', `/v1/programmes/${programme.id}/groups/${group.id}`)).body.seatsTaken).toBe(1);
  });
});

describe('concurrency', () => {
  it('lets one of many concurrent updates with the same If-Match win; the rest get 412', async () => {
    const organisation = await created(admin, '/v1/organisations', { name: 'Contested', kind: 'ngo' });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        admin('PATCH', `/v1/organisations/${organisation.id}`, {
          body: { municipality: `Town ${i}` },
          headers: { 'If-Match': '"1"' },
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
  });

  it('creates one record for many concurrent POSTs with one Idempotency-Key', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        admin('POST', '/v1/organisations', {
          body: { name: 'Once only', kind: 'ngo' },
          headers: { 'Idempotency-Key': 'concurrent-create' },
        }),
      ),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const all = (await admin('GET', '/v1/organisations?limit=100')).body.items;
    expect(all.filter((o: { name: string }) => o.name === 'Once only')).toHaveLength(1);
  });
});
