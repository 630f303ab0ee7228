/**
 * Webhook signatures: `Polku-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * Secrets are derived, never stored: HMAC(webhook key, "<tenant>:<endpoint>:<secret version>").
 */
import { createHmac } from 'node:crypto';
import type { WebhookEndpoint } from '@polku/storage';

export const SIGNATURE_HEADER = 'Polku-Signature';

/** An endpoint's signing secret at one version, as shown to the tenant admin once. */
export function signingSecretOf(key: Buffer, tenantId: string, endpointId: string, version: number): string {
  const mac = createHmac('sha256', key).update(`${tenantId}:${endpointId}:${version}`).digest('base64url');
  return `whsec_${mac}`;
}

/**
 * The secrets a delivery is signed with now: the current one, and during a rotation's grace period
 * the previous one too, so a receiver can switch secrets without missing a delivery.
 */
export function secretsToSignWith(
  key: Buffer,
  tenantId: string,
  endpoint: WebhookEndpoint,
  now: Date,
): string[] {
  const secrets = [signingSecretOf(key, tenantId, endpoint.id, endpoint.secretVersion)];
  const graceEnds = endpoint.previousSecretExpiresAt ? Date.parse(endpoint.previousSecretExpiresAt) : 0;
  if (endpoint.secretVersion > 1 && graceEnds > now.getTime()) {
    secrets.push(signingSecretOf(key, tenantId, endpoint.id, endpoint.secretVersion - 1));
  }
  return secrets;
}

/** The header value: one timestamp, one `v1` per secret. */
export function signatureHeader(secrets: readonly string[], timestamp: number, body: string): string {
  const signatures = secrets.map(
    (secret) => `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`,
  );
  return [`t=${timestamp}`, ...signatures].join(',');
}
