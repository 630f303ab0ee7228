/**
 * Participants: one partition each, listed through PARTICIPANT_SHARDS index partitions merged
 * newest first. The identity code is never stored; a keyed hash guards against duplicates.
 */
import { ConflictError, NotFoundError, type schemas } from '@polku/domain';
import { collections, indexKeys, keys, PARTICIPANT_SHARDS } from '@polku/table';
import { withSealingKey } from './data-keys.ts';
import type { Db } from './db.ts';
import type { Item } from './item.ts';
import { batchGet, getItem, type PageRequest, queryPage } from './read.ts';
import {
  assertVersion,
  newResource,
  recordsOf,
  repository,
  revised,
  type WriteOptions,
} from './repository.ts';
import { openedParticipantItem, SEALED_ESF, sealedParticipant } from './sealed-esf.ts';
import { commit, type WriteOp } from './write.ts';

export type Participant = schemas.Participant;
export type ParticipantSummary = schemas.ParticipantSummary;
export type Milestone = schemas.Milestone;

export const IDENTITY_HASH = 'identityCodeHash';
/** Set when an erasure begins: from then on the person reads as gone and takes no new records. */
export const ERASING_SINCE = 'erasingSince';

export const participants = repository<Participant>({
  name: 'participant',
  entity: 'participant',
  key: (tenantId, participant) => keys.participant(tenantId, participant.id),
  indexKeys: (tenantId, participant) => indexKeys.participantShard(tenantId, participant.id),
  // The sealed characteristics leave storage only opened (participantOf), lists never open them.
  privateAttributes: [IDENTITY_HASH, ERASING_SINCE, SEALED_ESF],
});

/** A stored participant, its sensitive characteristics opened. */
async function participantOf(db: Db, tenantId: string, id: string, stored: Item): Promise<Participant> {
  return participants.fromItem(await openedParticipantItem(db, tenantId, id, stored));
}

/** A participant's stored item, unless there is none or it is being erased. */
async function liveItem(db: Db, tenantId: string, id: string): Promise<Item | undefined> {
  const stored = await getItem(db, keys.participant(tenantId, id));
  return stored?.entity === 'participant' && stored[ERASING_SINCE] === undefined ? stored : undefined;
}

class DuplicateIdentityCode extends Error {}

/** A transaction's check that the participant a new record belongs to still exists. */
export function participantStillExists(tenantId: string, participantId: string): WriteOp {
  return {
    kind: 'check',
    key: keys.participant(tenantId, participantId),
    condition: {
      expression: 'attribute_exists(PK) AND attribute_not_exists(#erasing)',
      names: { '#erasing': ERASING_SINCE },
    },
    onConflict: () => new ConflictError('participant-gone', `participant ${participantId} no longer exists`),
  };
}

/**
 * Refuses (409) a write that names people who are gone or being erased, for writes of many people
 * at once whose transaction has no room for a check per person (attendance, a session's
 * invitations). Their erasure's second pass covers the moment between this read and the write.
 */
export async function assertParticipantsLive(
  db: Db,
  tenantId: string,
  participantIds: string[],
): Promise<void> {
  const ids = [...new Set(participantIds)];
  if (ids.length === 0) return;
  const items = await batchGet(
    db,
    ids.map((id) => keys.participant(tenantId, id)),
  );
  const live = new Set(
    items
      .filter((item) => item.entity === 'participant' && item[ERASING_SINCE] === undefined)
      .map((item) => String(item.id)),
  );
  const gone = ids.filter((id) => !live.has(id));
  if (gone.length > 0) {
    throw new ConflictError('participant-gone', `no longer exist: ${gone.join(', ')}`, {
      participantIds: gone,
    });
  }
}

export async function getParticipant(db: Db, tenantId: string, id: string): Promise<Participant> {
  const stored = await liveItem(db, tenantId, id);
  if (!stored) throw new NotFoundError(`participant ${id} not found`);
  return participantOf(db, tenantId, id, stored);
}

export async function createParticipant(
  db: Db,
  tenantId: string,
  fields: Omit<Participant, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'hasIdentityCode'>,
  identityCodeHash: string | undefined,
  options: WriteOptions = {},
): Promise<Participant> {
  const participant = newResource(
    { ...fields, hasIdentityCode: identityCodeHash !== undefined },
    options.now,
  );
  const guard: WriteOp[] = identityCodeHash
    ? [
        {
          kind: 'put',
          item: {
            ...keys.identityCode(tenantId, identityCodeHash),
            entity: 'identity-code',
            participantId: participant.id,
          },
          condition: { expression: 'attribute_not_exists(PK)' },
          onConflict: () => new DuplicateIdentityCode(),
        },
      ]
    : [];
  try {
    await withSealingKey(db, tenantId, async (sealing) => {
      const { stored, extra } = sealedParticipant(sealing.key, tenantId, participant);
      const hash = identityCodeHash ? { [IDENTITY_HASH]: identityCodeHash } : {};
      const ops = [participants.insert(tenantId, stored, { ...extra, ...hash }), ...guard, ...sealing.ops];
      await commit(db, ops, recordsOf(options, participant));
    });
  } catch (error) {
    if (!(error instanceof DuplicateIdentityCode) || !identityCodeHash) throw error;
    const guard = await getItem(db, keys.identityCode(tenantId, identityCodeHash));
    throw new ConflictError(
      'duplicate-identity-code',
      `a participant with this identity code already exists: ${String(guard?.participantId)}`,
      { existingParticipantId: guard?.participantId },
    );
  }
  return participant;
}

export async function updateParticipant(
  db: Db,
  tenantId: string,
  id: string,
  patch: Partial<Participant>,
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<Participant> {
  const stored = await liveItem(db, tenantId, id);
  if (!stored) throw new NotFoundError(`participant ${id} not found`);
  const current = await participantOf(db, tenantId, id, stored);
  assertVersion('participant', current, expectedVersion);
  const next = revised(current, patch, options.now);
  const hash = stored[IDENTITY_HASH] ? { [IDENTITY_HASH]: stored[IDENTITY_HASH] } : {};
  // A participant stored before sealing is sealed now.
  await withSealingKey(db, tenantId, async (sealing) => {
    const { stored: sealed, extra } = sealedParticipant(sealing.key, tenantId, next);
    const ops = [
      participants.replace(tenantId, sealed, expectedVersion, { ...extra, ...hash }),
      ...sealing.ops,
    ];
    await commit(db, ops, recordsOf(options, next));
  });
  return next;
}

/** Cursor position: per shard, the key to continue after, or null when that shard is exhausted. */
export type ParticipantListPosition = Record<string, Item | null>;

export function toSummary(participant: Participant): ParticipantSummary {
  const { id, firstName, lastName, municipality, createdAt } = participant;
  return { id, firstName, lastName, municipality, createdAt };
}

/**
 * A page of the tenant's participants, newest first: one query per shard (at most `limit` items
 * each), merged by id. Costs PARTICIPANT_SHARDS small queries whatever the tenant's size.
 */
export async function listParticipants(
  db: Db,
  tenantId: string,
  limit: number,
  position: ParticipantListPosition = {},
): Promise<{ items: ParticipantSummary[]; position: ParticipantListPosition | undefined }> {
  const shards = Array.from({ length: PARTICIPANT_SHARDS }, (_, shard) => String(shard));
  const pages = await Promise.all(
    shards.map(async (shard) => {
      if (position[shard] === null)
        return { shard, items: [] as Item[], lastKey: undefined, exhausted: true };
      const page = await queryPage(
        db,
        {
          index: 'gsi1',
          partition: indexKeys.participantShardPartition(tenantId, Number(shard)),
          newestFirst: true,
        },
        { limit, startKey: position[shard] ?? undefined },
      );
      return { shard, items: page.items, lastKey: page.lastKey, exhausted: page.lastKey === undefined };
    }),
  );
  const merged = pages
    .flatMap((page) => page.items.map((item) => ({ shard: page.shard, item })))
    .sort((a, b) => (String(a.item.id) < String(b.item.id) ? 1 : -1))
    .slice(0, limit);
  const next: ParticipantListPosition = {};
  for (const page of pages) {
    const taken = merged.filter((entry) => entry.shard === page.shard);
    const lastTaken = taken[taken.length - 1]?.item;
    if (taken.length === page.items.length) {
      // Everything this shard returned was used: continue where its query stopped.
      next[page.shard] = page.exhausted ? null : page.lastKey!;
    } else if (lastTaken) {
      next[page.shard] = {
        PK: lastTaken.PK,
        SK: lastTaken.SK,
        GSI1PK: lastTaken.GSI1PK,
        GSI1SK: lastTaken.GSI1SK,
      };
    } else if (position[page.shard] !== undefined) {
      next[page.shard] = position[page.shard]!;
    }
  }
  const more = shards.some((shard) => next[shard] !== null);
  return {
    // One being erased is gone for everyone at once, though the erasure has yet to delete the item.
    items: merged
      .filter((entry) => entry.item[ERASING_SINCE] === undefined)
      .map((entry) => toSummary(participants.fromItem(entry.item))),
    position: more ? next : undefined,
  };
}

export const milestones = repository<Milestone>({
  name: 'milestone',
  entity: 'milestone',
  key: (tenantId, milestone) => keys.milestone(tenantId, milestone.participantId, milestone.id),
});

export async function createMilestone(
  db: Db,
  tenantId: string,
  fields: Omit<Milestone, 'id' | 'version' | 'createdAt' | 'updatedAt'>,
  options: WriteOptions = {},
): Promise<Milestone> {
  const milestone = newResource(fields, options.now);
  await commit(
    db,
    [milestones.insert(tenantId, milestone), participantStillExists(tenantId, fields.participantId)],
    recordsOf(options, milestone),
  );
  return milestone;
}

export async function listMilestones(
  db: Db,
  tenantId: string,
  participantId: string,
  page: PageRequest,
): Promise<{ items: Milestone[]; lastKey: Item | undefined }> {
  const { PK, prefix } = collections.milestonesOfParticipant(tenantId, participantId);
  const result = await queryPage(db, { partition: PK, prefix }, page);
  return { items: result.items.map(milestones.fromItem), lastKey: result.lastKey };
}
