/**
 * Webhook endpoints of a tenant's organisations and their delivery attempts. An endpoint keeps no
 * secret: its signing secret is derived from the platform's webhook key and `secretVersion`.
 * Attempts live in the endpoint's own partition, newest first by id, and expire after 30 days.
 */
import { newId, type schemas } from '@polku/domain';
import { collections, indexKeys, keys } from '@polku/table';
import type { Db } from './db.ts';
import { entityOf } from './item.ts';
import type { DomainEventType } from './outbox.ts';
import { type PageRequest, queryAll, queryPage } from './read.ts';
import {
  assertVersion,
  newResource,
  recordsOf,
  repository,
  revised,
  stale,
  type WriteOptions,
} from './repository.ts';
import { commit, conditions } from './write.ts';

export type WebhookEndpoint = schemas.WebhookEndpoint;
export type WebhookAttempt = schemas.WebhookAttempt;

// The API's schema and the outbox name the same event types; this fails to compile if they drift.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
true satisfies Same<DomainEventType, schemas.WebhookEventType>;

export const WEBHOOK_ATTEMPT_TTL_SECONDS = 30 * 24 * 3600;
/** An organisation's endpoints the dispatcher reads per event; far more than anyone registers. */
const MAX_ENDPOINTS_PER_ORGANISATION = 100;

const NAME = 'webhook endpoint';

export const webhookEndpoints = repository<WebhookEndpoint>({
  name: NAME,
  entity: 'webhook-endpoint',
  key: (tenantId, endpoint) => keys.webhookEndpoint(tenantId, endpoint.id),
  indexKeys: (tenantId, endpoint) =>
    indexKeys.webhookByOrganisation(tenantId, endpoint.organisationId, endpoint.id),
});

export async function createWebhookEndpoint(
  db: Db,
  tenantId: string,
  fields: schemas.WebhookEndpointCreate,
  options: WriteOptions = {},
): Promise<WebhookEndpoint> {
  const endpoint = newResource({ ...fields, active: true, secretVersion: 1 }, options.now);
  await commit(db, [webhookEndpoints.insert(tenantId, endpoint)], recordsOf(options, endpoint));
  return endpoint;
}

export function getWebhookEndpoint(db: Db, tenantId: string, id: string): Promise<WebhookEndpoint> {
  return webhookEndpoints.load(db, keys.webhookEndpoint(tenantId, id), id);
}

export async function listWebhookEndpoints(db: Db, tenantId: string, page: PageRequest) {
  const { PK, prefix } = collections.webhookEndpoints(tenantId);
  const result = await queryPage(db, { partition: PK, prefix }, page);
  return { items: result.items.map(webhookEndpoints.fromItem), lastKey: result.lastKey };
}

export async function updateWebhookEndpoint(
  db: Db,
  tenantId: string,
  id: string,
  patch: schemas.WebhookEndpointUpdate,
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<WebhookEndpoint> {
  const current = await getWebhookEndpoint(db, tenantId, id);
  assertVersion(NAME, current, expectedVersion);
  const next = revised(current, patch, options.now);
  await commit(db, [webhookEndpoints.replace(tenantId, next, expectedVersion)], recordsOf(options, next));
  return next;
}

/** A new secret version; the previous one still signs deliveries for `graceSeconds`. */
export async function rotateWebhookSecret(
  db: Db,
  tenantId: string,
  id: string,
  graceSeconds: number,
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<WebhookEndpoint> {
  const current = await getWebhookEndpoint(db, tenantId, id);
  assertVersion(NAME, current, expectedVersion);
  const now = options.now ?? new Date();
  const next = revised(
    current,
    {
      secretVersion: current.secretVersion + 1,
      secretRotatedAt: now.toISOString(),
      previousSecretExpiresAt: new Date(now.getTime() + graceSeconds * 1000).toISOString(),
    },
    now,
  );
  await commit(db, [webhookEndpoints.replace(tenantId, next, expectedVersion)], recordsOf(options, next));
  return next;
}

/** Removes the endpoint; its attempts stay readable by nobody and expire with their TTL. */
export async function deleteWebhookEndpoint(
  db: Db,
  tenantId: string,
  id: string,
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<WebhookEndpoint> {
  const current = await getWebhookEndpoint(db, tenantId, id);
  assertVersion(NAME, current, expectedVersion);
  await commit(
    db,
    [
      {
        kind: 'delete',
        key: keys.webhookEndpoint(tenantId, id),
        condition: conditions.version(expectedVersion),
        onConflict: () => stale(NAME, id),
      },
    ],
    recordsOf(options, current),
  );
  return current;
}

/**
 * The active endpoints of an organisation subscribed to an event type, for the dispatcher: one
 * query of the organisation's few endpoints (GSI1), the type and `active` checked here.
 */
export async function webhookEndpointsFor(
  db: Db,
  tenantId: string,
  organisationId: string,
  type: DomainEventType,
): Promise<WebhookEndpoint[]> {
  const items = await queryAll(
    db,
    { index: 'gsi1', partition: indexKeys.webhooksOfOrganisationPartition(tenantId, organisationId) },
    MAX_ENDPOINTS_PER_ORGANISATION,
  );
  return items
    .filter((item) => item.entity === 'webhook-endpoint')
    .map(webhookEndpoints.fromItem)
    .filter((endpoint) => endpoint.active && endpoint.eventTypes.includes(type));
}

/** Records one delivery attempt (an unconditional put of a new id). */
export async function recordWebhookAttempt(
  db: Db,
  tenantId: string,
  endpointId: string,
  fields: Omit<WebhookAttempt, 'id'>,
): Promise<WebhookAttempt> {
  const attempt: WebhookAttempt = { id: newId(Date.parse(fields.at)), ...fields };
  await commit(db, [
    {
      kind: 'put',
      item: {
        ...attempt,
        ...keys.webhookAttempt(tenantId, endpointId, attempt.id),
        entity: 'webhook-attempt',
        tenantId,
        endpointId,
        expiresAt: Math.floor(Date.parse(attempt.at) / 1000) + WEBHOOK_ATTEMPT_TTL_SECONDS,
      },
    },
  ]);
  return attempt;
}

/** An endpoint's attempts, newest first; 404 when the endpoint is not the tenant's. */
export async function listWebhookAttempts(db: Db, tenantId: string, endpointId: string, page: PageRequest) {
  await getWebhookEndpoint(db, tenantId, endpointId);
  const { PK, prefix } = collections.attemptsOfWebhook(tenantId, endpointId);
  const result = await queryPage(db, { partition: PK, prefix, newestFirst: true }, page);
  return {
    items: result.items.map((item) => entityOf<WebhookAttempt>(item, ['endpointId'])),
    lastKey: result.lastKey,
  };
}
