/** ETags are the resource's version; updates and transitions must send it back in If-Match. */
import { PreconditionFailedError, PreconditionRequiredError } from '@polku/domain';
import type { AppContext } from './env.ts';

export function etagOf(version: number): string {
  return `"${version}"`;
}

/** The version the client last read, from If-Match: 428 when absent, 412 when unreadable. */
export function expectedVersion(c: AppContext): number {
  const header = c.req.header('If-Match');
  if (!header) throw new PreconditionRequiredError('Send If-Match with the ETag you last read');
  const match = /^(?:W\/)?"(\d{1,15})"$/.exec(header.trim());
  if (!match) throw new PreconditionFailedError('If-Match does not name a version of this resource');
  return Number(match[1]);
}
