/**
 * Responses that carry ETag and Location, and that the idempotency record replays byte for byte.
 */
import { idempotencyRecorder, type StoredResponse, type WriteOptions } from '@polku/storage';
import type { AppContext } from './env.ts';
import { etagOf } from './etag.ts';

export interface Responder<T> {
  /** Pass to the storage write so the response is recorded with it. */
  options: WriteOptions;
  send(body: T): Response;
}

function stored<T>(status: number, body: T, location?: (body: T) => string): StoredResponse {
  const headers: Record<string, string> = {};
  const version = (body as { version?: unknown }).version;
  if (typeof version === 'number') headers.ETag = etagOf(version);
  if (location) headers.Location = location(body);
  return { status, headers, body };
}

export function responder<T>(c: AppContext, status: number, location?: (body: T) => string): Responder<T> {
  const request = c.var.idempotency;
  const now = c.var.config.now();
  return {
    options: {
      now,
      idempotency:
        request && idempotencyRecorder(request, (body) => stored(status, body as T, location), now),
    },
    send(body) {
      const response = stored(status, body, location);
      return new Response(JSON.stringify(body), {
        status,
        headers: { ...response.headers, 'Content-Type': 'application/json' },
      });
    },
  };
}

/** A read: the body with its ETag. */
export function sendResource<T extends { version: number }>(body: T): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { 'Content-Type': 'application/json', ETag: etagOf(body.version) },
  });
}
