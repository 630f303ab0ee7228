import { monotonicFactory } from 'ulid';

const ulid = monotonicFactory();

/** A new sortable id (ULID): ids created later sort later. */
export function newId(now: number = Date.now()): string {
  return ulid(now);
}

export const ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
