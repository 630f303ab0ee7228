/**
 * A partner's check of a delivery's Polku-Signature, as docs/partner-integration.md shows it to be
 * copied (test/webhooks.test.ts runs it and checks the docs show it unchanged).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const TOLERANCE_SECONDS = 5 * 60;

/** True when `header` (Polku-Signature) signs `rawBody` with `secret`, made within 5 minutes of now. */
export function verifyPolkuSignature(secret: string, header: string, rawBody: string, now = Date.now()) {
  const parts = header.split(',').map((part) => part.split('='));
  const t = Number(parts.find(([key]) => key === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(now / 1000 - t) > TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  return parts.some(([key, value]) => {
    if (key !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
