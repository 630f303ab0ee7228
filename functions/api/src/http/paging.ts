/** Lists: `limit` and an opaque `cursor` in, `items` and `nextCursor` out. */
import type { Item, PageRequest } from '@polku/storage';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { AppContext } from './env.ts';

/** The scope a cursor is bound to: the list's path and filters, not the limit. */
function scopeOf(c: AppContext, filters: Record<string, string | undefined>): string {
  const parts = Object.entries(filters)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${value}`)
    .sort();
  return `${c.req.routePath}?${parts.join('&')}`;
}

export interface ListQuery {
  limit: number;
  cursor?: string | undefined;
}

export function readCursor<T>(
  c: AppContext,
  query: ListQuery,
  filters: Record<string, string | undefined> = {},
) {
  if (query.cursor === undefined) return undefined;
  return decodeCursor<T>(c.var.config.cursorKey, query.cursor, c.var.principal.tenantId, scopeOf(c, filters));
}

export function writeCursor(
  c: AppContext,
  position: unknown,
  filters: Record<string, string | undefined> = {},
) {
  if (position === undefined) return null;
  return encodeCursor(c.var.config.cursorKey, c.var.principal.tenantId, scopeOf(c, filters), position);
}

export function pageRequest(
  c: AppContext,
  query: ListQuery,
  filters: Record<string, string | undefined> = {},
): PageRequest {
  return { limit: query.limit, startKey: readCursor<Item>(c, query, filters) };
}

export function pageOf<T>(
  c: AppContext,
  result: { items: T[]; lastKey: Item | undefined },
  filters: Record<string, string | undefined> = {},
) {
  return { items: result.items, nextCursor: writeCursor(c, result.lastKey, filters) };
}
