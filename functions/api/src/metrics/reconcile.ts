/**
 * The reconciliation: recount every metric of a tenant from the raw records and compare. Two
 * checks: every bucket against the sum of every participant's contribution recounted now (what
 * the projector should have applied), and every scope's figures over its whole history read off
 * the stored buckets against a recount by the definitions alone. Any difference is reported.
 *
 * Erased people's counts stay in the buckets without their records: the erased account (and the
 * frozen ledger of anyone being erased right now) says how much, so both checks account for it.
 */
import { dayOf, metrics } from '@polku/domain';
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
  const asOf = dayOf(now);
  const people: metrics.ParticipantFacts[] = [];
  const beingErased = new Map<string, Map<string, metrics.Counters>>();
  await forEachParticipant(db, tenantId, async (participantId) => {
    const facts = await metricsStore.participantFacts(db, tenantId, participantId);
    if (facts) people.push(facts);
    else addBuckets(beingErased, await metricsStore.frozenContribution(db, tenantId, participantId));
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
  for (const person of people) addBuckets(expected, metrics.contributionOf(person, lookup, asOf).buckets);

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
  for (const key of [...expected.keys(), ...beingErased.keys()]) scopes.add(key.split('|')[0] as string);

  const differences: Difference[] = [];
  let buckets = 0;
  for (const scope of scopes) {
    const kinds: metrics.BucketKind[] = scope.startsWith('funding-project#') ? ['MONTH', 'ESF'] : ['MONTH'];
    for (const kind of kinds) {
      const stored = await metricsStore.allBuckets(db, tenantId, scope, kind);
      // What no raw record explains any more: the erased account and ledgers frozen for an erasure.
      const unexplained = sumOf(
        await metricsStore.erasedBuckets(db, tenantId, scope, kind),
        beingErased.get(`${scope}|${kind}`),
      );
      const wanted = sumOf(expected.get(`${scope}|${kind}`), unexplained);
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
      const read = metrics.figuresOf(sumOf(stored, unexplained, -1), from, to).figures;
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

type Months = Map<string, metrics.Counters>;

/** Adds a contribution (bucket ref to counters) into months by `scope|kind`. */
function addBuckets(into: Map<string, Months>, buckets: Record<string, metrics.Counters> | undefined): void {
  for (const [ref, counters] of Object.entries(buckets ?? {})) {
    const { scope, kind, month } = metrics.parseBucketRef(ref);
    const months = into.get(`${scope}|${kind}`) ?? new Map<string, metrics.Counters>();
    into.set(`${scope}|${kind}`, months);
    months.set(month, metrics.addCounters({ ...(months.get(month) ?? {}) }, counters));
  }
}

/** `a` plus (or minus) `b`, month by month, without months that come to nothing. */
function sumOf(a: Months | undefined, b: Months | undefined, sign = 1): Months {
  const sum: Months = new Map([...(a ?? [])].map(([month, counters]) => [month, { ...counters }]));
  for (const [month, counters] of b ?? []) {
    const total = metrics.addCounters(sum.get(month) ?? {}, counters, sign);
    if (Object.keys(total).length > 0) sum.set(month, total);
    else sum.delete(month);
  }
  return sum;
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
