/**
 * Idempotency records: the first response to a POST with an Idempotency-Key, written in the same
 * transaction as the records the request created, so a retry replays it and writes nothing.
 */
import { keys } from '@polku/table';
import type { Db } from './db.ts';
import type { Item } from './item.ts';
import { getItem } from './read.ts';

export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface IdempotencyRequest {
  tenantId: string;
  principalId: string;
  key: string;
  requestHash: string;
}

/** Builds the record of a request's response from what the write returns; makes the write exactly-once. */
export type IdempotencyRecorder = (result: unknown) => Item;

export function idempotencyRecorder(
  request: IdempotencyRequest,
  respond: (result: unknown) => StoredResponse,
  now = new Date(),
): IdempotencyRecorder {
  return (result) => ({
    ...keys.idempotency(request.tenantId, request.principalId, request.key),
    entity: 'idempotency',
    requestHash: request.requestHash,
    response: JSON.stringify(respond(result)),
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
  });
}

export async function findIdempotentResponse(
  db: Db,
  request: Omit<IdempotencyRequest, 'requestHash'>,
  now = new Date(),
): Promise<{ requestHash: string; response: StoredResponse } | undefined> {
  const item = await getItem(db, keys.idempotency(request.tenantId, request.principalId, request.key));
  // TTL deletion lags; an expired record is treated as gone.
  if (!item || Number(item.expiresAt) * 1000 < now.getTime()) return undefined;
  return {
    requestHash: String(item.requestHash),
    response: JSON.parse(String(item.response)) as StoredResponse,
  };
}
