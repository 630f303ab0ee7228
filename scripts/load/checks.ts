/**
 * After the load: the records the table holds, by type and tenant, against those the API said it
 * created; and each tenant's metrics against a recount from the raw records. A Scan is fine here:
 * this is an offline check of a table the script made and owns, never a request path.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '@polku/storage';
import { type Reconciliation, reconcileTenant } from '../../functions/api/src/metrics/reconcile.ts';
import { COUNTED_ENTITIES, type CountedEntity, type Ledger, type Tenant } from './world.ts';

export interface RecordCount {
  entity: CountedEntity;
  created: number;
  stored: number;
  /** Ids answered with a 201 that the table does not hold, and held ids never answered. */
  missing: string[];
  extra: string[];
}

/** The ids of every counted record, by type and tenant (the tenant from the partition key). */
async function storedIds(db: Db): Promise<Map<CountedEntity, Map<string, Set<string>>>> {
  const counted = new Set<string>(COUNTED_ENTITIES);
  const stored = new Map<CountedEntity, Map<string, Set<string>>>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.doc.send(
      new ScanCommand({
        TableName: db.tableName,
        ExclusiveStartKey,
        ProjectionExpression: 'PK, entity, id, sessionId, participantId',
      }),
    );
    for (const item of page.Items ?? []) {
      const entity = String(item.entity);
      if (!counted.has(entity)) continue;
      const tenantId = String(item.PK).split('#')[1] ?? '';
      const id = entity === 'attendance' ? `${item.sessionId}|${item.participantId}` : String(item.id);
      const byTenant = stored.get(entity as CountedEntity) ?? new Map<string, Set<string>>();
      stored.set(entity as CountedEntity, byTenant);
      const ids = byTenant.get(tenantId) ?? new Set<string>();
      byTenant.set(tenantId, ids);
      ids.add(id);
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return stored;
}

export async function countRecords(
  db: Db,
  ledger: Ledger,
  tenants: readonly Tenant[],
): Promise<RecordCount[]> {
  const stored = await storedIds(db);
  return COUNTED_ENTITIES.map((entity) => {
    const missing: string[] = [];
    const extra: string[] = [];
    let storedCount = 0;
    let createdIds = 0;
    for (const tenant of tenants) {
      const created = ledger.idsOf(entity, tenant.id);
      const held = stored.get(entity)?.get(tenant.id) ?? new Set<string>();
      createdIds += created.size;
      storedCount += held.size;
      for (const id of created) if (!held.has(id)) missing.push(id);
      for (const id of held) if (!created.has(id)) extra.push(id);
    }
    // Attendance is written by PUT (200): a record per person and session marked, whatever the retakes.
    const created = entity === 'attendance' ? createdIds : (ledger.responses.get(entity) ?? 0);
    return { entity, created, stored: storedCount, missing, extra };
  });
}

export async function reconcile(
  db: Db,
  tenants: readonly Tenant[],
  now: Date,
): Promise<{ results: Reconciliation[]; failures: string[] }> {
  const results: Reconciliation[] = [];
  const failures: string[] = [];
  // A few tenants at a time: each recount reads every participant's records, several at once.
  const queue = [...tenants];
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      try {
        results.push(await reconcileTenant(db, t.id, now));
      } catch (error) {
        failures.push(
          `tenant ${t.id}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return { results, failures };
}
