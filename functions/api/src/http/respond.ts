/**
 * Responses that carry ETag and Location, and that the idempotency record replays byte for byte.
 */
import { idempotencyRecorder, type StoredResponse, type WriteOptions } from '@polku/storage';
import type { AppContext } from './env.ts';
import { etagOf } from './etag.ts';

export interface Responder<R> {
  /** Pass to the storage write so the response is recorded with it. */
  options: WriteOptions;
  send(result: R): Response;
}

function stored<B>(status: number, body: B, location?: (body: B) => string): StoredResponse {
  const headers: Record<string, string> = {};
  const version = (body as { version?: unknown }).version;
  if (typeof version === 'number') headers.ETag = etagOf(version);
  if (location) headers.Location = location(body);
  return { status, headers, body };
}

/**
 * The response to a write. `toBody` maps what the write returns to the body, when they differ
 * (a schedule returns its sessions; the body also names the schedule).
 */
export function responder<R, B = R>(
  c: AppContext,
  status: number,
  location?: (body: B) => string,
  toBody: (result: R) => B = (result) => result as unknown as B,
  /** What a replay may show of the body: a secret is shown once and never stored. */
  toReplayBody: (body: B) => B = (body) => body,
): Responder<R> {
  const request = c.var.idempotency;
  const now = c.var.config.now();
  const respond = (result: R) => stored(status, toBody(result), location);
  return {
    options: {
      now,
      idempotency:
        request &&
        idempotencyRecorder(
          request,
          (result) => stored(status, toReplayBody(toBody(result as R)), location),
          now,
        ),
    },
    send(result) {
      const response = respond(result);
      return new Response(JSON.stringify(response.body), {
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
