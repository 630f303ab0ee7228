/**
 * `pnpm retention [--dry-run] [--tenant <id>] [--as-of YYYY-MM-DD]`: erases the people whose
 * tenant's retention period has run out, as the nightly job in AWS does, on the stack `pnpm dev`
 * runs (or with `--table <name> [--region r]` on a deployed table). `--dry-run` lists who is due
 * and erases nobody; `--as-of` runs as on another day.
 */
import { parseArgs } from 'node:util';
import { dayOf } from '@polku/domain';
import { findTenant } from '@polku/storage';
import { retentionJob } from '../functions/api/src/retention-job.ts';
import { STACK_OPTIONS, stackDb } from './stack-db.ts';

const { values } = parseArgs({
  options: {
    'dry-run': { type: 'boolean', default: false },
    tenant: { type: 'string' },
    'as-of': { type: 'string' },
    ...STACK_OPTIONS,
  },
});

function fail(message: string): never {
  process.stderr.write(`pnpm retention: ${message}\n`);
  process.exit(2);
}

const asOf = values['as-of'];
if (asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(asOf)) fail(`--as-of ${asOf} is not a date YYYY-MM-DD`);
const now = asOf ? new Date(`${asOf}T12:00:00Z`) : new Date();
if (Number.isNaN(now.getTime())) fail(`--as-of ${asOf} is not a date`);
// Erasing as on a later day erases people not yet due: only a dry run may look ahead.
if (asOf && asOf > dayOf(new Date()) && !values['dry-run'])
  fail(`--as-of ${asOf} is in the future: add --dry-run to see who would be due then`);

const { db, where } = await stackDb(values, fail);
const dryRun = values['dry-run'];
try {
  if (values.tenant && !(await findTenant(db, values.tenant))) fail(`no tenant ${values.tenant} in ${where}`);
  const errors = (entry: Record<string, unknown>) => {
    if (entry.level === 'error') process.stderr.write(`${JSON.stringify(entry)}\n`);
  };
  const result = await retentionJob(db, { now, dryRun, tenantId: values.tenant, log: errors });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  for (const run of result.runs) {
    out(
      `tenant ${run.tenantId}  keeps ${run.retentionYears} years  due ${run.due.length}${run.more ? '+' : ''}` +
        (dryRun
          ? ''
          : `  erased ${run.erased}  still active ${run.stillActive}  resumed ${run.resumed}  failed ${run.failed}`),
    );
    if (dryRun)
      for (const due of run.due)
        out(`  ${due.participantId}  last active ${due.lastActiveOn}  due ${due.dueOn}`);
  }
  out(
    dryRun
      ? `${result.due} due on ${dayOf(now)} in ${result.tenants} tenant(s) of ${where} (dry run: nobody erased)`
      : `${result.erased} erased, ${result.resumed} unfinished erasure(s) completed, in ${result.tenants} tenant(s) of ${where}`,
  );
  if (result.more) out('more are due than one run takes: run it again');
  if (result.failed + result.failedTenants > 0) {
    out(
      `${result.failed} erasure(s) and ${result.failedTenants} tenant(s) failed: see above, and run it again`,
    );
    process.exitCode = 1;
  }
} catch (error) {
  fail(`retention on ${where} failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  db.doc.destroy();
}
