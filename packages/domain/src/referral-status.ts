/**
 * A referral's life: sent → accepted | declined; accepted → in-progress ⇄ on-hold → completed, or
 * failed / cancelled on the way. The receiving organisation takes every action but `cancel`, which
 * is the sender's. And the consent rule that gates sending and seeing a referral.
 */
import { ConflictError } from './errors.ts';

export const REFERRAL_STATUSES = [
  'sent',
  'accepted',
  'declined',
  'in-progress',
  'on-hold',
  'completed',
  'failed',
  'cancelled',
] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

/** Who takes an action: the organisation the referral is to, or the one it is from. */
export type ReferralParty = 'receiver' | 'sender';

export const REFERRAL_ACTIONS = {
  accept: { from: ['sent'], to: 'accepted', by: 'receiver', reasonRequired: false },
  decline: { from: ['sent'], to: 'declined', by: 'receiver', reasonRequired: true },
  start: { from: ['accepted'], to: 'in-progress', by: 'receiver', reasonRequired: false },
  hold: { from: ['accepted', 'in-progress'], to: 'on-hold', by: 'receiver', reasonRequired: true },
  resume: { from: ['on-hold'], to: 'in-progress', by: 'receiver', reasonRequired: false },
  complete: { from: ['in-progress'], to: 'completed', by: 'receiver', reasonRequired: false },
  fail: { from: ['accepted', 'in-progress', 'on-hold'], to: 'failed', by: 'receiver', reasonRequired: true },
  cancel: {
    from: ['sent', 'accepted', 'in-progress', 'on-hold'],
    to: 'cancelled',
    by: 'sender',
    reasonRequired: true,
  },
} as const satisfies Record<
  string,
  { from: readonly ReferralStatus[]; to: ReferralStatus; by: ReferralParty; reasonRequired: boolean }
>;
export type ReferralAction = keyof typeof REFERRAL_ACTIONS;
export const REFERRAL_ACTION_NAMES = Object.keys(REFERRAL_ACTIONS) as ReferralAction[];

/** Open referrals still involve the receiver: it may see the person while consent covers it. */
export const OPEN_REFERRAL_STATUSES = ['sent', 'accepted', 'in-progress', 'on-hold'] as const;

export function isOpenReferral(status: ReferralStatus): boolean {
  return (OPEN_REFERRAL_STATUSES as readonly ReferralStatus[]).includes(status);
}

export function referralActionsFrom(status: ReferralStatus): ReferralAction[] {
  return REFERRAL_ACTION_NAMES.filter((action) =>
    (REFERRAL_ACTIONS[action].from as readonly ReferralStatus[]).includes(status),
  );
}

/** The status after the action, or 409 illegal-transition naming the actions the status allows. */
export function referralStatusAfter(status: ReferralStatus, action: ReferralAction): ReferralStatus {
  const allowed = referralActionsFrom(status);
  if (!allowed.includes(action)) {
    throw new ConflictError(
      'illegal-transition',
      `a ${status} referral cannot ${action}; allowed: ${allowed.join(', ') || 'none'}`,
      { referralStatus: status, allowedActions: allowed },
    );
  }
  return REFERRAL_ACTIONS[action].to;
}

/** What a consent needs for the rule: whom it covers, from when, until when, and whether withdrawn. */
export interface ConsentTerms {
  covers: { scope: 'network' } | { scope: 'organisations'; organisationIds: readonly string[] };
  givenOn: string;
  expiresOn?: string | null | undefined;
  withdrawal?: unknown;
}

export const CONSENT_STATUSES = ['active', 'not-yet-valid', 'expired', 'withdrawn'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

/** Withdrawn at once; else active from the day it is given through its expiry day. */
export function consentStatusOn(consent: ConsentTerms, date: string): ConsentStatus {
  if (consent.withdrawal) return 'withdrawn';
  if (consent.givenOn > date) return 'not-yet-valid';
  if (consent.expiresOn && date > consent.expiresOn) return 'expired';
  return 'active';
}

export function isConsentActive(consent: ConsentTerms, date: string): boolean {
  return consentStatusOn(consent, date) === 'active';
}

/** Whether the consent, active on the date, lets the participant's data be shared with the organisation. */
export function consentCovers(consent: ConsentTerms, organisationId: string, date: string): boolean {
  if (!isConsentActive(consent, date)) return false;
  return consent.covers.scope === 'network' || consent.covers.organisationIds.includes(organisationId);
}
