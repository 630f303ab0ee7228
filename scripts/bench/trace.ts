/**
 * The DynamoDB calls a request makes, found by watching its client rather than by reading the code:
 * every command sent is traced with when it started and ended, so a recorded request can be replayed
 * on another client with the same calls, inputs and overlap (what ran concurrently runs concurrently).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';

export type Command = Parameters<DynamoDBDocumentClient['send']>[0];
type CommandClass = new (input: unknown) => Command;
type Item = Record<string, unknown>;

export interface Sent {
  command: Command;
  started: number;
  ended: number;
}

/** One call of a recording: a copy of its input, taken before the SDK saw it. */
export interface RecordedCall {
  name: string;
  make: CommandClass;
  input: Item;
  /** Indexes of the calls that had finished before this one started: it waits for them. */
  after: number[];
}

export interface Tracer {
  /** The commands sent since the last call, in the order they were sent. */
  take(): Sent[];
  /** While set, runs before each command is sent (recording: copies, snapshots). */
  before: ((command: Command) => Promise<void>) | undefined;
}

/** Traces every command sent through the client. The same wrapper goes on the API's and the raw client. */
export function trace(doc: DynamoDBDocumentClient): Tracer {
  const send = doc.send.bind(doc) as (command: Command) => Promise<unknown>;
  const sent: Sent[] = [];
  const tracer: Tracer = {
    take: () => sent.splice(0),
    before: undefined,
  };
  (doc as unknown as { send: (command: Command) => Promise<unknown> }).send = async (command) => {
    const entry: Sent = { command, started: performance.now(), ended: Number.NaN };
    sent.push(entry);
    if (tracer.before) await tracer.before(command);
    try {
      return await send(command);
    } finally {
      entry.ended = performance.now();
    }
  };
  return tracer;
}

export const commandName = (command: Command) => command.constructor.name.replace(/Command$/, '');

export const inputOf = (command: Command) => (command as unknown as { input: Item }).input;

/** Turns one traced request into a recording; `copies` holds inputs copied before they were sent. */
export function recordingOf(sent: Sent[], copies: Map<Command, Item>): RecordedCall[] {
  return sent.map((call, i) => ({
    name: commandName(call.command),
    make: call.command.constructor as CommandClass,
    input: copies.get(call.command) ?? structuredClone(inputOf(call.command)),
    after: sent.flatMap((other, j) => (j < i && other.ended <= call.started ? [j] : [])),
  }));
}

/** Sends a recording's calls again, each as soon as the calls it waited for have finished. */
export async function replay(doc: DynamoDBDocumentClient, calls: RecordedCall[]): Promise<void> {
  const done: Promise<unknown>[] = [];
  for (const call of calls) {
    const send = () => doc.send(new call.make(call.input));
    done.push(call.after.length === 0 ? send() : Promise.all(call.after.map((j) => done[j])).then(send));
  }
  await Promise.all(done);
}

// ---------------------------------------------------------------------------------------------
// State reset: a write request is timed from the same table state every time, so its conditions
// (absent ids, expected versions, free seats) pass the same way in each iteration and in the replay.

const KEY = ['PK', 'SK'] as const;
const keyOf = (item: Item) => ({ PK: item.PK, SK: item.SK });
const keyString = (key: Item) => JSON.stringify(KEY.map((name) => key[name]));

/** The keys of the items a command writes; none for reads. */
export function writtenKeys(command: Command): Item[] {
  const input = inputOf(command);
  const name = commandName(command);
  if (name === 'Put') return [keyOf(input.Item as Item)];
  if (name === 'Update' || name === 'Delete') return [keyOf(input.Key as Item)];
  if (name === 'TransactWrite') {
    return (input.TransactItems as Item[]).flatMap((entry) => {
      const put = entry.Put as Item | undefined;
      const change = (entry.Update ?? entry.Delete) as Item | undefined;
      return put ? [keyOf(put.Item as Item)] : change ? [keyOf(change.Key as Item)] : [];
    });
  }
  if (name === 'BatchWrite') {
    return Object.values(input.RequestItems as Record<string, Item[]>).flatMap((requests) =>
      requests.map((request) =>
        request.PutRequest
          ? keyOf((request.PutRequest as Item).Item as Item)
          : keyOf((request.DeleteRequest as Item).Key as Item),
      ),
    );
  }
  return [];
}

/**
 * Remembers how the items a request writes looked before it first wrote them, and puts them back:
 * items that existed are restored, items that did not (new ids) are deleted.
 */
export class StateReset {
  private readonly before = new Map<string, Item | undefined>();

  constructor(
    private readonly admin: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Takes the snapshot of what the command is about to write, once per key. */
  async snapshot(command: Command): Promise<void> {
    for (const key of writtenKeys(command)) {
      const id = keyString(key);
      if (this.before.has(id)) continue;
      const { Item } = await this.admin.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      this.before.set(id, Item);
    }
  }

  /** Undoes what the traced commands wrote. */
  async undo(sent: Sent[]): Promise<void> {
    const keys = new Map(sent.flatMap((s) => writtenKeys(s.command)).map((key) => [keyString(key), key]));
    const requests = [...keys].map(([id, key]) => {
      const old = this.before.get(id);
      return old ? { PutRequest: { Item: old } } : { DeleteRequest: { Key: key } };
    });
    for (let i = 0; i < requests.length; i += 25) {
      let pending = requests.slice(i, i + 25);
      while (pending.length > 0) {
        const result = await this.admin.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        pending = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
      }
    }
  }
}
