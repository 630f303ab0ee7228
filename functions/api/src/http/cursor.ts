/**
 * List cursors: opaque, HMAC-signed, and bound to the tenant and the query they page through,
 * so a tampered cursor or one from another tenant or list is refused with 400.
 */

import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestError } from '@polku/domain';

interface CursorPayload {
  t: string;
  s: string;
  p: unknown;
}

function sign(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

export function encodeCursor(key: Buffer, tenantId: string, scope: string, position: unknown): string {
  const data = Buffer.from(
    JSON.stringify({ t: tenantId, s: scope, p: position } satisfies CursorPayload),
  ).toString('base64url');
  return `${data}.${sign(key, data).toString('base64url')}`;
}

export function decodeCursor<T>(key: Buffer, cursor: string, tenantId: string, scope: string): T {
  const invalid = () => new BadRequestError('The cursor is not valid for this list; start again without it');
  const [data, signature, extra] = cursor.split('.');
  if (!data || !signature || extra !== undefined) throw invalid();
  const expected = sign(key, data);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  let payload: CursorPayload;
  try {
    payload = JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as CursorPayload;
  } catch {
    throw invalid();
  }
  if (payload.t !== tenantId || payload.s !== scope) throw invalid();
  return payload.p as T;
}
