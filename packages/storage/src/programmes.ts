import { ConflictError, type schemas } from '@polku/domain';
import { collections, keys } from '@polku/table';
import type { Db } from './db.ts';
import type { Item } from './item.ts';
import { type PageRequest, queryPage } from './read.ts';
import {
  assertVersion,
  newResource,
  recordsOf,
  repository,
  revised,
  type WriteOptions,
} from './repository.ts';
import { rootResource } from './root-resources.ts';
import { commit, type WriteOp } from './write.ts';

export type Programme = schemas.Programme;
export type Group = schemas.Group;

export const programmes = rootResource<Programme>({
  name: 'programme',
  entity: 'programme',
  keyOf: keys.programme,
  collection: collections.programmes,
});

export const groups = repository<Group>({
  name: 'group',
  entity: 'group',
  key: (tenantId, group) => keys.group(tenantId, group.programmeId, group.id),
});

export function getGroup(db: Db, tenantId: string, programmeId: string, id: string): Promise<Group> {
  return groups.load(db, keys.group(tenantId, programmeId, id), id);
}

export async function createGroup(
  db: Db,
  tenantId: string,
  fields: Omit<Group, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'seatsTaken'>,
  options: WriteOptions = {},
): Promise<Group> {
  const group = newResource({ ...fields, seatsTaken: 0 }, options.now);
  // The programme must still exist when the group is written.
  const programmeExists: WriteOp = {
    kind: 'check',
    key: keys.programme(tenantId, fields.programmeId),
    condition: { expression: 'attribute_exists(PK)' },
    onConflict: () => new ConflictError('programme-gone', `programme ${fields.programmeId} no longer exists`),
  };
  await commit(db, [groups.insert(tenantId, group), programmeExists], recordsOf(options, group));
  return group;
}

export async function listGroups(
  db: Db,
  tenantId: string,
  programmeId: string,
  page: PageRequest,
): Promise<{ items: Group[]; lastKey: Item | undefined }> {
  const { PK, prefix } = collections.groupsOfProgramme(tenantId, programmeId);
  const result = await queryPage(db, { partition: PK, prefix }, page);
  return { items: result.items.map(groups.fromItem), lastKey: result.lastKey };
}

export async function updateGroup(
  db: Db,
  tenantId: string,
  programmeId: string,
  id: string,
  patch: Partial<Group>,
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<Group> {
  const current = await getGroup(db, tenantId, programmeId, id);
  assertVersion('group', current, expectedVersion);
  if (patch.capacity !== undefined && patch.capacity < current.seatsTaken) {
    throw new ConflictError(
      'capacity-below-seats',
      `group ${id} has ${current.seatsTaken} members; capacity cannot go below that`,
      { seatsTaken: current.seatsTaken },
    );
  }
  const next = revised(current, patch, options.now);
  await commit(db, [groups.replace(tenantId, next, expectedVersion)], recordsOf(options, next));
  return next;
}

/** Takes one seat, refused with 409 when the group is full. Bumps the group's version. */
export function takeSeat(tenantId: string, group: Group, now = new Date()): WriteOp {
  return {
    kind: 'update',
    key: keys.group(tenantId, group.programmeId, group.id),
    update: 'SET #seats = #seats + :one, #version = #version + :one, #updatedAt = :now',
    names: {
      '#seats': 'seatsTaken',
      '#capacity': 'capacity',
      '#version': 'version',
      '#updatedAt': 'updatedAt',
    },
    values: { ':one': 1, ':now': now.toISOString() },
    condition: { expression: 'attribute_exists(PK) AND #seats < #capacity' },
    onConflict: () =>
      new ConflictError(
        'group-full',
        `group ${group.name} is full (capacity ${group.capacity}); raise its capacity to add a member`,
        { groupId: group.id, capacity: group.capacity },
      ),
  };
}

export function releaseSeat(tenantId: string, group: Group, now = new Date()): WriteOp {
  return {
    kind: 'update',
    key: keys.group(tenantId, group.programmeId, group.id),
    update: 'SET #seats = #seats - :one, #version = #version + :one, #updatedAt = :now',
    names: { '#seats': 'seatsTaken', '#version': 'version', '#updatedAt': 'updatedAt' },
    values: { ':one': 1, ':zero': 0, ':now': now.toISOString() },
    condition: { expression: 'attribute_exists(PK) AND #seats > :zero' },
  };
}
