/**
 * DynamoDB Local's table stream, read the way Lambda's event source reads the real one: every
 * shard from the newest record on, GetRecords about every 500 ms, batches handed to the same
 * function the Lambda runs. When the handler reports failures, the records from the first failed one
 * on are handed over again before anything newer (at most `maxRetries` times, as the event source's
 * retry attempts), then dropped with a log line. While someone waits in drain(), rounds follow each
 * other without the pause: a test waits for the records it wrote, not for the poll interval.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type ShardIteratorType,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';

export interface StreamPollerOptions {
  endpoint: string;
  tableName: string;
  /** Handles a batch; returns the sequence numbers that failed, as a Lambda's partial batch response. */
  onRecords: (records: _Record[]) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
  intervalMs?: number;
  maxRetries?: number;
  /** How long stop() waits for a batch in hand (deliveries may be waiting to retry). */
  stopTimeoutMs?: number;
  log?: (entry: Record<string, unknown>) => void;
}

export interface StreamPoller {
  /** Stops polling after the batch in hand; resolves when the loop has ended or stopTimeoutMs passed. */
  stop(): Promise<void>;
  /**
   * Resolves once a round of polls that began after the call found no new record and nothing to
   * hand over again: everything written before the call has been handled (tests wait on this).
   */
  drain(timeoutMs?: number): Promise<void>;
}

interface ShardCursor {
  iterator: string | undefined;
  /** Where to start when the iterator is lost: LATEST for shards open at start, else TRIM_HORIZON. */
  from: ShardIteratorType;
  /** The last record read, to read on after it if the iterator expires. */
  after: string | undefined;
  /** Records of a batch that failed, handed over again before anything newer. */
  pending: _Record[];
  retries: number;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Starts polling; resolves once every open shard has an iterator, so later writes are seen. */
export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const { tableName, onRecords, intervalMs = 500, maxRetries = 3, stopTimeoutMs = 2000 } = options;
  const log = options.log ?? (() => {});
  const clientConfig = { endpoint: options.endpoint, region: 'eu-north-1', credentials: LOCAL_CREDENTIALS };
  const dynamodb = new DynamoDBClient(clientConfig);
  const streams = new DynamoDBStreamsClient(clientConfig);
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  dynamodb.destroy();
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${tableName} has no stream`);

  const shards = new Map<string, ShardCursor>();
  /** Shards that ended: never read again. */
  const finished = new Set<string>();

  const iteratorOf = async (shardId: string, type: ShardIteratorType, after?: string) =>
    (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: after ? 'AFTER_SEQUENCE_NUMBER' : type,
          ...(after ? { SequenceNumber: after } : {}),
        }),
      )
    ).ShardIterator;

  /** Shards known at start are read from now on; shards that appear later from their start. */
  async function discoverShards(type: ShardIteratorType): Promise<void> {
    let start: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        const id = shard.ShardId!;
        if (shards.has(id) || finished.has(id)) continue;
        const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
        if (closed && type === 'LATEST') {
          finished.add(id);
          continue;
        }
        shards.set(id, {
          iterator: await iteratorOf(id, type),
          from: type,
          after: undefined,
          pending: [],
          retries: 0,
        });
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
  }

  /** Hands records over; false when some failed and will be handed over again. */
  async function handle(id: string, cursor: ShardCursor, records: _Record[]): Promise<boolean> {
    const { batchItemFailures } = await onRecords(records);
    const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
    const first = records.findIndex((record) => failed.has(record.dynamodb?.SequenceNumber ?? ''));
    if (first >= 0 && cursor.retries < maxRetries) {
      cursor.retries++;
      cursor.pending = records.slice(first);
      return false;
    }
    if (first >= 0) log({ level: 'error', msg: 'stream records dropped after retries', shardId: id });
    cursor.retries = 0;
    cursor.pending = [];
    return true;
  }

  /** Polls a shard once; returns how many records it handled (or has yet to). */
  async function pollShard(id: string, cursor: ShardCursor): Promise<number> {
    if (cursor.pending.length > 0 && !(await handle(id, cursor, cursor.pending)))
      return cursor.pending.length;
    const fresh = cursor.iterator === undefined;
    let result: GetRecordsCommandOutput;
    try {
      cursor.iterator ??= await iteratorOf(id, cursor.from, cursor.after);
      result = await streams.send(new GetRecordsCommand({ ShardIterator: cursor.iterator, Limit: 100 }));
    } catch (error) {
      if (error instanceof ExpiredIteratorException) {
        cursor.iterator = undefined;
        return 1;
      }
      if (!(error instanceof TrimmedDataAccessException)) throw error;
      // The iterator points before the oldest record kept: in AWS once records are 24 hours old, in
      // DynamoDB Local also (and from then on) when it was taken on an empty shard and another
      // table was written before this one. Read on after the last record read; if that is gone too,
      // or none was read, from the oldest record there.
      cursor.iterator = undefined;
      if (fresh || cursor.after === undefined) {
        if (cursor.after !== undefined)
          log({ level: 'warn', msg: 'stream records trimmed unread', shardId: id });
        cursor.after = undefined;
        cursor.from = 'TRIM_HORIZON';
      }
      return 1;
    }
    const records = result.Records ?? [];
    if (records.length > 0) {
      cursor.after = records[records.length - 1]!.dynamodb?.SequenceNumber;
      await handle(id, cursor, records);
    }
    cursor.iterator = result.NextShardIterator;
    if (!cursor.iterator && cursor.pending.length === 0) {
      shards.delete(id);
      finished.add(id);
    }
    return records.length + cursor.pending.length;
  }

  await discoverShards('LATEST');
  let stopped = false;
  let rounds = 0;
  let waiters: { after: number; resolve: () => void }[] = [];
  /** Ends the pause between rounds early (a drain began, or the poller stops). */
  let wake = () => {};
  const loop = (async () => {
    while (!stopped) {
      const round = ++rounds;
      let failed = false;
      try {
        // New shards open as old ones close; look for them now and then.
        if (round % 10 === 1 || shards.size === 0) await discoverShards('TRIM_HORIZON');
        const handled = await Promise.all([...shards].map(([id, cursor]) => pollShard(id, cursor)));
        if (handled.every((n) => n === 0)) {
          for (const waiter of waiters.filter((w) => w.after < round)) waiter.resolve();
          waiters = waiters.filter((w) => w.after >= round);
        }
      } catch (error) {
        failed = true;
        log({
          level: 'error',
          msg: 'stream poll failed; retrying',
          error: error instanceof Error ? error.message : String(error),
        });
      }
      if (!stopped && (waiters.length === 0 || failed)) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  })();

  return {
    drain(timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const waiter = {
          after: rounds,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`stream not drained within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
        wake();
      });
    },
    async stop() {
      stopped = true;
      wake();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([loop, new Promise((resolve) => (timer = setTimeout(resolve, stopTimeoutMs)))]);
      clearTimeout(timer);
      streams.destroy();
    },
  };
}
