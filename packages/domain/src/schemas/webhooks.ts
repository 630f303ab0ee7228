import * as z from 'zod';
import { Id, resourceMeta, Timestamp } from './common.ts';

/**
 * What a partner system can subscribe to. The outbox (`DOMAIN_EVENT_TYPES` in @polku/storage) names
 * the same list; storage checks at compile time that the two agree.
 */
export const WEBHOOK_EVENT_TYPES = [
  'referral.created',
  'referral.accepted',
  'referral.declined',
  'referral.started',
  'referral.completed',
  'referral.cancelled',
  // The referral's person was erased: the receiver and the sender erase their copies (GDPR art. 19).
  'referral.erased',
  'action.assigned',
] as const;
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES).meta({ id: 'WebhookEventType' });
export type WebhookEventType = z.infer<typeof WebhookEventType>;

const WebhookUrl = z
  .url({ protocol: /^https?$/, message: 'must be an https URL' })
  .max(1000)
  .meta({
    description: 'Where deliveries are POSTed: https, on a public address',
    example: 'https://kaski.example/polku/webhooks',
  });

const EventTypes = z
  .array(WebhookEventType)
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, 'must not repeat an event type')
  .meta({ description: 'The event types delivered to this endpoint' });

export const WebhookEndpointCreate = z
  .strictObject({
    organisationId: Id.meta({ description: 'The organisation whose events the endpoint hears of' }),
    url: WebhookUrl,
    eventTypes: EventTypes,
  })
  .meta({ id: 'WebhookEndpointCreate' });
export type WebhookEndpointCreate = z.infer<typeof WebhookEndpointCreate>;

export const WebhookEndpointUpdate = z
  .strictObject({
    url: WebhookUrl.optional(),
    eventTypes: EventTypes.optional(),
    active: z.boolean().optional().meta({ description: 'An inactive endpoint gets no deliveries' }),
  })
  .refine((value) => Object.keys(value).length > 0, 'give at least one field to change')
  .meta({ id: 'WebhookEndpointUpdate' });
export type WebhookEndpointUpdate = z.infer<typeof WebhookEndpointUpdate>;

export const WebhookEndpoint = z
  .object({
    ...resourceMeta,
    organisationId: Id,
    url: z.string(),
    eventTypes: z.array(WebhookEventType),
    active: z.boolean(),
    secretVersion: z.number().int().positive().meta({ description: 'Goes up by one on every rotation' }),
    secretRotatedAt: Timestamp.optional(),
    previousSecretExpiresAt: Timestamp.optional().meta({
      description: 'Until then deliveries carry a second signature, made with the previous secret',
    }),
  })
  .meta({ id: 'WebhookEndpoint' });
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

export const WebhookEndpointWithSecret = WebhookEndpoint.extend({
  signingSecret: z
    .string()
    .optional()
    .meta({
      description:
        'Verifies the `Polku-Signature` header. Shown once, in this response only; Polku does not store ' +
        'it. Absent when the response is an idempotent replay: rotate the secret to get a new one.',
    }),
}).meta({ id: 'WebhookEndpointWithSecret' });

export const WEBHOOK_ATTEMPT_OUTCOMES = ['delivered', 'retrying', 'failed'] as const;

export const WebhookAttempt = z
  .object({
    id: Id,
    eventId: Id,
    eventType: WebhookEventType,
    attempt: z.number().int().positive().meta({ description: '1 for the first delivery of the event' }),
    at: Timestamp,
    outcome: z.enum(WEBHOOK_ATTEMPT_OUTCOMES).meta({
      description: '`delivered` (2xx), `retrying` (another attempt follows) or `failed` (no more attempts)',
    }),
    statusCode: z.number().int().optional().meta({ description: "The receiver's HTTP status" }),
    error: z
      .string()
      .optional()
      .meta({ description: 'Why no status came back: timeout, refused address, …' }),
    durationMs: z.number().int().nonnegative(),
    nextRetryAt: Timestamp.optional().meta({ description: 'When the next attempt is due, if one follows' }),
  })
  .meta({ id: 'WebhookAttempt' });
export type WebhookAttempt = z.infer<typeof WebhookAttempt>;

/** What a receiver gets: ids and the type only; it fetches the details with its own token. */
export const WebhookDelivery = z
  .object({
    id: Id.meta({ description: 'The event id: the same on every retry, so receivers deduplicate on it' }),
    type: WebhookEventType,
    occurredAt: Timestamp,
    tenantId: Id,
    resource: z.object({
      kind: z.enum(['referral', 'network-meeting-action']),
      id: Id,
      path: z.string().meta({ example: '/v1/referrals/01KAQ4T0Z8X2N5W7P9R3M6B1CD' }),
    }),
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;
