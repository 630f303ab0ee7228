/**
 * The retention job over every tenant of a region (or one): the jobs Lambda runs it nightly, and
 * `pnpm retention` by hand. It logs counts per tenant, never ids.
 */
import { type Db, type RetentionRun, runRetention } from '@polku/storage';
import { tenantIdsOf } from './metrics/reconcile.ts';

export interface RetentionJobOptions {
  now: Date;
  dryRun?: boolean;
  tenantId?: string | undefined;
  /** Start no erasure after this time (epoch ms). */
  deadline?: number;
  log: (entry: Record<string, unknown>) => void;
}

export interface RetentionJobResult {
  job: 'retention';
  dryRun: boolean;
  tenants: number;
  due: number;
  erased: number;
  resumed: number;
  /** Whether any tenant has more due than this run reached: the next run goes on. */
  more: boolean;
  runs: RetentionRun[];
}

export async function retentionJob(db: Db, options: RetentionJobOptions): Promise<RetentionJobResult> {
  const tenants = options.tenantId ? [options.tenantId] : await tenantIdsOf(db);
  const runs: RetentionRun[] = [];
  for (const tenantId of tenants) {
    const run = await runRetention(db, tenantId, options);
    runs.push(run);
    const { due, erased, stillActive, resumed, more, retentionYears, asOf } = run;
    options.log({
      level: 'info',
      msg: options.dryRun ? 'retention: due (dry run)' : 'retention: erased the people due',
      tenantId,
      asOf,
      retentionYears,
      due: due.length,
      erased,
      stillActive,
      resumed,
      more,
    });
  }
  const total = (count: (run: RetentionRun) => number) => runs.reduce((sum, run) => sum + count(run), 0);
  return {
    job: 'retention',
    dryRun: options.dryRun === true,
    tenants: runs.length,
    due: total((run) => run.due.length),
    erased: total((run) => run.erased),
    resumed: total((run) => run.resumed),
    more: runs.some((run) => run.more),
    runs,
  };
}
