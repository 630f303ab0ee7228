/**
 * What the metrics count, per participant: the raw records of one person the projector reads
 * (enrolments, outcomes, milestones, attendance, referrals) and the programmes they point to.
 * Everything in shared/PRODUCT.md's metric definitions is a function of these and of the date.
 */
import type { EnrolmentStage } from '../enrolment-stages.ts';
import type { OutcomeKind } from '../schemas/outcomes.ts';
import type { GENDERS, LABOUR_MARKET_STATUSES } from '../schemas/participants.ts';

export interface EsfAtEntry {
  gender: (typeof GENDERS)[number];
  labourMarketStatus: (typeof LABOUR_MARKET_STATUSES)[number];
  unemployedSince?: string | undefined;
  iscedLevel: number;
  disability: boolean;
  thirdCountNational: boolean;
  foreignBackground: boolean;
  minority: boolean;
  homeless: boolean;
  rural: boolean;
}

export interface EnrolmentFacts {
  id: string;
  programmeId: string;
  groupId: string | null;
  coachId: string;
  stage: EnrolmentStage;
  startDate: string | null;
  exitDate: string | null;
}

export interface OutcomeFacts {
  id: string;
  kind: OutcomeKind;
  startDate: string;
  endDate: string | null;
  withdrawn: boolean;
  verifiedOn: string;
}

export interface AttendanceFacts {
  sessionId: string;
  programmeId: string;
  groupId: string | null;
  /** The session's start date (UTC). */
  date: string;
  status: 'present' | 'excused-absence' | 'unexcused-absence';
}

export interface ReferralFacts {
  id: string;
  fromOrganisationId: string;
  /** The date it was sent. */
  sentOn: string;
  /** The date the receiver accepted it, if it did. */
  acceptedOn: string | null;
  status: string;
}

export interface ParticipantFacts {
  participantId: string;
  birthDate: string;
  esf: EsfAtEntry;
  enrolments: EnrolmentFacts[];
  outcomes: OutcomeFacts[];
  /** Dates of licences and permits gained: "gained a qualification". */
  qualifications: string[];
  attendance: AttendanceFacts[];
  referrals: ReferralFacts[];
}

export interface ProgrammeFacts {
  organisationId: string;
  fundingProjectId: string | null;
}

export type ProgrammeLookup = (programmeId: string) => ProgrammeFacts | undefined;

export const SCOPE_KINDS = ['tenant', 'programme', 'group', 'funding-project', 'organisation'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

/** A scope as it names its bucket partition: `tenant`, or `<kind>#<id>`. */
export const scopeName = (kind: ScopeKind, id?: string): string =>
  kind === 'tenant' ? 'tenant' : `${kind}#${id}`;

export const EMPLOYMENT_KINDS: readonly OutcomeKind[] = [
  'employed-open-market',
  'employed-pay-subsidy',
  'self-employed',
];
export const EDUCATION_KINDS: readonly OutcomeKind[] = ['apprenticeship', 'study-place', 'training'];

/** Days after an exit: an outcome starting within them counts "upon leaving". */
export const UPON_LEAVING_DAYS = 28;
/** Days after an exit within which a job must start to count towards "employed ≥ 4 months". */
export const EMPLOYMENT_START_WINDOW_DAYS = 180;
/** Continuous days a job must last: "at least 4 months". */
export const EMPLOYMENT_MIN_DAYS = 120;
/** Days after an exit at which "employed six months after leaving" is measured. */
export const LONGER_TERM_DAYS = 182;
/** Days-to-outcome and days-to-accept above this are counted as this (a bounded histogram). */
export const MAX_COUNTED_DAYS = 3650;
