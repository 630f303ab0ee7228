import * as z from 'zod';
import { REFERRAL_ACTION_NAMES, REFERRAL_STATUSES } from '../referral-status.ts';
import { SERVICE_KINDS } from '../templates.ts';
import { Id, IsoDate, ListQuery, resourceMeta, Timestamp, text } from './common.ts';

export const ReferralStatus = z.enum(REFERRAL_STATUSES);
export const ServiceKind = z.enum(SERVICE_KINDS);

/** Who did something: an API client or a staff user, in a role, acting for an organisation. */
export const Actor = z
  .object({
    kind: z.enum(['client', 'user']),
    id: z.string().meta({ description: 'The API client id, or the staff user’s subject' }),
    role: z.string(),
    organisationId: Id.optional().meta({ description: 'The organisation the actor acted for' }),
  })
  .meta({ id: 'Actor' });
export type Actor = z.infer<typeof Actor>;

export const ReferralCreate = z
  .strictObject({
    participantId: Id,
    fromOrganisationId: Id.meta({
      description: 'The sending organisation; a partner sends from its own only.',
    }),
    toOrganisationId: Id.meta({
      description: 'The receiving organisation; an active consent must cover it.',
    }),
    serviceKind: ServiceKind,
    needsSummary: text(2000).meta({
      description: 'Why the person is referred and what they need: the receiver sees this.',
    }),
    desiredStart: IsoDate,
    dueDate: IsoDate.optional(),
  })
  .refine((value) => value.fromOrganisationId !== value.toOrganisationId, {
    message: 'a referral goes to another organisation than the one sending it',
    path: ['toOrganisationId'],
  })
  .meta({ id: 'ReferralCreate' });
export type ReferralCreate = z.infer<typeof ReferralCreate>;

const note = text(500).meta({ description: 'Kept in the referral’s history.' });

/** decline, cancel, fail, hold: the reason is kept in the history. */
export const ReferralReasonRequest = z.strictObject({ reason: note }).meta({ id: 'ReferralReasonRequest' });

/** accept, start, resume: an optional note. */
export const ReferralNoteRequest = z
  .strictObject({ reason: note.optional() })
  .meta({ id: 'ReferralNoteRequest' });

export const ReferralCompletionRequest = z
  .strictObject({
    reason: note.optional(),
    outcome: text(2000).optional().meta({ description: 'The result, in free form.' }),
  })
  .meta({ id: 'ReferralCompletionRequest' });

export const ReferralChange = z
  .object({
    action: z.enum(['send', ...REFERRAL_ACTION_NAMES]),
    from: ReferralStatus.nullable(),
    to: ReferralStatus,
    at: Timestamp,
    by: Actor,
    reason: z.string().optional(),
    outcome: z.string().optional(),
  })
  .meta({ id: 'ReferralChange' });
export type ReferralChange = z.infer<typeof ReferralChange>;

const summaryFields = {
  participantId: Id,
  fromOrganisationId: Id,
  toOrganisationId: Id,
  serviceKind: ServiceKind,
  desiredStart: IsoDate,
  dueDate: IsoDate.nullable(),
  status: ReferralStatus,
};

export const Referral = z
  .object({
    ...resourceMeta,
    ...summaryFields,
    needsSummary: z
      .string()
      .optional()
      .meta({
        description:
          'Left out for the receiving organisation once the referral is closed or no active consent covers it: ' +
          'the receiver loses access to the person with the consent.',
      }),
    consentId: Id.meta({ description: 'The consent that covered the receiver when the referral was sent.' }),
    outcome: z.string().nullable().meta({ description: 'The result reported on completion.' }),
    history: z.array(ReferralChange),
  })
  .meta({ id: 'Referral' });
export type Referral = z.infer<typeof Referral>;

export const ReferralSummary = z
  .object({ ...resourceMeta, ...summaryFields })
  .meta({ id: 'ReferralSummary' });
export type ReferralSummary = z.infer<typeof ReferralSummary>;

export const ReferralListQuery = ListQuery.extend({
  direction: z
    .enum(['incoming', 'outgoing'])
    .default('incoming')
    .meta({ description: 'Referrals to the organisation (its inbox), or from it.' }),
  organisationId: Id.optional().meta({
    description: 'Staff must give it; a partner’s lists are its own organisation’s.',
  }),
  status: ReferralStatus.optional(),
});

/** What the receiver sees of the person: enough to contact them and to know why they come. */
export const ReferralParticipantView = z
  .object({
    participantId: Id,
    firstName: z.string(),
    lastName: z.string(),
    contact: z.object({ email: z.string().optional(), phone: z.string().optional() }),
    needsSummary: z.string(),
    referral: ReferralSummary,
  })
  .meta({ id: 'ReferralParticipantView' });
export type ReferralParticipantView = z.infer<typeof ReferralParticipantView>;
