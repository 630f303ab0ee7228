/**
 * Idempotency-Key on POST: a retry with the same key and body replays the first response and
 * writes nothing; the same key with another body is refused with 422. The record is written in
 * the same transaction as the request's own writes (see storage `commit`).
 */

import { createHash } from 'node:crypto';
import { BadRequestError, UnprocessableError } from '@polku/domain';
import { findIdempotentResponse, type StoredResponse } from '@polku/storage';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.ts';

const KEY_SHAPE = /^[A-Za-z0-9_.:-]{1,128}$/;

export function replay(stored: StoredResponse): Response {
  return new Response(JSON.stringify(stored.body), {
    status: stored.status,
    headers: { ...stored.headers, 'Content-Type': 'application/json', 'Idempotent-Replayed': 'true' },
  });
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
  const { tenantId, clientId } = c.var.principal;
  const body = await c.req.text();
  const requestHash = createHash('sha256')
    .update(`${c.req.method} ${c.req.path}\n${body}`)
    .digest('base64url');
  const found = await findIdempotentResponse(c.var.config.db, { tenantId, principalId: clientId, key });
  if (found) {
    if (found.requestHash !== requestHash) {
      throw new UnprocessableError(
        'idempotency-key-reused',
        'This Idempotency-Key was used with a different request; use a new key',
      );
    }
    return replay(found.response);
  }
  c.set('idempotency', { tenantId, principalId: clientId, key, requestHash });
  await next();
};

/** After a race lost to a concurrent request with the same key: its stored response. */
export async function replayAfterRace(
  c: Parameters<MiddlewareHandler<AppEnv>>[0],
): Promise<Response | undefined> {
  const request = c.var.idempotency;
  if (!request) return undefined;
  const found = await findIdempotentResponse(c.var.config.db, request);
  if (!found) return undefined;
  if (found.requestHash !== request.requestHash) {
    throw new UnprocessableError(
      'idempotency-key-reused',
      'This Idempotency-Key was used with a different request',
    );
  }
  return replay(found.response);
}
