/**
 * The reconciliation: recount every metric of a tenant from the raw records and compare. Two
 * checks: every bucket against the sum of every participant's contribution recounted now (what
 * the projector should have applied), and every scope's figures over its whole history read off
 * the stored buckets against a recount by the definitions alone. Any difference is reported.
 */
import { metrics } from '@polku/domain';
import { type Db, listTenants, metricsStore, queryAll } from '@polku/storage';
import { collections } from '@polku/table';

export interface Difference {
  scope: string;
  kind: 'MONTH' | 'ESF' | 'FIGURE';
  month: string;
  name: string;
  expected: number | null;
  stored: number | null;
}

export interface Reconciliation {
  tenantId: string;
  asOf: string;
  participants: number;
  scopes: number;
  buckets: number;
  differences: Difference[];
}

export async function reconcileTenant(db: Db, tenantId: string, now: Date): Promise<Reconciliation> {
  const asOf = now.toISOString().slice(0, 10);
  const people: metrics.ParticipantFacts[] = [];
  await forEachParticipant(db, tenantId, async (participantId) => {
    const facts = await metricsStore.participantFacts(db, tenantId, participantId);
    if (facts) people.push(facts);
  });
  const all = ({ PK, prefix }: { PK: string; prefix: string }) =>
    queryAll(db, { partition: PK, prefix }, 1_000_000);
  const [programmeItems, projectItems, organisationItems] = await Promise.all([
    all(collections.programmes(tenantId)),
    all(collections.fundingProjects(tenantId)),
    all(collections.organisations(tenantId)),
  ]);
  const programmes = await metricsStore.programmesOf(
    db,
    tenantId,
    programmeItems.map((item) => String(item.id)),
  );
  const lookup = (id: string) => programmes.get(id);

  const expected = new Map<string, Map<string, metrics.Counters>>();
  for (const person of people) {
    for (const [ref, counters] of Object.entries(metrics.contributionOf(person, lookup, asOf).buckets)) {
      const { scope, kind, month } = metrics.parseBucketRef(ref);
      const months = expected.get(`${scope}|${kind}`) ?? new Map<string, metrics.Counters>();
      expected.set(`${scope}|${kind}`, months);
      months.set(month, metrics.addCounters({ ...(months.get(month) ?? {}) }, counters));
    }
  }

  const scopes = new Set<string>(['tenant']);
  for (const item of programmeItems) {
    scopes.add(metrics.scopeName('programme', String(item.id)));
    const groups = await queryAll(db, {
      partition: collections.groupsOfProgramme(tenantId, String(item.id)).PK,
      prefix: 'GROUP#',
    });
    for (const group of groups) scopes.add(metrics.scopeName('group', String(group.id)));
  }
  for (const item of projectItems) scopes.add(metrics.scopeName('funding-project', String(item.id)));
  for (const item of organisationItems) scopes.add(metrics.scopeName('organisation', String(item.id)));
  for (const key of expected.keys()) scopes.add(key.split('|')[0] as string);

  const differences: Difference[] = [];
  let buckets = 0;
  for (const scope of scopes) {
    const kinds: metrics.BucketKind[] = scope.startsWith('funding-project#') ? ['MONTH', 'ESF'] : ['MONTH'];
    for (const kind of kinds) {
      const stored = await metricsStore.allBuckets(db, tenantId, scope, kind);
      const wanted = expected.get(`${scope}|${kind}`) ?? new Map<string, metrics.Counters>();
      for (const month of new Set([...stored.keys(), ...wanted.keys()])) {
        buckets++;
        const have = stored.get(month) ?? {};
        const want = wanted.get(month) ?? {};
        for (const name of new Set([...Object.keys(have), ...Object.keys(want)])) {
          if ((have[name] ?? 0) !== (want[name] ?? 0)) {
            differences.push({
              scope,
              kind,
              month,
              name,
              expected: want[name] ?? 0,
              stored: have[name] ?? 0,
            });
          }
        }
      }
      if (kind !== 'MONTH' || stored.size === 0) continue;
      const months = [...stored.keys()].sort();
      const from = months[0] as string;
      const to = months.at(-1) as string;
      const read = metrics.figuresOf(stored, from, to).figures;
      const recount = metrics.recountFigures(people, lookup, scope, from, to, asOf);
      for (const name of metrics.FIGURE_NAMES) {
        if (read[name] !== recount[name]) {
          differences.push({
            scope,
            kind: 'FIGURE',
            month: `${from}..${to}`,
            name,
            expected: recount[name],
            stored: read[name],
          });
        }
      }
    }
  }
  return { tenantId, asOf, participants: people.length, scopes: scopes.size, buckets, differences };
}

/** Runs `work` for every participant of a tenant, READ_CONCURRENCY at a time. */
async function forEachParticipant(
  db: Db,
  tenantId: string,
  work: (participantId: string) => Promise<void>,
): Promise<number> {
  const ids = metricsStore.participantIdsOf(db, tenantId);
  let count = 0;
  const worker = async () => {
    for (let next = await ids.next(); !next.done; next = await ids.next()) {
      count++;
      await work(next.value);
    }
  };
  await Promise.all(Array.from({ length: READ_CONCURRENCY }, worker));
  return count;
}

const READ_CONCURRENCY = 16;

/**
 * Projects every participant of a tenant: the backfill for records written before the projector
 * ran (or while its stream was lost). Projecting is idempotent, so running it twice is harmless.
 */
export async function projectEveryone(db: Db, tenantId: string, now: Date): Promise<number> {
  return forEachParticipant(db, tenantId, async (participantId) => {
    await metricsStore.projectParticipant(db, tenantId, participantId, { now });
  });
}

/** Every tenant of the region, one after another. */
export async function reconcileAll(db: Db, now: Date): Promise<Reconciliation[]> {
  const results: Reconciliation[] = [];
  for (const tenantId of await tenantIdsOf(db)) results.push(await reconcileTenant(db, tenantId, now));
  return results;
}

/** Every tenant id of the region (the operators' list: ids and metadata only). */
export async function tenantIdsOf(db: Db): Promise<string[]> {
  const ids: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await listTenants(db, undefined, { limit: 100, startKey });
    ids.push(...page.items.map((tenant) => tenant.id));
    startKey = page.lastKey;
  } while (startKey);
  return ids;
}
