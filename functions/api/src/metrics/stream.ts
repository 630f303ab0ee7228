/**
 * Table stream records to metric projections, the same in the Lambda (a DynamoDB event source
 * filtered to the entities metrics count) and in `pnpm dev` (the poller on DynamoDB Local's
 * stream). Each record names the participant whose figures it may change; a programme moved to
 * another funding project names everyone enrolled in it. Each participant is projected once per
 * batch; a failure hands the records back to the stream, and projecting again is harmless.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type Db, metricsStore } from '@polku/storage';

/**
 * The entities whose changes can move a metric, or a person's last day of activity (consents and
 * network meetings: the retention clock).
 */
export const METRIC_SOURCE_ENTITIES = [
  'participant',
  'enrolment',
  'outcome',
  'attendance',
  'milestone',
  'referral',
  'programme',
  'consent',
  'network-meeting',
] as const;

export interface MetricsStreamRecord {
  eventName?: string | undefined;
  dynamodb?:
    | {
        SequenceNumber?: string | undefined;
        NewImage?: Record<string, AttributeValue> | undefined;
        OldImage?: Record<string, AttributeValue> | undefined;
      }
    | undefined;
}

export interface ProjectorConfig {
  db: Db;
  now: () => Date;
  log: (entry: Record<string, unknown>) => void;
}

const SOURCES = new Set<string>(METRIC_SOURCE_ENTITIES);
const CONCURRENCY = 8;

/** A string attribute of an image, read without converting the rest of it. */
const stringOf = (image: Record<string, AttributeValue> | undefined, name: string): string | undefined =>
  image?.[name]?.S;

/** Participants (`tenantId participantId`) a record may change the figures of. */
async function participantsTouchedBy(db: Db, record: MetricsStreamRecord): Promise<string[]> {
  const image = record.dynamodb?.NewImage ?? record.dynamodb?.OldImage;
  const entity = stringOf(image, 'entity');
  const tenantId = stringOf(image, 'tenantId');
  if (entity === undefined || !SOURCES.has(entity) || tenantId === undefined) return [];
  if (entity === 'participant') return [`${tenantId} ${stringOf(image, 'id')}`];
  if (entity === 'programme') {
    const before = record.dynamodb?.OldImage;
    const after = record.dynamodb?.NewImage;
    if (!before || !after || stringOf(before, 'fundingProjectId') === stringOf(after, 'fundingProjectId'))
      return [];
    const ids = await metricsStore.participantsOfProgramme(db, tenantId, String(stringOf(after, 'id')));
    return ids.map((id) => `${tenantId} ${id}`);
  }
  const participantId = stringOf(image, 'participantId');
  return participantId === undefined ? [] : [`${tenantId} ${participantId}`];
}

export async function projectStreamRecords(
  config: ProjectorConfig,
  records: readonly MetricsStreamRecord[],
): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  const recordsOf = new Map<string, string[]>();
  const failed = new Set<string>();
  for (const record of records) {
    const sequence = record.dynamodb?.SequenceNumber ?? '';
    try {
      for (const participant of await participantsTouchedBy(config.db, record)) {
        recordsOf.set(participant, [...(recordsOf.get(participant) ?? []), sequence]);
      }
    } catch (error) {
      failed.add(sequence);
      config.log({ level: 'error', msg: 'metrics: could not read a change', error: messageOf(error) });
    }
  }
  const queue = [...recordsOf.keys()];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [tenantId, participantId] = next.split(' ') as [string, string];
      try {
        await metricsStore.projectParticipant(config.db, tenantId, participantId, {
          now: config.now(),
          settle: true,
        });
      } catch (error) {
        for (const sequence of recordsOf.get(next) ?? []) failed.add(sequence);
        config.log({
          level: 'error',
          msg: 'metrics: projection failed; the stream retries it',
          tenantId,
          error: messageOf(error),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
}

/** Projects every participant whose figures are due to change by time (or to be counted again). */
export async function runDueProjections(
  config: ProjectorConfig,
): Promise<{ projected: number; failed: number }> {
  const now = config.now();
  const due = await metricsStore.dueLedgers(config.db, now);
  let failed = 0;
  const queue = [...due];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      try {
        await metricsStore.projectParticipant(config.db, next.tenantId, next.participantId, { now });
      } catch (error) {
        failed++;
        config.log({
          level: 'error',
          msg: 'metrics: due projection failed; retried next run',
          tenantId: next.tenantId,
          error: messageOf(error),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (due.length > 0)
    config.log({ level: 'info', msg: 'metrics: due projections', projected: due.length - failed, failed });
  return { projected: due.length - failed, failed };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
