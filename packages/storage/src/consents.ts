/**
 * Consents, in the participant's partition. Withdrawing one cancels, in the same transaction, every
 * open referral to an organisation no other active consent covers; a referral sent under a consent
 * bumps the consent's private counter, so a withdrawal that read the referrals before it retries.
 */
import {
  ConflictError,
  consentCovers,
  consentStatusOn,
  NotFoundError,
  ServiceUnavailableError,
  type schemas,
} from '@polku/domain';
import { collections, keys } from '@polku/table';
import type { Db } from './db.ts';
import type { Item } from './item.ts';
import { participantStillExists } from './participants.ts';
import { getItem, type PageRequest, queryAll, queryPage } from './read.ts';
import {
  type Actor,
  getReferral,
  openReferralsOf,
  type Referral,
  referralAfter,
  transitionOps,
} from './referrals.ts';
import {
  assertVersion,
  newResource,
  recordsOf,
  repository,
  revised,
  type WriteOptions,
} from './repository.ts';
import { commit, conditions, type WriteOp } from './write.ts';

export type Consent = schemas.StoredConsent;

/** How many referrals were sent under the consent: the withdrawal's guard against a racing send. */
const REFERRALS_SENT = 'referralsSent';
const MAX_CANCELLED_WITH_WITHDRAWAL = 25;
const WITHDRAWAL_ATTEMPTS = 3;

export const consents = repository<Consent>({
  name: 'consent',
  entity: 'consent',
  key: (tenantId, consent) => keys.consent(tenantId, consent.participantId, consent.id),
  privateAttributes: [REFERRALS_SENT],
});

export function getConsent(db: Db, tenantId: string, participantId: string, id: string): Promise<Consent> {
  return consents.load(db, keys.consent(tenantId, participantId, id), id);
}

export type NewConsent = Pick<Consent, 'participantId' | 'covers' | 'purpose' | 'givenOn' | 'expiresOn'> & {
  recordedBy: Actor;
};

export async function createConsent(
  db: Db,
  tenantId: string,
  fields: NewConsent,
  options: WriteOptions = {},
): Promise<Consent> {
  const consent = newResource({ ...fields, withdrawal: null }, options.now);
  await commit(
    db,
    [consents.insert(tenantId, consent), participantStillExists(tenantId, fields.participantId)],
    recordsOf(options, consent),
  );
  return consent;
}

/** Every consent of a participant (a person gives few). */
export async function consentsOf(db: Db, tenantId: string, participantId: string): Promise<Consent[]> {
  const { PK, prefix } = collections.consentsOfParticipant(tenantId, participantId);
  return (await queryAll(db, { partition: PK, prefix })).map(consents.fromItem);
}

/** A page of a participant's consents, newest first. */
export async function listConsents(
  db: Db,
  tenantId: string,
  participantId: string,
  page: PageRequest,
): Promise<{ items: Consent[]; lastKey: Item | undefined }> {
  const { PK, prefix } = collections.consentsOfParticipant(tenantId, participantId);
  const result = await queryPage(db, { partition: PK, prefix, newestFirst: true }, page);
  return { items: result.items.map(consents.fromItem), lastKey: result.lastKey };
}

export function consentMissing(participantId: string, organisationId: string): ConflictError {
  return new ConflictError(
    'consent-missing',
    `participant ${participantId} has no active consent covering organisation ${organisationId}; ` +
      'record the consent first',
    { participantId, organisationId },
  );
}

/** An active consent of the participant that covers the organisation on the date, or 409 consent-missing. */
export async function coveringConsent(
  db: Db,
  tenantId: string,
  participantId: string,
  organisationId: string,
  date: string,
): Promise<Consent> {
  const found = (await consentsOf(db, tenantId, participantId)).find((consent) =>
    consentCovers(consent, organisationId, date),
  );
  if (!found) throw consentMissing(participantId, organisationId);
  return found;
}

/**
 * The covering consent's part in sending a referral: it must not have been withdrawn since it was
 * read, and it counts the referral, which fails a withdrawal that planned without it.
 */
export function sentUnderConsent(tenantId: string, consent: Consent, organisationId: string): WriteOp {
  return {
    kind: 'update',
    key: keys.consent(tenantId, consent.participantId, consent.id),
    update: 'SET #sent = if_not_exists(#sent, :zero) + :one',
    names: { '#sent': REFERRALS_SENT },
    values: { ':zero': 0, ':one': 1 },
    condition: {
      expression: 'attribute_exists(PK) AND attribute_type(#withdrawal, :null)',
      names: { '#withdrawal': 'withdrawal' },
      values: { ':null': 'NULL' },
    },
    onConflict: () => consentMissing(consent.participantId, organisationId),
  };
}

export interface Withdrawal {
  reason: string;
  /** Today in Europe/Helsinki: what the remaining consents are judged on. */
  on: string;
  by: Actor;
}

/** A referral was sent, or one to cancel changed, while the withdrawal was being planned. */
class WithdrawalRaced extends Error {}

/**
 * Withdraws a consent with immediate effect: one transaction holds the consent and every open
 * referral it leaves uncovered, cancelled with reason `consent-withdrawn`.
 */
export async function withdrawConsent(
  db: Db,
  tenantId: string,
  participantId: string,
  id: string,
  withdrawal: Withdrawal,
  expectedVersion: number,
  options: WriteOptions = {},
): Promise<Consent> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withdrawOnce(db, tenantId, participantId, id, withdrawal, expectedVersion, options);
    } catch (error) {
      if (!(error instanceof WithdrawalRaced)) throw error;
      if (attempt === WITHDRAWAL_ATTEMPTS) {
        throw new ServiceUnavailableError('Referrals of the participant keep changing; retry the withdrawal');
      }
    }
  }
}

async function withdrawOnce(
  db: Db,
  tenantId: string,
  participantId: string,
  id: string,
  withdrawal: Withdrawal,
  expectedVersion: number,
  options: WriteOptions,
): Promise<Consent> {
  const now = options.now ?? new Date();
  const key = keys.consent(tenantId, participantId, id);
  // The consent first: a referral counted in it is already among the summaries read after it, and
  // one sent after it changes the count, which fails this transaction.
  const stored = await getItem(db, key);
  if (stored?.entity !== 'consent') throw new NotFoundError(`consent ${id} not found`);
  const [all, open] = await Promise.all([
    consentsOf(db, tenantId, participantId),
    openReferralsOf(db, tenantId, participantId),
  ]);
  const current = consents.fromItem(stored);
  assertVersion('consent', current, expectedVersion);
  if (current.withdrawal) {
    throw new ConflictError('already-withdrawn', `consent ${id} was withdrawn on ${current.withdrawal.on}`);
  }
  const others = all.filter((consent) => consent.id !== id);
  const uncovered = open.filter(
    (summary) => !others.some((consent) => consentCovers(consent, summary.toOrganisationId, withdrawal.on)),
  );
  if (uncovered.length > MAX_CANCELLED_WITH_WITHDRAWAL) {
    throw new ConflictError(
      'too-many-open-referrals',
      `withdrawing consent ${id} would cancel ${uncovered.length} referrals at once; ` +
        `cancel some first (at most ${MAX_CANCELLED_WITH_WITHDRAWAL} go with a withdrawal)`,
    );
  }
  const toCancel = await Promise.all(uncovered.map((summary) => getReferral(db, tenantId, summary.id)));
  const cancellations = toCancel.map((referral) => cancellationOps(tenantId, referral, withdrawal.by, now));
  const next = revised(
    current,
    {
      withdrawal: {
        on: withdrawal.on,
        at: now.toISOString(),
        reason: withdrawal.reason,
        by: withdrawal.by,
        cancelledReferralIds: toCancel.map((referral) => referral.id),
      },
    },
    now,
  );
  const sent = stored[REFERRALS_SENT];
  const consentOp: WriteOp = {
    kind: 'put',
    item: consents.item(tenantId, next, sent === undefined ? {} : { [REFERRALS_SENT]: sent }),
    condition: {
      expression: `attribute_exists(PK) AND #version = :version AND ${
        sent === undefined ? 'attribute_not_exists(#sent)' : '#sent = :sent'
      }`,
      names: { '#version': 'version', '#sent': REFERRALS_SENT },
      values: { ':version': expectedVersion, ...(sent === undefined ? {} : { ':sent': sent }) },
    },
    onConflict: () => new WithdrawalRaced(),
  };
  // The consents still relied on for the referrals left open must stay as read: two withdrawals at
  // once must not each leave a referral open on the strength of the other's consent.
  const reliedOn = others.filter((consent) =>
    open.some(
      (summary) =>
        !uncovered.includes(summary) && consentCovers(consent, summary.toOrganisationId, withdrawal.on),
    ),
  );
  const unchanged = reliedOn.map(
    (consent): WriteOp => ({
      kind: 'check',
      key: keys.consent(tenantId, participantId, consent.id),
      condition: conditions.version(consent.version),
      onConflict: () => new WithdrawalRaced(),
    }),
  );
  await commit(db, [consentOp, ...unchanged, ...cancellations.flat()], recordsOf(options, next));
  return next;
}

/** A referral's cancellation by a withdrawal; if the referral changed meanwhile, the withdrawal retries. */
function cancellationOps(tenantId: string, referral: Referral, by: Actor, now: Date): WriteOp[] {
  const next = referralAfter(
    referral,
    {
      action: 'cancel',
      reason: 'consent-withdrawn',
      by: { ...by, organisationId: referral.fromOrganisationId },
    },
    now,
  );
  return transitionOps(tenantId, referral, next, 'cancel', now).map((op) => ({
    ...op,
    ...(op.condition ? { onConflict: () => new WithdrawalRaced() } : {}),
  }));
}

/** The consent as the API shows it: with its status on the date. */
export function consentOn(consent: Consent, date: string): schemas.Consent {
  return { ...consent, status: consentStatusOn(consent, date) };
}
