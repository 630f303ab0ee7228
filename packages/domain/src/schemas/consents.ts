import * as z from 'zod';
import { CONSENT_STATUSES } from '../referral-status.ts';
import { Id, IsoDate, resourceMeta, Timestamp, text } from './common.ts';
import { Actor } from './referrals.ts';

export const ConsentCoverage = z
  .discriminatedUnion('scope', [
    z.strictObject({
      scope: z.literal('organisations'),
      organisationIds: z
        .array(Id)
        .min(1)
        .max(50)
        .refine((ids) => new Set(ids).size === ids.length, 'each organisation at most once'),
    }),
    z.strictObject({ scope: z.literal('network') }),
  ])
  .meta({
    id: 'ConsentCoverage',
    description:
      'The organisations the participant lets their data be shared with: named ones, or the whole network.',
  });

export const ConsentCreate = z
  .strictObject({
    covers: ConsentCoverage,
    purpose: text(500).meta({ example: 'Referral to a work try-out and follow-up' }),
    givenOn: IsoDate,
    expiresOn: IsoDate.optional().meta({ description: 'The last day the consent is valid.' }),
  })
  .refine((value) => value.expiresOn === undefined || value.expiresOn >= value.givenOn, {
    message: 'a consent cannot expire before it is given',
    path: ['expiresOn'],
  })
  .meta({ id: 'ConsentCreate' });
export type ConsentCreate = z.infer<typeof ConsentCreate>;

export const ConsentWithdrawalRequest = z
  .strictObject({ reason: text(500).meta({ example: 'The participant asked by phone' }) })
  .meta({ id: 'ConsentWithdrawalRequest' });

export const ConsentWithdrawal = z
  .object({
    on: IsoDate.meta({ description: 'The day it took effect (Europe/Helsinki).' }),
    at: Timestamp,
    reason: z.string(),
    by: Actor,
    cancelledReferralIds: z.array(Id).meta({
      description: 'Open referrals to organisations no other active consent covers, cancelled with it.',
    }),
  })
  .meta({ id: 'ConsentWithdrawal' });

/** A consent as stored. */
export const StoredConsent = z.object({
  ...resourceMeta,
  participantId: Id,
  covers: ConsentCoverage,
  purpose: z.string(),
  givenOn: IsoDate,
  expiresOn: IsoDate.nullable(),
  withdrawal: ConsentWithdrawal.nullable(),
  recordedBy: Actor,
});
export type StoredConsent = z.infer<typeof StoredConsent>;

export const Consent = StoredConsent.extend({
  status: z
    .enum(CONSENT_STATUSES)
    .meta({ description: 'On the day of the response in Europe/Helsinki; only an active consent covers.' }),
}).meta({ id: 'Consent' });
export type Consent = z.infer<typeof Consent>;
