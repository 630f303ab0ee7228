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
  /** Erasures that failed, and tenants whose run failed: logged, tried again next run. */
  failed: number;
  failedTenants: number;
  runs: RetentionRun[];
}

const nameOf = (error: unknown) => (error instanceof Error ? error.name : 'unknown');

export async function retentionJob(db: Db, options: RetentionJobOptions): Promise<RetentionJobResult> {
  const tenants = options.tenantId ? [options.tenantId] : await tenantIdsOf(db);
  const runs: RetentionRun[] = [];
  let failedTenants = 0;
  for (const tenantId of tenants) {
    // A failing erasure is logged by its error's name only (its message may name ids); the tenant
    // admin sees it unfinished in GET /v1/erasures, and the next run tries again.
    const onFailure = (_: string, error: unknown) =>
      options.log({ level: 'error', msg: 'retention: an erasure failed', tenantId, error: nameOf(error) });
    let run: RetentionRun;
    try {
      run = await runRetention(db, tenantId, { ...options, onFailure });
    } catch (error) {
      // One tenant's failure (its settings unreadable, a 503) must not stop the others.
      failedTenants++;
      options.log({ level: 'error', msg: 'retention: the tenant failed', tenantId, error: nameOf(error) });
      continue;
    }
    runs.push(run);
    const { due, erased, stillActive, resumed, failed, more, retentionYears, asOf } = run;
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
      failed,
      more,
    });
  }
  const total = (count: (run: RetentionRun) => number) => runs.reduce((sum, run) => sum + count(run), 0);
  return {
    job: 'retention',
    dryRun: options.dryRun === true,
    tenants: tenants.length,
    failedTenants,
    failed: total((run) => run.failed),
    due: total((run) => run.due.length),
    erased: total((run) => run.erased),
    resumed: total((run) => run.resumed),
    more: runs.some((run) => run.more),
    runs,
  };
}
