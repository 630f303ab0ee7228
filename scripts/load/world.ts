/**
 * What the load knows of each tenant: the ids it was answered with and the state it last saw,
 * enough to pick the next request a coach or partner would make. And the ledger of every record
 * the API said it created, to compare with what the table holds afterwards.
 */

export interface Group {
  id: string;
  programmeId: string;
  capacity: number;
  /** Seats taken by enrolments this run made (enrolled or active). */
  seats: number;
  /** Participants with an enrolment in the group: who may be marked at its sessions. */
  members: Set<string>;
}

export interface Programme {
  id: string;
  groups: Group[];
}

export interface Participant {
  id: string;
  /** An active network-wide consent: referrals may be sent. */
  consent: boolean;
  /** Programmes with an open enrolment (one per programme). */
  openProgrammes: Set<string>;
  enrolmentIds: string[];
}

export interface Enrolment {
  id: string;
  participantId: string;
  programmeId: string;
  groupId: string | undefined;
  stage: string;
  version: number;
  busy: boolean;
}

export interface Session {
  id: string;
  programmeId: string;
  groupId: string;
  version: number;
  /** Started already: attendance can be taken. */
  started: boolean;
  busy: boolean;
}

export interface Referral {
  id: string;
  participantId: string;
  toOrganisationId: string;
  status: string;
  version: number;
  busy: boolean;
}

export interface Outcome {
  id: string;
  participantId: string;
  /** The partner organisation that recorded it; undefined for staff. */
  recordedBy: string | undefined;
}

export interface Tenant {
  index: number;
  id: string;
  adminToken: string;
  coachTokens: string[];
  runnerOrganisationId: string;
  /** Partner organisations, each with its partner client's token. */
  partners: { organisationId: string; token: string }[];
  fundingProjectId: string;
  programmes: Programme[];
  participants: Participant[];
  enrolments: Enrolment[];
  sessions: Session[];
  referrals: Referral[];
  outcomes: Outcome[];
}

/** The record types whose creation the load counts, as the table's `entity` names them. */
export const COUNTED_ENTITIES = [
  'organisation',
  'funding-project',
  'programme',
  'group',
  'participant',
  'enrolment',
  'session',
  'consent',
  'referral',
  'outcome',
  'attendance',
] as const;
export type CountedEntity = (typeof COUNTED_ENTITIES)[number];

export class Ledger {
  /** Ids the API answered 201 with (attendance: `session|participant` marked with a 200). */
  readonly ids = new Map<CountedEntity, Map<string, Set<string>>>();
  /** Records created per type, by first (not replayed) 2xx responses. */
  readonly responses = new Map<CountedEntity, number>();
  replays = 0;
  replayMismatches = 0;

  created(entity: CountedEntity, tenantId: string, ids: readonly string[]): void {
    const byTenant = this.ids.get(entity) ?? new Map<string, Set<string>>();
    this.ids.set(entity, byTenant);
    const set = byTenant.get(tenantId) ?? new Set<string>();
    byTenant.set(tenantId, set);
    for (const id of ids) set.add(id);
    if (entity !== 'attendance') this.responses.set(entity, (this.responses.get(entity) ?? 0) + ids.length);
  }

  idsOf(entity: CountedEntity, tenantId: string): ReadonlySet<string> {
    return this.ids.get(entity)?.get(tenantId) ?? new Set();
  }
}
