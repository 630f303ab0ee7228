/**
 * The retention job: erases the people of a tenant whose retention period has run out, the same
 * way an admin's erasure does, and resumes erasures a failure cut short. Who is due comes from the
 * retention index (one key query a page); each is checked against their records before erasure,
 * as the index may lag a change by seconds and an erasure cannot be undone.
 */
import {
  DEFAULT_RETENTION_YEARS,
  dayOf,
  NotFoundError,
  retentionCutoff,
  retentionDueOn,
} from '@polku/domain';
import { keys } from '@polku/table';
import type { Db } from './db.ts';
import { RETENTION_ACTOR, runErasure, startErasure, unfinishedErasures } from './erasure.ts';
import type { Item } from './item.ts';
import { inactiveSince, lastActiveDayOf } from './metrics.ts';
import { getTenant } from './tenants.ts';
import { writeInBatches } from './write.ts';

/** At most this many erasures per tenant and run: the next run goes on with the rest. */
export const RETENTION_BATCH = 200;

export interface RetentionDue {
  participantId: string;
  lastActiveOn: string;
  dueOn: string;
}

export interface RetentionRun {
  tenantId: string;
  asOf: string;
  retentionYears: number;
  /** Due on `asOf`, at most `limit` of them, oldest activity first. */
  due: RetentionDue[];
  /** Whether more are due than were listed (or erased): the next run goes on. */
  more: boolean;
  erased: number;
  /** Due by the index, but active since by their records: left, and the index put right. */
  stillActive: number;
  /** Erasures cut short earlier and completed now. */
  resumed: number;
  /** People whose erasure failed this time (logged by the caller; the next run tries again). */
  failed: number;
}

export interface RetentionOptions {
  now: Date;
  /** List who is due; erase nobody. */
  dryRun?: boolean;
  limit?: number;
  /** Start no erasure after this time (epoch ms): a Lambda stops before its timeout. */
  deadline?: number;
  /** Told of each erasure that failed, with the error (ids only in the log, never personal data). */
  onFailure?: (participantId: string, error: unknown) => void;
  /** The erasures' wait before their second pass (default ERASURE_SETTLE_MS, as an admin's erasure). */
  settleMs?: number;
}

/** The people due for erasure on the day of `now`, at most `limit`, oldest activity first. */
export async function dueForErasure(
  db: Db,
  tenantId: string,
  asOf: string,
  retentionYears: number,
  page: { limit: number; startKey?: Item | undefined },
): Promise<{ items: RetentionDue[]; lastKey: Item | undefined }> {
  const result = await inactiveSince(db, tenantId, retentionCutoff(asOf, retentionYears), page);
  return {
    items: result.items.map((item) => ({
      ...item,
      dueOn: retentionDueOn(item.lastActiveOn, retentionYears),
    })),
    lastKey: result.lastKey,
  };
}

export async function runRetention(
  db: Db,
  tenantId: string,
  options: RetentionOptions,
): Promise<RetentionRun> {
  const { now } = options;
  const limit = options.limit ?? RETENTION_BATCH;
  const asOf = dayOf(now);
  const tenant = await getTenant(db, tenantId);
  const retentionYears = tenant.retentionYears ?? DEFAULT_RETENTION_YEARS;
  const { items: due, lastKey } = await dueForErasure(db, tenantId, asOf, retentionYears, { limit });
  const run: RetentionRun = {
    tenantId,
    asOf,
    retentionYears,
    due,
    more: lastKey !== undefined,
    erased: 0,
    stillActive: 0,
    resumed: 0,
    failed: 0,
  };
  if (options.dryRun) return run;
  const pastDeadline = () => {
    if (options.deadline === undefined || Date.now() <= options.deadline) return false;
    run.more = true;
    return true;
  };
  // One person's failure (a 503, a bug) must not stop everyone else's erasure: it is counted, told,
  // and tried again next run.
  const attempt = async (participantId: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      run.failed++;
      options.onFailure?.(participantId, error);
    }
  };

  for (const erasure of await unfinishedErasures(db, tenantId, limit)) {
    if (pastDeadline()) return run;
    await attempt(erasure.participantId, async () => {
      await runErasure(db, tenantId, erasure, now, options.settleMs);
      run.resumed++;
    });
  }
  const cutoff = retentionCutoff(asOf, retentionYears);
  const stale: string[] = [];
  for (const person of due) {
    if (pastDeadline()) break;
    await attempt(person.participantId, () => erasePerson(person.participantId));
  }
  await writeInBatches(
    db,
    stale.map((id) => ({ DeleteRequest: { Key: keys.retentionMarker(tenantId, id) } })),
  );
  return run;

  async function erasePerson(participantId: string): Promise<void> {
    const lastActiveOn = await lastActiveDayOf(db, tenantId, participantId);
    if (lastActiveOn === undefined) {
      // Gone, or being erased: the erasure deletes the entry; an entry left behind goes now.
      stale.push(participantId);
      return;
    }
    if (lastActiveOn > cutoff) {
      // Active since (the index lagged; it is put right by the read above).
      run.stillActive++;
      return;
    }
    try {
      const erasure = await startErasure(db, tenantId, participantId, {
        reason: `No activity since ${lastActiveOn}; the tenant keeps data ${retentionYears} years after the last.`,
        source: 'retention',
        actor: RETENTION_ACTOR,
        requestId: `retention-${asOf}`,
        now,
      });
      await runErasure(db, tenantId, erasure, now, options.settleMs);
      run.erased++;
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      stale.push(participantId);
    }
  }
}
