/**
 * Warm requests in process: each operation through the whole app (`app.request`: routing, token
 * check, validation, storage, serialization) against its baseline, the DynamoDB calls the same
 * request was seen to make, replayed on a client of their own. Writes start from the same table
 * state every time (see StateReset), API and raw runs alternate, and one request per operation
 * is sent with ReturnConsumedCapacity to price it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { App } from '@polku/api';
import {
  type Command,
  inputOf,
  type RecordedCall,
  recordingOf,
  replay,
  type Sent,
  StateReset,
  type Tracer,
} from './trace.ts';

export interface Operation {
  name: string;
  kind: 'read' | 'write';
  /** One of the five main reads and writes, which the goal is about. */
  main: boolean;
  method: string;
  path: string;
  token: string;
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
}

export interface Traced {
  doc: DynamoDBDocumentClient;
  tracer: Tracer;
}

export interface Capacity {
  reads: number;
  writes: number;
  calls: number;
}

export interface WarmResult {
  operation: Operation;
  recording: RecordedCall[];
  capacity: Capacity;
  api: number[];
  raw: number[];
  /** CPU time of this process per request (user + system), ms: what the API adds beyond the SDK's work. */
  apiCpu: number[];
  rawCpu: number[];
}

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/** Counts the capacity DynamoDB reports for every call while `on`; the client's reads and writes apart. */
export function capacityCounter(client: DynamoDBClient) {
  let on = false;
  let total: Capacity = { reads: 0, writes: 0, calls: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!on) return next(args);
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const reported = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      const read = READS.has(String(context.commandName).replace(/Command$/, ''));
      for (const entry of (Array.isArray(reported) ? reported : reported ? [reported] : []) as {
        CapacityUnits?: number;
        ReadCapacityUnits?: number;
        WriteCapacityUnits?: number;
      }[]) {
        const units = entry.CapacityUnits ?? 0;
        if (entry.ReadCapacityUnits !== undefined || entry.WriteCapacityUnits !== undefined) {
          total.reads += entry.ReadCapacityUnits ?? 0;
          total.writes += entry.WriteCapacityUnits ?? 0;
        } else if (read) total.reads += units;
        else total.writes += units;
      }
      total.calls += 1;
      return result;
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
  return {
    start: () => {
      on = true;
      total = { reads: 0, writes: 0, calls: 0 };
    },
    stop: (): Capacity => {
      on = false;
      return total;
    },
  };
}

export interface WarmSetup {
  app: App;
  api: Traced;
  raw: Traced;
  /** Untraced: snapshots and resets. */
  admin: DynamoDBDocumentClient;
  tableName: string;
  capacity: ReturnType<typeof capacityCounter>;
  warmup: number;
}

async function sendThroughApp(app: App, op: Operation): Promise<void> {
  const response = await app.request(op.path, {
    method: op.method,
    headers: {
      Authorization: `Bearer ${op.token}`,
      ...(op.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...op.headers,
    },
    ...(op.body === undefined ? {} : { body: JSON.stringify(op.body) }),
  });
  const body = await response.text();
  if (response.status !== op.status) throw new Error(`${op.name}: ${response.status} ${body}`);
}

/** The traced request with the fewest calls: a status-cache refresh (every 30 s) is not part of it. */
async function recordRequest(setup: WarmSetup, op: Operation, undo: (sent: Sent[]) => Promise<void>) {
  const copies = new Map<Command, Record<string, unknown>>();
  setup.api.tracer.before = async (command) => {
    copies.set(command, structuredClone(inputOf(command)));
  };
  const recordings: RecordedCall[][] = [];
  for (let i = 0; i < 2; i++) {
    await sendThroughApp(setup.app, op);
    const sent = setup.api.tracer.take();
    recordings.push(recordingOf(sent, copies));
    await undo(sent);
  }
  setup.api.tracer.before = undefined;
  return recordings.sort((a, b) => a.length - b.length)[0]!;
}

/** An operation made ready to time: the items it writes snapshotted, warmed up, recorded and priced. */
export interface PreparedOperation {
  operation: Operation;
  recording: RecordedCall[];
  capacity: Capacity;
  /** One request through the app; `undo` puts the table back. */
  api: () => Promise<void>;
  /** The recorded calls on the raw client. */
  raw: () => Promise<void>;
  undoApi: () => Promise<void>;
  undoRaw: () => Promise<void>;
}

export async function prepareOperation(setup: WarmSetup, op: Operation): Promise<PreparedOperation> {
  const { app, api, raw } = setup;
  const reset = new StateReset(setup.admin, setup.tableName);
  let lastApi: Sent[] = [];
  const undoApi = async () => {
    lastApi = api.tracer.take();
    await reset.undo(lastApi);
  };
  const undoRaw = () => reset.undo(raw.tracer.take());
  // A read's only writes are its audit events, new ids every time: nothing to put back.
  const undoAfterRead = async () => {
    lastApi = api.tracer.take();
    raw.tracer.take();
  };

  // The first request snapshots every item it writes, before writing it: what each undo restores.
  api.tracer.before = (command) => reset.snapshot(command);
  await sendThroughApp(app, op);
  api.tracer.before = undefined;
  await undoApi();
  for (let i = 0; i < setup.warmup; i++) {
    await sendThroughApp(app, op);
    await undoApi();
  }
  const recording = await recordRequest(setup, op, (sent) => reset.undo(sent));
  for (let i = 0; i < setup.warmup; i++) {
    await replay(raw.doc, recording);
    await undoRaw();
  }

  setup.capacity.start();
  await sendThroughApp(app, op);
  const counted = setup.capacity.stop();
  await undoApi();
  return {
    operation: op,
    recording,
    capacity: { ...counted, calls: lastApi.length },
    api: () => sendThroughApp(app, op),
    raw: () => replay(raw.doc, recording),
    undoApi: op.kind === 'write' ? undoApi : undoAfterRead,
    undoRaw: op.kind === 'write' ? undoRaw : undoAfterRead,
  };
}

/** API and raw runs alternate, which goes first alternating too; only the request itself is timed. */
export async function timeOperation(prepared: PreparedOperation, iterations: number): Promise<WarmResult> {
  const times = { api: [] as number[], raw: [] as number[] };
  const cpu = { api: [] as number[], raw: [] as number[] };
  const timed = async (side: 'api' | 'raw') => {
    const used = process.cpuUsage();
    const t = performance.now();
    await prepared[side]();
    times[side].push(performance.now() - t);
    const { user, system } = process.cpuUsage(used);
    cpu[side].push((user + system) / 1000);
    await (side === 'api' ? prepared.undoApi() : prepared.undoRaw());
  };
  for (let i = 0; i < iterations; i++) {
    const order = i % 2 === 0 ? (['api', 'raw'] as const) : (['raw', 'api'] as const);
    for (const side of order) await timed(side);
  }
  return {
    operation: prepared.operation,
    recording: prepared.recording,
    capacity: prepared.capacity,
    api: times.api,
    raw: times.raw,
    apiCpu: cpu.api,
    rawCpu: cpu.raw,
  };
}
