/**
 * Faults injected below the API with aws-sdk-client-mock: every command goes to DynamoDB Local
 * except the armed fault's. Throttling, a cancelled transaction, a timeout, a 500, and a timeout
 * after the write landed.
 */
import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import type { Harness } from './harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: the stub's generic types are not needed here
export type Stub = AwsStub<any, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: each command class takes its own input type
export type CommandClass = new (input: any) => any;

export const WRITES: readonly CommandClass[] = [
  PutCommand,
  UpdateCommand,
  DeleteCommand,
  TransactWriteCommand,
  BatchWriteCommand,
];
export const READS: readonly CommandClass[] = [GetCommand, QueryCommand, BatchGetCommand, ScanCommand];

// ---- the faults

export interface Fault {
  name: string;
  /** The error DynamoDB (or the SDK) answers the command with. */
  // biome-ignore lint/suspicious/noExplicitAny: the command's input
  error(command: CommandClass, input: any): Error;
  /** The write reached the table before the error (a timeout after DynamoDB applied it). */
  landed?: boolean;
}

const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
export const timeout = () =>
  Object.assign(new Error('Connection timed out after 3000 ms'), { name: 'TimeoutError', $metadata: {} });

export const FAULTS: readonly Fault[] = [
  {
    name: 'throttling',
    error: (command) =>
      command === TransactWriteCommand
        ? new ThrottlingException({
            message: 'Rate of requests exceeds the allowed throughput',
            ...metadata(400),
          })
        : new ProvisionedThroughputExceededException({ message: 'Rate exceeded', ...metadata(400) }),
  },
  {
    name: 'a conflicting transaction',
    // A transaction is cancelled (no condition failed); a single-item write meets the other
    // transaction as TransactionConflictException.
    error: (command, input) =>
      command === TransactWriteCommand
        ? new TransactionCanceledException({
            message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
            ...metadata(400),
            CancellationReasons: input.TransactItems.map((_: unknown, i: number) => ({
              Code: i === 0 ? 'TransactionConflict' : 'None',
            })),
          })
        : new TransactionConflictException({
            message: 'Transaction is ongoing for the item',
            ...metadata(400),
          }),
  },
  { name: 'a timeout', error: timeout },
  {
    name: 'a 500',
    error: () => new InternalServerError({ message: 'Internal server error', ...metadata(500) }),
  },
];

/** A timeout the client saw after DynamoDB had applied the write: a retry must not apply it twice. */
export const LANDED_TIMEOUT: Fault = {
  name: 'a timeout after the write landed',
  error: timeout,
  landed: true,
};

// ---- injecting them into one harness's client

export interface Armed {
  fault?: Fault | undefined;
  /** Writes (reads, for a route that writes nothing) before the first to fail. */
  at: number;
  onWrites: boolean;
  seen: number;
  injected: number;
}

/** Sends every command to DynamoDB Local, except the armed fault's. */
export function injector(harness: Harness) {
  const real = harness.db.doc.send.bind(harness.db.doc) as (command: unknown) => Promise<unknown>;
  const stub: Stub = mockClient(harness.db.doc);
  let armed: Armed | undefined;
  for (const Command of [...WRITES, ...READS]) {
    const isWrite = WRITES.includes(Command);
    // biome-ignore lint/suspicious/noExplicitAny: each command class takes its own input type
    stub.on(Command as any).callsFake(async (input: any) => {
      if (!armed || armed.onWrites !== isWrite || armed.seen++ < armed.at || !armed.fault)
        return real(new Command(input));
      armed.injected++;
      if (armed.fault.landed) await real(new Command(input));
      throw armed.fault.error(Command, input);
    });
  }
  return {
    arm(fault: Fault | undefined, at: number, onWrites: boolean): Armed {
      armed = { fault, at, onWrites, seen: 0, injected: 0 };
      return armed;
    },
    disarm: () => {
      armed = undefined;
    },
    restore: () => stub.restore(),
  };
}
