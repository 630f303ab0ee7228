/**
 * `pnpm metrics:reconcile [--tenant <id>] [--project-all]`: recounts the metrics from the raw records
 * and compares them with the stored buckets, on the stack `pnpm dev` runs, or with
 * `--table <name> [--region r]` on a deployed table. Exits 1 when anything differs. `--project-all`
 * first projects every participant: the backfill for records written before the projector ran.
 */
import { parseArgs } from 'node:util';
import { findTenant } from '@polku/storage';
import {
  projectEveryone,
  type Reconciliation,
  reconcileTenant,
  tenantIdsOf,
} from '../functions/api/src/metrics/reconcile.ts';
import { STACK_OPTIONS, stackDb } from './stack-db.ts';

const PRINTED_DIFFERENCES = 50;

const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    'project-all': { type: 'boolean', default: false },
    ...STACK_OPTIONS,
  },
});

function fail(message: string): never {
  process.stderr.write(`pnpm metrics:reconcile: ${message}\n`);
  process.exit(2);
}

const { db, where } = await stackDb(values, fail);

let results: Reconciliation[];
try {
  const now = new Date();
  if (values.tenant && !(await findTenant(db, values.tenant))) fail(`no tenant ${values.tenant} in ${where}`);
  const tenants = values.tenant ? [values.tenant] : await tenantIdsOf(db);
  if (values['project-all']) {
    // The backfill: project every participant first (idempotent), then recount.
    for (const tenantId of tenants) {
      process.stdout.write(
        `tenant ${tenantId}  projected ${await projectEveryone(db, tenantId, now)} participants\n`,
      );
    }
  }
  results = [];
  for (const tenantId of tenants) results.push(await reconcileTenant(db, tenantId, now));
} catch (error) {
  fail(`reconciling ${where} failed: ${error instanceof Error ? error.message : String(error)}`);
}

const out = (line: string) => process.stdout.write(`${line}\n`);
for (const { tenantId, participants, scopes, buckets, differences } of results) {
  out(
    `tenant ${tenantId}  participants ${participants}  scopes ${scopes}  buckets ${buckets}  differences ${differences.length}`,
  );
  for (const d of differences.slice(0, PRINTED_DIFFERENCES)) {
    out(`  ${d.scope} ${d.kind} ${d.month} ${d.name}: expected ${d.expected}, stored ${d.stored}`);
  }
  if (differences.length > PRINTED_DIFFERENCES)
    out(`  … and ${differences.length - PRINTED_DIFFERENCES} more`);
}
const differing = results.filter((result) => result.differences.length > 0).length;
out(
  differing === 0
    ? `${results.length} tenant(s) reconciled in ${where}: no differences`
    : `${differing} of ${results.length} tenant(s) in ${where} have metrics that differ from a recount`,
);
db.doc.destroy();
process.exitCode = differing === 0 ? 0 : 1;
