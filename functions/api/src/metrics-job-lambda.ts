/**
 * The metrics jobs' Lambda entry, run by EventBridge schedules: `{ job: 'due' }` every few minutes
 * projects the participants whose figures change by time; `{ job: 'reconcile' }` daily recounts every
 * tenant and logs each difference it finds (scope ids and counts, never personal data);
 * `{ job: 'retention' }` nightly erases the people whose tenant's retention period has run out
 * (`dryRun: true` only counts them).
 */
import { createDb } from '@polku/storage';
import { jsonLogger } from './config.ts';
import { dataKeysFromEnv } from './kms-key-wrapper.ts';
import { projectEveryone, reconcileAll, tenantIdsOf } from './metrics/reconcile.ts';
import { runDueProjections } from './metrics/stream.ts';
import { type RetentionJobResult, retentionJob } from './retention-job.ts';

/** How many of a tenant's differences one log line carries; the count is always whole. */
const LOGGED_DIFFERENCES = 20;

export type MetricsJob =
  | { job: 'due' }
  | { job: 'reconcile' }
  | { job: 'project-all'; tenantId?: string }
  | { job: 'retention'; dryRun?: boolean; tenantId?: string };

export type MetricsJobResult =
  | { job: 'due'; projected: number; failed: number }
  | { job: 'reconcile'; tenants: number; participants: number; buckets: number; differences: number }
  | { job: 'project-all'; tenants: number; participants: number }
  | Omit<RetentionJobResult, 'runs'>;

/** A retention run starts no erasure in its last minute: the Lambda ends within its timeout. */
const RETENTION_MARGIN_MS = 60_000;

const log = jsonLogger();
const tableName = process.env.POLKU_TABLE_NAME;
if (!tableName) throw new Error('environment variable POLKU_TABLE_NAME is not set');
const db = createDb({
  tableName,
  endpoint: process.env.POLKU_DYNAMODB_ENDPOINT,
  dataKeys: dataKeysFromEnv(),
});

async function reconcile(now: Date): Promise<MetricsJobResult> {
  const results = await reconcileAll(db, now);
  for (const { tenantId, participants, buckets, differences } of results) {
    log({
      level: 'info',
      msg: 'metrics reconciled',
      tenantId,
      participants,
      buckets,
      differences: differences.length,
    });
    if (differences.length > 0) {
      log({
        level: 'error',
        msg: 'metrics differ from a recount',
        tenantId,
        count: differences.length,
        differences: differences.slice(0, LOGGED_DIFFERENCES),
      });
    }
  }
  const total = (count: (r: (typeof results)[number]) => number) =>
    results.reduce((sum, r) => sum + count(r), 0);
  return {
    job: 'reconcile',
    tenants: results.length,
    participants: total((r) => r.participants),
    buckets: total((r) => r.buckets),
    differences: total((r) => r.differences.length),
  };
}

export const handler = async (
  event: MetricsJob,
  context?: { getRemainingTimeInMillis(): number },
): Promise<MetricsJobResult> => {
  switch (event?.job) {
    case 'due':
      return { job: 'due', ...(await runDueProjections({ db, now: () => new Date(), log })) };
    case 'reconcile':
      return reconcile(new Date());
    case 'project-all': {
      // The backfill an operator runs by hand (aws lambda invoke): after a first deploy over
      // existing data, or when the stream's 24 hours were lost.
      const tenants = event.tenantId ? [event.tenantId] : await tenantIdsOf(db);
      let participants = 0;
      for (const tenantId of tenants) {
        const projected = await projectEveryone(db, tenantId, new Date());
        log({
          level: 'info',
          msg: 'metrics: every participant projected',
          tenantId,
          participants: projected,
        });
        participants += projected;
      }
      return { job: 'project-all', tenants: tenants.length, participants };
    }
    case 'retention': {
      const remaining = context?.getRemainingTimeInMillis() ?? 15 * 60_000;
      const { runs: _, ...result } = await retentionJob(db, {
        now: new Date(),
        dryRun: event.dryRun === true,
        tenantId: event.tenantId,
        deadline: Date.now() + remaining - RETENTION_MARGIN_MS,
        log,
      });
      return result;
    }
    default:
      throw new Error(
        `unknown metrics job ${JSON.stringify(event)}: expected { "job": "due" }, { "job": "reconcile" }, { "job": "project-all" } or { "job": "retention" }`,
      );
  }
};
