/**
 * The metric buckets and how they are kept exact. A participant's metrics ledger holds what their
 * records last added to the buckets; projecting a participant recounts their contribution from
 * the raw records, and one transaction moves the buckets by the difference and the ledger to the
 * new contribution, on the condition that nobody moved the ledger meanwhile. Projecting twice
 * changes nothing, so the stream may deliver a change twice and the due job may run late.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dayOf, dayOfValue, metrics, type schemas } from '@polku/domain';
import { collections, indexKeys, keys, METRICS_DUE_SHARDS, PARTICIPANT_SHARDS } from '@polku/table';
import { backoff } from './backoff.ts';
import { dataKeyFor } from './data-keys.ts';
import type { Db } from './db.ts';
import { translate } from './errors.ts';
import type { Item } from './item.ts';
import { type PersonRecords, type PersonRecordsOptions, recordsOfPerson } from './person-records.ts';
import { batchGet, getItem, queryAll, queryPage } from './read.ts';
import { hasEsfBuckets, openedContribution, sealedContribution } from './sealed-esf.ts';
import type { WriteOp } from './write.ts';

type Counters = metrics.Counters;
type Contribution = Record<string, Counters>;

/** Attributes of a bucket item that are not counters. */
const BUCKET_ATTRIBUTES = new Set(['PK', 'SK', 'entity', 'tenantId']);
/** One transaction: the ledger and at most this many buckets (DynamoDB allows 100 items). */
const BUCKETS_PER_TRANSACTION = 90;
/** Attempts at a projection or a move that other projectors keep cancelling. */
const MAX_ATTEMPTS = 12;
/** After a change off the stream, count the person again this much later: indexes may have lagged. */
export const SETTLE_MS = 60_000;

const today = (now: Date) => dayOf(now);

// ---------------------------------------------------------------------------------------------
// Raw records of one participant

/** The records of one participant the metrics count, or undefined if there is no such participant. */
export async function participantFacts(
  db: Db,
  tenantId: string,
  participantId: string,
  options: PersonRecordsOptions = {},
): Promise<metrics.ParticipantFacts | undefined> {
  const records = await recordsOfPerson(db, tenantId, participantId, options);
  return records && factsOf(participantId, records);
}

function factsOf(participantId: string, records: PersonRecords): metrics.ParticipantFacts {
  const { participant, enrolments, outcomes, attendance, milestones, referrals } = records;
  return {
    participantId,
    birthDate: String(participant.birthDate),
    esf: participant.esf as metrics.EsfAtEntry,
    enrolments: enrolments.map((item) => ({
      id: String(item.id),
      programmeId: String(item.programmeId),
      groupId: (item.groupId as string | null | undefined) ?? null,
      coachId: String(item.coachId),
      stage: item.stage as metrics.EnrolmentFacts['stage'],
      startDate: (item.startDate as string | null | undefined) ?? null,
      exitDate: (item.exitDate as string | null | undefined) ?? null,
    })),
    outcomes: outcomes.map((item) => ({
      id: String(item.id),
      kind: item.kind as metrics.OutcomeFacts['kind'],
      startDate: String(item.startDate),
      endDate: (item.endDate as string | null | undefined) ?? null,
      withdrawn: item.withdrawn === true,
      verifiedOn: String(item.verifiedOn),
    })),
    qualifications: milestones
      .filter((item) => item.kind === 'licence-or-permit')
      .map((item) => String(item.date)),
    attendance: attendance.map((item) => ({
      sessionId: String(item.sessionId),
      programmeId: String(item.programmeId),
      groupId: (item.groupId as string | null | undefined) ?? null,
      date: dayOfValue(String(item.startsAt ?? String(item.GSI1SK).split('#')[0])),
      status: item.status as metrics.AttendanceFacts['status'],
    })),
    referrals: referrals.map((item) => {
      const history = (item.history ?? []) as { action: string; at: string }[];
      const accepted = history.find((change) => change.action === 'accept');
      return {
        id: String(item.id),
        fromOrganisationId: String(item.fromOrganisationId),
        sentOn: dayOf(String(item.createdAt)),
        acceptedOn: accepted ? dayOf(accepted.at) : null,
        status: String(item.status),
      };
    }),
  };
}

/** Attributes whose value is the day something happened to the person (or a time on that day). */
const ACTIVITY_DATES = [
  'createdAt',
  'updatedAt',
  'startDate',
  'exitDate',
  'endDate',
  'date',
  'startsAt',
  'verifiedOn',
  'givenOn',
];
const DAY = /^\d{4}-\d{2}-\d{2}/;

/**
 * The last day anything happened to the person: their record changed, an enrolment began, moved or
 * ended, attendance was taken, an outcome or milestone was dated, a referral was sent or moved, a
 * consent was given or withdrawn, a network meeting was held or changed. The retention clock runs
 * from it.
 */
export function lastActiveOn(records: PersonRecords): string {
  let last = '0000-00-00';
  const consider = (value: unknown) => {
    if (typeof value !== 'string' || !DAY.test(value)) return;
    const day = dayOfValue(value);
    if (day > last) last = day;
  };
  const { participant, enrolments, outcomes, attendance, milestones, referrals, consents, meetings } =
    records;
  const items = [participant, ...enrolments, ...outcomes, ...attendance, ...milestones, ...referrals];
  for (const item of [...items, ...consents, ...meetings]) {
    for (const name of ACTIVITY_DATES) consider(item[name]);
    for (const change of (item.history ?? []) as Item[]) {
      consider(change.date);
      consider(change.at);
    }
  }
  return last;
}

/** The programmes the facts point to: which organisation runs each and which project funds it. */
export async function programmesOf(
  db: Db,
  tenantId: string,
  programmeIds: Iterable<string>,
): Promise<Map<string, metrics.ProgrammeFacts>> {
  const items = await batchGet(
    db,
    [...new Set(programmeIds)].map((id) => keys.programme(tenantId, id)),
  );
  return new Map(
    items
      .filter((item) => item.entity === 'programme')
      .map((item) => [
        String(item.id),
        {
          organisationId: String(item.organisationId),
          fundingProjectId: (item.fundingProjectId as string | null | undefined) ?? null,
        },
      ]),
  );
}

// ---------------------------------------------------------------------------------------------
// Projection

interface Ledger {
  rev: number;
  applied: Contribution;
  dueAt: string | null;
  /** The person is being erased: nothing but the erasure moves this ledger again. */
  frozen: boolean;
  /** The erasure has begun moving the contribution to the erased account (see freezeLedger). */
  freezing: boolean;
}

async function ledgerOf(db: Db, tenantId: string, participantId: string): Promise<Ledger> {
  const item = await getItem(db, keys.metricsLedger(tenantId, participantId));
  return {
    rev: Number(item?.rev ?? 0),
    applied: await openedContribution(db, tenantId, participantId, item),
    dueAt: (item?.dueAt as string | undefined) ?? null,
    frozen: item?.frozen === true,
    freezing: item?.freezing === true,
  };
}

export interface ProjectOptions {
  now: Date;
  /** Count the person again SETTLE_MS later (after a change read off the stream). */
  settle?: boolean;
  /** The erasure's last count of the person, into their frozen ledger. */
  erasing?: boolean;
}

export interface Projection {
  /** Buckets changed. */
  buckets: number;
  dueAt: string | null;
}

/**
 * Brings the buckets and the ledger of one participant up to date with their raw records as of
 * `now`, and their follow-ups with their exits. Safe to run any number of times, concurrently.
 */
export async function projectParticipant(
  db: Db,
  tenantId: string,
  participantId: string,
  options: ProjectOptions,
): Promise<Projection> {
  const asOf = today(options.now);
  const erasing = options.erasing === true;
  const retry = backoff(MAX_ATTEMPTS);
  for (;;) {
    const [ledger, records] = await Promise.all([
      ledgerOf(db, tenantId, participantId),
      recordsOfPerson(db, tenantId, participantId, { erasing }),
    ]);
    // Frozen for an erasure: nothing but the erasure's own last count moves the ledger, and that
    // only until the move to the erased account begins (the erasure froze it, so no ledger at all
    // means the move is done).
    if (erasing ? !ledger.frozen || ledger.freezing : ledger.frozen) {
      return { buckets: 0, dueAt: ledger.dueAt };
    }
    if (!records && ledger.rev === 0) return { buckets: 0, dueAt: null };
    const facts = records && factsOf(participantId, records);
    let target: metrics.Contribution = { buckets: {}, changesOn: null };
    if (facts) {
      const programmeIds = [...facts.enrolments, ...facts.attendance].map((r) => r.programmeId);
      const programmes = await programmesOf(db, tenantId, programmeIds);
      target = metrics.contributionOf(facts, (id) => programmes.get(id), asOf);
    }
    const dueAt = erasing ? null : earliestDue(target.changesOn, ledger.dueAt, options);
    try {
      const changed = await moveLedger(db, tenantId, participantId, ledger, target.buckets, dueAt);
      if (!erasing) {
        await Promise.all([
          syncFollowUps(db, tenantId, participantId, facts),
          syncRetention(db, tenantId, participantId, records),
        ]);
      }
      return { buckets: changed, dueAt };
    } catch (error) {
      // Someone else moved the ledger or a bucket at the same moment: count again from the records.
      if (!isContention(error) || !(await retry.wait())) translate(error);
    }
  }
}

/**
 * When to count the person again: the day a figure changes by time, SETTLE_MS after a change off
 * the stream, and a recount still pending from before (a later one must not cancel it).
 */
function earliestDue(
  changesOn: string | null,
  pending: string | null,
  options: ProjectOptions,
): string | null {
  const dates = [changesOn === null ? null : `${changesOn}T00:00:00.000Z`];
  if (options.settle) dates.push(new Date(options.now.getTime() + SETTLE_MS).toISOString());
  if (pending !== null && pending > options.now.toISOString()) dates.push(pending);
  return dates.filter((d): d is string => d !== null).sort()[0] ?? null;
}

function isContention(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  return (error.CancellationReasons ?? []).some(
    (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
  );
}

/** Moves buckets and ledger to `target` in transactions of at most BUCKETS_PER_TRANSACTION buckets. */
async function moveLedger(
  db: Db,
  tenantId: string,
  participantId: string,
  ledger: Ledger,
  target: Contribution,
  dueAt: string | null,
): Promise<number> {
  const delta = metrics.contributionDelta(ledger.applied, target);
  const refs = Object.keys(delta);
  if (refs.length === 0 && dueAt === ledger.dueAt && ledger.rev > 0) return 0;
  let applied = ledger.applied;
  let rev = ledger.rev;
  for (let start = 0; start === 0 || start < refs.length; start += BUCKETS_PER_TRANSACTION) {
    const chunk = refs.slice(start, start + BUCKETS_PER_TRANSACTION);
    const next: Contribution = { ...applied };
    for (const ref of chunk) {
      if (target[ref]) next[ref] = target[ref];
      else delete next[ref];
    }
    const last = start + BUCKETS_PER_TRANSACTION >= refs.length;
    // The due index holds a small marker beside the ledger (ids and a time), moved with it.
    const marker = keys.metricsDueMarker(tenantId, participantId);
    const markerOp =
      !last || dueAt === ledger.dueAt
        ? []
        : dueAt === null
          ? [{ Delete: { TableName: db.tableName, Key: marker } }]
          : [
              {
                Put: {
                  TableName: db.tableName,
                  Item: {
                    ...marker,
                    ...indexKeys.metricsDue(tenantId, participantId, dueAt),
                    entity: 'metrics-due',
                    tenantId,
                    participantId,
                    dueAt,
                  },
                },
              },
            ];
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: db.tableName,
              Item: await ledgerItem(db, tenantId, participantId, {
                rev: rev + 1,
                applied: next,
                dueAt: last ? dueAt : ledger.dueAt,
                frozen: ledger.frozen,
              }),
              ConditionExpression: rev === 0 ? 'attribute_not_exists(PK)' : 'rev = :rev',
              ...(rev === 0 ? {} : { ExpressionAttributeValues: { ':rev': rev } }),
            },
          },
          ...markerOp,
          ...chunk.map((ref) => ({
            Update: bucketUpdate(db, tenantId, ref, delta[ref] as Counters, keys.metricsBucket),
          })),
        ],
      }),
    );
    applied = next;
    rev += 1;
  }
  return refs.length;
}

/** The ledger's item, the counters of the sensitive characteristics sealed (see sealed-esf.ts). */
async function ledgerItem(
  db: Db,
  tenantId: string,
  participantId: string,
  ledger: { rev: number; applied: Contribution; dueAt: string | null; frozen: boolean; freezing?: boolean },
) {
  const { applied, extra } = hasEsfBuckets(ledger.applied)
    ? sealedContribution(await dataKeyFor(db, tenantId), tenantId, participantId, ledger.applied)
    : { applied: ledger.applied, extra: {} };
  return {
    ...keys.metricsLedger(tenantId, participantId),
    entity: 'metrics-ledger',
    tenantId,
    participantId,
    rev: ledger.rev,
    applied,
    ...extra,
    ...(ledger.dueAt ? { dueAt: ledger.dueAt } : {}),
    ...(ledger.frozen ? { frozen: true } : {}),
    ...(ledger.freezing ? { freezing: true } : {}),
  };
}

function bucketUpdate(
  db: Db,
  tenantId: string,
  ref: string,
  delta: Counters,
  keyOf: typeof keys.metricsBucket,
) {
  const { scope, kind, month } = metrics.parseBucketRef(ref);
  const names: Record<string, string> = { '#entity': 'entity', '#tenant': 'tenantId' };
  const values: Record<string, unknown> = { ':entity': 'metrics-bucket', ':tenant': tenantId };
  const adds = Object.entries(delta).map(([counter, n], index) => {
    names[`#c${index}`] = counter;
    values[`:v${index}`] = n;
    return `#c${index} :v${index}`;
  });
  return {
    TableName: db.tableName,
    Key: keyOf(tenantId, scope, kind, month),
    UpdateExpression: `SET #entity = :entity, #tenant = :tenant ADD ${adds.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

// ---------------------------------------------------------------------------------------------
// Erasure: the person's counts stay in the buckets, without them

/**
 * The erasure's first write, in the transaction that marks the person as being erased: freezes
 * their ledger (creating it if they were never counted), so no projection moves it again (one in
 * flight fails its condition on the revision) and only the erasure's own last count may.
 */
export function freezeLedgerOp(tenantId: string, participantId: string): WriteOp {
  return {
    kind: 'update',
    key: keys.metricsLedger(tenantId, participantId),
    update:
      'SET #frozen = :true, #rev = if_not_exists(#rev, :zero) + :one, #entity = :entity, #tenant = :tenant, #participant = :participant',
    names: {
      '#frozen': 'frozen',
      '#rev': 'rev',
      '#entity': 'entity',
      '#tenant': 'tenantId',
      '#participant': 'participantId',
    },
    values: {
      ':true': true,
      ':zero': 0,
      ':one': 1,
      ':entity': 'metrics-ledger',
      ':tenant': tenantId,
      ':participant': participantId,
    },
  };
}

/**
 * Moves a frozen ledger's contribution to the erased account, BUCKETS_PER_TRANSACTION buckets per
 * transaction, then deletes the ledger and its due marker. The buckets themselves do not change:
 * the counts stay, and the erased account says whose raw records no longer explain them (nobody's
 * in particular: it is a sum over everyone erased). Resumable: each transaction moves the ledger
 * on, so a run after a crash moves only what is left.
 */
export async function freezeLedger(db: Db, tenantId: string, participantId: string): Promise<void> {
  let retry = backoff(MAX_ATTEMPTS);
  for (;;) {
    const ledger = await ledgerOf(db, tenantId, participantId);
    if (ledger.rev === 0) return;
    const refs = Object.keys(ledger.applied);
    const chunk = refs.slice(0, BUCKETS_PER_TRANSACTION);
    const rest: Contribution = { ...ledger.applied };
    for (const ref of chunk) delete rest[ref];
    const done = chunk.length === refs.length;
    const key = keys.metricsLedger(tenantId, participantId);
    const unchanged = {
      ConditionExpression: 'rev = :rev',
      ExpressionAttributeValues: { ':rev': ledger.rev },
    };
    const ledgerOp = done
      ? { Delete: { TableName: db.tableName, Key: key, ...unchanged } }
      : {
          Put: {
            TableName: db.tableName,
            Item: await ledgerItem(db, tenantId, participantId, {
              rev: ledger.rev + 1,
              applied: rest,
              dueAt: null,
              frozen: true,
              freezing: true,
            }),
            ...unchanged,
          },
        };
    const marker = keys.metricsDueMarker(tenantId, participantId);
    try {
      await db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            ledgerOp,
            ...(done ? [{ Delete: { TableName: db.tableName, Key: marker } }] : []),
            ...chunk.map((ref) => ({
              Update: bucketUpdate(
                db,
                tenantId,
                ref,
                ledger.applied[ref] as Counters,
                keys.erasedMetricsBucket,
              ),
            })),
          ],
        }),
      );
      if (done) return;
      // Each transaction that moved the ledger on gives the next its own attempts.
      retry = backoff(MAX_ATTEMPTS);
    } catch (error) {
      if (!isContention(error) || !(await retry.wait())) translate(error);
    }
  }
}

/**
 * The erasure's metrics step: one last count of the person into their frozen ledger (unless the
 * move to the erased account has begun), then that move. Safe to run again after a crash.
 */
export async function settleErasedMetrics(
  db: Db,
  tenantId: string,
  participantId: string,
  now: Date,
): Promise<void> {
  await projectParticipant(db, tenantId, participantId, { now, erasing: true });
  await freezeLedger(db, tenantId, participantId);
}

/** A frozen ledger's contribution (a person being erased), for the reconciliation. */
export async function frozenContribution(
  db: Db,
  tenantId: string,
  participantId: string,
): Promise<Contribution | undefined> {
  const ledger = await ledgerOf(db, tenantId, participantId);
  return ledger.frozen ? ledger.applied : undefined;
}

/** The erased account of a scope and kind: what erased people's records had added, by month. */
export async function erasedBuckets(
  db: Db,
  tenantId: string,
  scope: string,
  kind: metrics.BucketKind,
): Promise<Map<string, Counters>> {
  const { PK, prefix } = collections.erasedMetricsBuckets(tenantId, scope, kind);
  const items = await queryAll(db, { partition: PK, prefix }, 1_000_000);
  return new Map(items.map((item) => [String(item.SK).slice(prefix.length), countersOf(item)]));
}

// ---------------------------------------------------------------------------------------------
// Retention

/**
 * The last day the person was active, read from their records now (not from the index, which the
 * projector keeps and which may lag), with the index put right: what the retention job checks
 * before it erases anyone. Undefined when there is no such participant, or they are being erased.
 */
export async function lastActiveDayOf(
  db: Db,
  tenantId: string,
  participantId: string,
): Promise<string | undefined> {
  const records = await recordsOfPerson(db, tenantId, participantId, {});
  await syncRetention(db, tenantId, participantId, records);
  return records && lastActiveOn(records);
}

/** Keeps the person's entry in the retention index at the last day they were active. */
async function syncRetention(
  db: Db,
  tenantId: string,
  participantId: string,
  records: PersonRecords | undefined,
): Promise<void> {
  if (!records) return;
  const day = lastActiveOn(records);
  const key = keys.retentionMarker(tenantId, participantId);
  const stored = await getItem(db, key);
  if (stored?.lastActiveOn === day) return;
  try {
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: {
          ...key,
          ...indexKeys.retentionByActivity(tenantId, day, participantId),
          entity: 'retention-marker',
          tenantId,
          participantId,
          lastActiveOn: day,
        },
      }),
    );
  } catch (error) {
    translate(error);
  }
}

/** Participants of a tenant last active on or before `day`, oldest first: one key query a page. */
export async function inactiveSince(
  db: Db,
  tenantId: string,
  day: string,
  page: { limit: number; startKey?: Item | undefined },
): Promise<{ items: { participantId: string; lastActiveOn: string }[]; lastKey: Item | undefined }> {
  const result = await queryPage(
    db,
    { index: 'gsi1', partition: indexKeys.retentionPartition(tenantId), between: ['0000', `${day}~`] },
    page,
  );
  return {
    items: result.items.map((item) => ({
      participantId: String(item.participantId),
      lastActiveOn: String(item.lastActiveOn),
    })),
    lastKey: result.lastKey,
  };
}

// ---------------------------------------------------------------------------------------------
// Follow-ups

const CHECKPOINT_DAYS: [string, number][] = [
  ['28-days', 28],
  ['4-months', 120],
  ['6-months', 182],
];

/** The follow-ups still to make after each exit: due dates on which no outcome has been verified since. */
export function followUpsOf(facts: metrics.ParticipantFacts | undefined): Item[] {
  if (!facts) return [];
  const verified = facts.outcomes.filter((o) => !o.withdrawn).map((o) => o.verifiedOn);
  const due: Item[] = [];
  for (const enrolment of facts.enrolments) {
    if (enrolment.startDate === null || enrolment.exitDate === null) continue;
    for (const [checkpoint, days] of CHECKPOINT_DAYS) {
      const dueDate = metrics.addDays(enrolment.exitDate, days);
      if (verified.some((date) => date >= dueDate)) continue;
      due.push({
        participantId: facts.participantId,
        enrolmentId: enrolment.id,
        programmeId: enrolment.programmeId,
        coachId: enrolment.coachId,
        exitDate: enrolment.exitDate,
        checkpoint,
        dueDate,
      });
    }
  }
  return due;
}

async function syncFollowUps(
  db: Db,
  tenantId: string,
  participantId: string,
  facts: metrics.ParticipantFacts | undefined,
): Promise<void> {
  const { PK, prefix } = collections.followUpsOfParticipant(tenantId, participantId);
  const existing = await queryAll(db, { partition: PK, prefix }, 10_000);
  const wanted = followUpsOf(facts).map((followUp) => ({
    ...keys.followUp(tenantId, participantId, String(followUp.enrolmentId), String(followUp.checkpoint)),
    ...indexKeys.followUpDue(
      tenantId,
      String(followUp.dueDate),
      participantId,
      String(followUp.enrolmentId),
      String(followUp.checkpoint),
    ),
    ...indexKeys.followUpDueOfCoach(
      tenantId,
      String(followUp.coachId),
      String(followUp.dueDate),
      participantId,
      String(followUp.enrolmentId),
      String(followUp.checkpoint),
    ),
    entity: 'follow-up',
    tenantId,
    ...followUp,
  }));
  const FIELDS = ['GSI1SK', 'GSI2PK', 'GSI2SK', 'programmeId', 'coachId', 'exitDate', 'dueDate'];
  const same = (a: Item, b: Item) => FIELDS.every((name) => a[name] === b[name]);
  const writes = [
    ...wanted
      .filter((item) => !existing.some((old) => old.SK === item.SK && same(item, old)))
      .map((item) => ({ PutRequest: { Item: item } })),
    ...existing
      .filter((old) => !wanted.some((item) => item.SK === old.SK))
      .map((old) => ({ DeleteRequest: { Key: { PK: old.PK, SK: old.SK } } })),
  ];
  try {
    await Promise.all(
      writes.map((write) =>
        'PutRequest' in write
          ? db.doc.send(new PutCommand({ TableName: db.tableName, Item: write.PutRequest.Item }))
          : db.doc.send(new DeleteCommand({ TableName: db.tableName, Key: write.DeleteRequest.Key })),
      ),
    );
  } catch (error) {
    translate(error);
  }
}

/** A page of a tenant's follow-ups due on or before `dueBefore`, soonest first. */
export async function listFollowUps(
  db: Db,
  tenantId: string,
  filter: { dueBefore: string; coachId?: string | undefined },
  page: { limit: number; startKey?: Item | undefined },
) {
  const between: [string, string] = ['0000', `${filter.dueBefore}~`];
  const result = await queryPage(
    db,
    filter.coachId === undefined
      ? { index: 'gsi1', partition: indexKeys.followUpsPartition(tenantId), between }
      : { index: 'gsi2', partition: indexKeys.followUpsOfCoachPartition(tenantId, filter.coachId), between },
    page,
  );
  const fields = [
    'participantId',
    'enrolmentId',
    'programmeId',
    'coachId',
    'exitDate',
    'checkpoint',
    'dueDate',
  ];
  return {
    items: result.items.map((item) =>
      Object.fromEntries(fields.map((name) => [name, item[name]])),
    ) as unknown as schemas.FollowUp[],
    lastKey: result.lastKey,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading buckets

export interface BucketRead {
  buckets: Map<string, Counters>;
}

/**
 * A scope's buckets of one kind for the months `from`..`to` (`from` null: from its first month),
 * read by key: two one-item queries find the first and last month held, then one BatchGetItem per
 * 100 months. Each bucket is a small item read eventually consistent, so the read costs half a
 * capacity unit per month, whatever the number of participants counted in it.
 */
export async function readBuckets(
  db: Db,
  tenantId: string,
  scope: string,
  kind: metrics.BucketKind,
  from: string | null,
  to: string,
): Promise<BucketRead> {
  const { PK, prefix } = collections.metricsBuckets(tenantId, scope, kind);
  const edge = async (newestFirst: boolean) => {
    try {
      const result = await db.doc.send(
        new QueryCommand({
          TableName: db.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': PK, ':prefix': prefix },
          ProjectionExpression: 'SK',
          ScanIndexForward: !newestFirst,
          Limit: 1,
        }),
      );
      const sk = result.Items?.[0]?.SK;
      return typeof sk === 'string' ? sk.slice(prefix.length) : undefined;
    } catch (error) {
      translate(error);
    }
  };
  const [first, last] = await Promise.all([edge(false), edge(true)]);
  const buckets = new Map<string, Counters>();
  if (first === undefined || last === undefined) return { buckets };
  const start = from === null || from < first ? first : from;
  const end = to > last ? last : to;
  if (start > end) return { buckets };
  const months = metrics.monthsFrom(start, end);
  const items = await batchGet(
    db,
    months.map((month) => keys.metricsBucket(tenantId, scope, kind, month)),
    false,
  );
  for (const item of items) buckets.set(String(item.SK).slice(prefix.length), countersOf(item));
  return { buckets: new Map([...buckets].sort(([a], [b]) => (a < b ? -1 : 1))) };
}

/** Every bucket of a scope and kind, oldest first (the reconciliation's read). */
export async function allBuckets(
  db: Db,
  tenantId: string,
  scope: string,
  kind: metrics.BucketKind,
): Promise<Map<string, Counters>> {
  const { PK, prefix } = collections.metricsBuckets(tenantId, scope, kind);
  const items = await queryAll(db, { partition: PK, prefix }, 1_000_000);
  return new Map(items.map((item) => [String(item.SK).slice(prefix.length), countersOf(item)]));
}

function countersOf(item: Item): Counters {
  const counters: Counters = {};
  for (const [name, value] of Object.entries(item)) {
    if (!BUCKET_ATTRIBUTES.has(name) && typeof value === 'number' && value !== 0) counters[name] = value;
  }
  return counters;
}

// ---------------------------------------------------------------------------------------------
// The due index

export interface DueLedger {
  tenantId: string;
  participantId: string;
  dueAt: string;
}

/** Ledgers due by `now`, from every due-index shard, at most `limit` per shard. */
export async function dueLedgers(db: Db, now: Date, limit = 500): Promise<DueLedger[]> {
  const upTo = `${now.toISOString()}~`;
  const shards = await Promise.all(
    Array.from({ length: METRICS_DUE_SHARDS }, (_, shard) =>
      queryPage(
        db,
        { index: 'gsi1', partition: indexKeys.metricsDuePartition(shard), between: ['0000', upTo] },
        { limit },
      ),
    ),
  );
  return shards.flatMap((page) =>
    page.items.map((item) => ({
      tenantId: String(item.tenantId),
      participantId: String(item.participantId),
      dueAt: String(item.dueAt),
    })),
  );
}

/** Participants enrolled in a programme (each once), for a change of what the programme counts in. */
export async function participantsOfProgramme(
  db: Db,
  tenantId: string,
  programmeId: string,
): Promise<string[]> {
  const items = await queryAll(
    db,
    { index: 'gsi2', partition: indexKeys.enrolmentsOfProgrammePartition(tenantId, programmeId) },
    1_000_000,
  );
  return [...new Set(items.map((item) => String(item.participantId)))];
}

/** Every participant id of a tenant, shard by shard. */
export async function* participantIdsOf(db: Db, tenantId: string): AsyncGenerator<string> {
  for (let shard = 0; shard < PARTICIPANT_SHARDS; shard++) {
    let startKey: Item | undefined;
    do {
      const page = await queryPage(
        db,
        { index: 'gsi1', partition: indexKeys.participantShardPartition(tenantId, shard) },
        { limit: 100, startKey },
      );
      for (const item of page.items) if (item.entity === 'participant') yield String(item.id);
      startKey = page.lastKey;
    } while (startKey);
  }
}
