/**
 * Idempotency-Key on POST: a retry with the same key and body replays the first response and
 * writes nothing; the same key with another body is refused with 422. The record is written in
 * the same transaction as the request's own writes (see storage `commit`). It runs after the
 * route's permission check, and a stored response belongs to the role and organisation that made
 * it: a caller whose role changed replays nothing it may no longer do.
 */

import { createHash } from 'node:crypto';
import { BadRequestError, UnprocessableError } from '@polku/domain';
import {
  type Db,
  findIdempotentResponse,
  type IdempotencyRequest,
  type StoredResponse,
} from '@polku/storage';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.ts';

const KEY_SHAPE = /^[A-Za-z0-9_.:-]{1,128}$/;

function replay(stored: StoredResponse): Response {
  return new Response(JSON.stringify(stored.body), {
    status: stored.status,
    headers: { ...stored.headers, 'Content-Type': 'application/json', 'Idempotent-Replayed': 'true' },
  });
}

/** The recorded response for the key, or undefined; 422 when the key was used for another request. */
async function recordedResponse(
  db: Db,
  request: IdempotencyRequest,
  now: Date,
): Promise<Response | undefined> {
  const found = await findIdempotentResponse(db, request, now);
  if (!found) return undefined;
  if (found.requestHash !== request.requestHash) {
    throw new UnprocessableError(
      'idempotency-key-reused',
      'This Idempotency-Key was used with a different request; use a new key',
    );
  }
  return replay(found.response);
}

export const idempotency: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = c.req.header('Idempotency-Key');
  if (c.req.method !== 'POST' || key === undefined) {
    c.set('idempotency', undefined);
    return next();
  }
  if (!KEY_SHAPE.test(key)) {
    throw new BadRequestError('Idempotency-Key must be 1–128 characters of letters, digits and _ . : -');
  }
  const { tenantId, kind, subject, role, organisationId } = c.var.principal;
  const body = await c.req.text();
  const requestHash = createHash('sha256')
    .update(`${c.req.method} ${c.req.path}\n${body}`)
    .digest('base64url');
  // Role and organisation first: neither holds a colon, so no subject can pose as another's.
  const principalId = `${kind}:${role}:${organisationId ?? '-'}:${subject}`;
  const request = { tenantId, principalId, key, requestHash };
  const recorded = await recordedResponse(c.var.config.db, request, c.var.config.now());
  if (recorded) return recorded;
  c.set('idempotency', request);
  await next();
};

/** After a race lost to a concurrent request with the same key: the winner's response. */
export function replayAfterRace(c: Context<AppEnv>): Promise<Response | undefined> {
  const request = c.var.idempotency;
  return request
    ? recordedResponse(c.var.config.db, request, c.var.config.now())
    : Promise.resolve(undefined);
}
