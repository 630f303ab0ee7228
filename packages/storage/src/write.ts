/**
 * Writes as plans: a list of operations, each with its condition and the error to raise when the
 * condition fails. One operation goes as a plain conditional write; several, or one with an
 * idempotency record, go as one transaction so nothing is ever half-written.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DeleteCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, type ProblemError, ServiceUnavailableError } from '@polku/domain';
import type { Key } from '@polku/table';
import { backoff, UNPROCESSED_ATTEMPTS } from './backoff.ts';
import type { Db } from './db.ts';
import { translate } from './errors.ts';
import type { Item } from './item.ts';

type TransactWriteItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface Condition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

interface OpBase {
  condition?: Condition | undefined;
  /** The error when the condition fails; a generic 409 otherwise. */
  onConflict?: (() => Error) | undefined;
}

export type WriteOp =
  | (OpBase & { kind: 'put'; item: Item })
  | (OpBase & {
      kind: 'update';
      key: Key;
      update: string;
      names?: Record<string, string>;
      values?: Record<string, unknown>;
    })
  | (OpBase & { kind: 'delete'; key: Key })
  | (OpBase & { kind: 'check'; key: Key; condition: Condition });

export const conditions = {
  absent: (): Condition => ({ expression: 'attribute_not_exists(PK)' }),
  present: (): Condition => ({ expression: 'attribute_exists(PK)' }),
  version: (expected: number): Condition => ({
    expression: 'attribute_exists(PK) AND #version = :expectedVersion',
    names: { '#version': 'version' },
    values: { ':expectedVersion': expected },
  }),
};

/** Raised when the idempotency record already exists: another request with the key won. */
export class IdempotencyRecordExists extends Error {
  override name = 'IdempotencyRecordExists';
}

function conflictOf(op: WriteOp | undefined): Error {
  return op?.onConflict?.() ?? new ConflictError('conflict', 'The resource was changed by another request');
}

function toTransactItem(db: Db, op: WriteOp): TransactWriteItem {
  const condition = op.condition && {
    ConditionExpression: op.condition.expression,
    ...(op.condition.names ? { ExpressionAttributeNames: op.condition.names } : {}),
    ...(op.condition.values ? { ExpressionAttributeValues: op.condition.values } : {}),
  };
  switch (op.kind) {
    case 'put':
      return { Put: { TableName: db.tableName, Item: op.item, ...condition } };
    case 'delete':
      return { Delete: { TableName: db.tableName, Key: op.key, ...condition } };
    case 'check':
      return {
        ConditionCheck: {
          TableName: db.tableName,
          Key: op.key,
          ...condition,
          ConditionExpression: op.condition.expression,
        },
      };
    case 'update': {
      const names = { ...op.names, ...op.condition?.names };
      const values = { ...op.values, ...op.condition?.values };
      return {
        Update: {
          TableName: db.tableName,
          Key: op.key,
          UpdateExpression: op.update,
          ...(op.condition ? { ConditionExpression: op.condition.expression } : {}),
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
        },
      };
    }
  }
}

async function writeOne(db: Db, op: WriteOp): Promise<void> {
  const item = toTransactItem(db, op);
  if (item.Put) await db.doc.send(new PutCommand(item.Put));
  else if (item.Delete) await db.doc.send(new DeleteCommand(item.Delete));
  else if (item.Update) await db.doc.send(new UpdateCommand(item.Update));
  else throw new Error('a condition check needs a transaction');
}

const MAX_TRANSACTION_ITEMS = 100;
/** Attempts at a transaction that others keep cancelling, before the client is told to retry (503). */
const CONFLICT_ATTEMPTS = 4;

/** What a write records beside its own items, in the same transaction. */
export interface SideRecords {
  /** Audit events about the participants the write touched (unconditional puts of new ids). */
  audit?: Item[] | undefined;
  /** The idempotency record: written only if absent, last in the transaction. */
  idempotency?: Item | undefined;
}

/**
 * Writes a plan. Conditional failures become the operation's own error; an idempotency record
 * that already exists raises IdempotencyRecordExists.
 */
export async function commit(db: Db, ops: WriteOp[], records: SideRecords = {}): Promise<void> {
  const all: WriteOp[] = [...ops, ...(records.audit ?? []).map((item): WriteOp => ({ kind: 'put', item }))];
  if (records.idempotency) {
    all.push({
      kind: 'put',
      item: records.idempotency,
      // Absent, or expired and not yet deleted by TTL (which lags): then this request starts afresh.
      condition: {
        expression: 'attribute_not_exists(PK) OR #expiresAt <= :writtenAt',
        names: { '#expiresAt': 'expiresAt' },
        values: { ':writtenAt': Date.parse(String(records.idempotency.createdAt)) / 1000 },
      },
      onConflict: () => new IdempotencyRecordExists(),
    });
  }
  if (all.length === 0) return;
  if (all.length > MAX_TRANSACTION_ITEMS) throw new Error(`a plan of ${all.length} writes is too large`);
  try {
    if (all.length === 1 && all[0]!.kind !== 'check') {
      await writeOne(db, all[0]!);
      return;
    }
    await transactWithRetry(db, all);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw conflictOf(all[0]);
    translate(error);
  }
}

async function transactWithRetry(db: Db, ops: WriteOp[]): Promise<void> {
  const items = ops.map((op) => toTransactItem(db, op));
  const retry = backoff(CONFLICT_ATTEMPTS);
  for (;;) {
    try {
      await db.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failedAt = (i: number) => reasons[i]?.Code === 'ConditionalCheckFailed';
      // A concurrent request with the same Idempotency-Key won: replaying it beats any other conflict.
      const last = ops.length - 1;
      if (failedAt(last) && ops[last]?.onConflict?.() instanceof IdempotencyRecordExists) {
        throw new IdempotencyRecordExists();
      }
      const failed = reasons.findIndex((_, i) => failedAt(i));
      if (failed >= 0) throw conflictOf(ops[failed]) as ProblemError;
      const contended = reasons.some((reason) => reason.Code === 'TransactionConflict');
      if (contended && (await retry.wait())) continue;
      throw new ServiceUnavailableError('Another request is changing the same records; retry', 1, {
        cause: error,
      });
    }
  }
}

type WriteRequests = NonNullable<BatchWriteCommandInput['RequestItems']>[string];
const BATCH_SIZE = 25;

/**
 * Unconditional puts and deletes in BatchWriteItem calls of 25, run in parallel. What DynamoDB
 * leaves unprocessed under load is sent again after a backoff, each call with its own attempts;
 * when those are spent, 503.
 */
export async function writeInBatches(db: Db, requests: WriteRequests): Promise<void> {
  const batches: WriteRequests[] = [];
  for (let i = 0; i < requests.length; i += BATCH_SIZE) batches.push(requests.slice(i, i + BATCH_SIZE));
  await Promise.all(batches.map((batch) => writeBatch(db, batch)));
}

async function writeBatch(db: Db, batch: WriteRequests): Promise<void> {
  const retry = backoff(UNPROCESSED_ATTEMPTS);
  let pending = batch;
  for (;;) {
    const result = await db.doc.send(new BatchWriteCommand({ RequestItems: { [db.tableName]: pending } }));
    pending = result.UnprocessedItems?.[db.tableName] ?? [];
    if (pending.length === 0) return;
    if (!(await retry.wait())) throw new ServiceUnavailableError('The database is busy; retry shortly');
  }
}
