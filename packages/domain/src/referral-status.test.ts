import { describe, expect, it } from 'vitest';
import { ConflictError } from './errors.ts';
import {
  type ConsentTerms,
  consentCovers,
  consentStatusOn,
  isConsentActive,
  isOpenReferral,
  REFERRAL_ACTIONS,
  REFERRAL_STATUSES,
  type ReferralAction,
  type ReferralStatus,
  referralActionsFrom,
  referralStatusAfter,
} from './referral-status.ts';

const EXPECTED: Record<ReferralStatus, ReferralAction[]> = {
  sent: ['accept', 'decline', 'cancel'],
  accepted: ['start', 'hold', 'fail', 'cancel'],
  declined: [],
  'in-progress': ['hold', 'complete', 'fail', 'cancel'],
  'on-hold': ['resume', 'fail', 'cancel'],
  completed: [],
  failed: [],
  cancelled: [],
};

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as ConflictError;
  }
  throw new Error('expected a refusal');
};

describe('referral status', () => {
  it('allows exactly the actions of the lifecycle from each status', () => {
    for (const status of REFERRAL_STATUSES)
      expect(referralActionsFrom(status), status).toEqual(EXPECTED[status]);
  });

  it('goes sent → accepted → in-progress → on-hold → in-progress → completed', () => {
    let status: ReferralStatus = 'sent';
    const path: ReferralStatus[] = [status];
    for (const action of ['accept', 'start', 'hold', 'resume', 'complete'] as const) {
      status = referralStatusAfter(status, action);
      path.push(status);
    }
    expect(path).toEqual(['sent', 'accepted', 'in-progress', 'on-hold', 'in-progress', 'completed']);
  });

  it('can be held straight after acceptance, and resumes into progress', () => {
    expect(referralStatusAfter('accepted', 'hold')).toBe('on-hold');
    expect(referralStatusAfter('on-hold', 'resume')).toBe('in-progress');
  });

  it('refuses an illegal action with 409 illegal-transition listing the allowed ones', () => {
    const error = refusal(() => referralStatusAfter('sent', 'complete'));
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.type).toBe('illegal-transition');
    expect(error.message).toContain('a sent referral cannot complete');
    expect(error.toProblem()).toMatchObject({
      status: 409,
      referralStatus: 'sent',
      allowedActions: ['accept', 'decline', 'cancel'],
    });
    expect(refusal(() => referralStatusAfter('completed', 'cancel')).toProblem().allowedActions).toEqual([]);
  });

  it('ends for good once declined, completed, failed or cancelled', () => {
    const ended = REFERRAL_STATUSES.filter((status) => referralActionsFrom(status).length === 0);
    expect(ended).toEqual(['declined', 'completed', 'failed', 'cancelled']);
    expect(REFERRAL_STATUSES.filter(isOpenReferral)).toEqual(['sent', 'accepted', 'in-progress', 'on-hold']);
  });

  it('gives every action to the receiver but cancel, which is the sender’s', () => {
    const bySender = Object.entries(REFERRAL_ACTIONS).filter(([, spec]) => spec.by === 'sender');
    expect(bySender.map(([action]) => action)).toEqual(['cancel']);
  });

  it('wants a reason to decline, cancel, fail or hold, and only then', () => {
    const needReason = Object.entries(REFERRAL_ACTIONS).filter(([, spec]) => spec.reasonRequired);
    expect(needReason.map(([action]) => action).sort()).toEqual(['cancel', 'decline', 'fail', 'hold']);
  });
});

describe('consent', () => {
  const X = 'org-x';
  const Y = 'org-y';
  const named: ConsentTerms = {
    covers: { scope: 'organisations', organisationIds: [X] },
    givenOn: '2026-09-01',
    expiresOn: '2026-12-31',
    withdrawal: null,
  };

  it('is active from the day it is given through its expiry day', () => {
    expect(isConsentActive(named, '2026-08-31')).toBe(false);
    expect(isConsentActive(named, '2026-09-01')).toBe(true);
    expect(isConsentActive(named, '2026-12-31')).toBe(true);
    expect(isConsentActive(named, '2027-01-01')).toBe(false);
    expect(isConsentActive({ ...named, expiresOn: null }, '2099-01-01')).toBe(true);
  });

  it('stops at once when withdrawn', () => {
    const withdrawn = { ...named, withdrawal: { on: '2026-10-01' } };
    expect(isConsentActive(withdrawn, '2026-09-15')).toBe(false);
    expect(consentStatusOn(withdrawn, '2026-09-15')).toBe('withdrawn');
  });

  it('tells why it is not active', () => {
    expect(consentStatusOn(named, '2026-08-31')).toBe('not-yet-valid');
    expect(consentStatusOn(named, '2026-10-01')).toBe('active');
    expect(consentStatusOn(named, '2027-01-01')).toBe('expired');
  });

  it('covers the named organisations only, or the whole network', () => {
    expect(consentCovers(named, X, '2026-10-01')).toBe(true);
    expect(consentCovers(named, Y, '2026-10-01')).toBe(false);
    const network: ConsentTerms = { ...named, covers: { scope: 'network' } };
    expect(consentCovers(network, Y, '2026-10-01')).toBe(true);
    expect(consentCovers(network, Y, '2027-10-01')).toBe(false);
  });
});
