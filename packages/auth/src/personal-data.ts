/**
 * Who is shown which of a person's data: each kind Polku holds, with the permissions whose routes
 * show it. The records of processing in docs/data-protection.md are generated from this, PERMISSIONS
 * and the policy for sensitive data (`pnpm exec tsx scripts/personal-data-table.ts`); test/docs.test.ts
 * holds the field names to the OpenAPI document.
 */
import { PERMISSIONS, type Permission, ROLES, type Role } from './roles.ts';

/**
 * Who is shown a person's sensitive ESF characteristics (`SENSITIVE_ESF_FIELDS` in @polku/domain): every
 * participant's, or only those of the participants a coach is responsible for (named as `coachId` of
 * one of their enrolments). Every other role is never shown them, whatever its permissions.
 */
export const SENSITIVE_DATA_SHOWN = {
  tenant_admin: 'every-participant',
  coach: 'responsible-coach',
} as const satisfies Partial<Record<Role, 'every-participant' | 'responsible-coach'>>;

export type SensitiveDataScope = 'every-participant' | 'responsible-coach' | 'none';

export function sensitiveDataScope(role: Role): SensitiveDataScope {
  return (SENSITIVE_DATA_SHOWN as Partial<Record<Role, SensitiveDataScope>>)[role] ?? 'none';
}

export interface PersonalData {
  /** The record it is held in, as a reader would name it. */
  record: string;
  /** The OpenAPI schema the fields are properties of. */
  schema: string;
  /** As the API names them; `esf.gender` is a property of a property. */
  fields: readonly string[];
  /** Shown after the fields, e.g. that a field is never returned. */
  note?: string;
  /** The permissions whose routes show the fields; none: nobody is shown them. */
  shownWith: readonly Permission[];
  /** A role's view narrowed by its routes, in a few words (a partner sees its own organisation's). */
  narrowed?: Partial<Record<Role, string>>;
  /** Shown only as SENSITIVE_DATA_SHOWN says, whatever the permissions. */
  sensitive?: true;
}

export const PERSONAL_DATA: readonly PersonalData[] = [
  {
    record: 'participant',
    schema: 'Participant',
    fields: ['firstName', 'lastName', 'email', 'phone'],
    shownWith: ['participants:read', 'referrals:read'],
    narrowed: { partner: 'if referred to them' },
  },
  {
    record: 'participant',
    schema: 'Participant',
    fields: ['birthDate', 'municipality', 'hasIdentityCode'],
    shownWith: ['participants:read'],
  },
  {
    record: 'participant',
    schema: 'ParticipantCreate',
    fields: ['identityCode'],
    note: 'never shown: kept as a keyed hash',
    shownWith: [],
  },
  {
    record: 'participant',
    schema: 'Participant',
    fields: ['esf.gender', 'esf.labourMarketStatus', 'esf.unemployedSince', 'esf.iscedLevel', 'esf.rural'],
    shownWith: ['participants:read'],
  },
  {
    record: 'participant',
    schema: 'Participant',
    // schemas.SENSITIVE_ESF_FIELDS (a test holds them equal; auth stays free of the schemas)
    fields: [
      'esf.disability',
      'esf.thirdCountNational',
      'esf.foreignBackground',
      'esf.minority',
      'esf.homeless',
    ],
    shownWith: ['participants:read'],
    sensitive: true,
  },
  {
    record: 'milestone',
    schema: 'Milestone',
    fields: ['kind', 'date', 'title', 'note', 'selfAssessment'],
    shownWith: ['milestones:read'],
  },
  {
    record: 'enrolment',
    schema: 'Enrolment',
    fields: ['programmeId', 'groupId', 'coachId', 'stage', 'startDate', 'exitDate', 'discontinuationReason'],
    shownWith: ['enrolments:read'],
  },
  { record: 'session', schema: 'Session', fields: ['participantIds'], shownWith: ['sessions:read'] },
  {
    record: 'attendance',
    schema: 'Attendance',
    fields: ['records.status', 'records.note'],
    shownWith: ['attendance:read'],
  },
  {
    record: 'consent',
    schema: 'Consent',
    fields: ['covers', 'purpose', 'givenOn', 'expiresOn', 'withdrawal'],
    shownWith: ['consents:read'],
  },
  {
    record: 'referral',
    schema: 'Referral',
    fields: ['serviceKind', 'needsSummary', 'desiredStart', 'outcome', 'history'],
    shownWith: ['referrals:read'],
    narrowed: { partner: "their organisation's" },
  },
  {
    record: 'network meeting',
    schema: 'NetworkMeeting',
    fields: ['date', 'organisationsPresent', 'summary', 'actions'],
    shownWith: ['network-meetings:read'],
    narrowed: { partner: 'if they attended' },
  },
  {
    record: 'outcome',
    schema: 'Outcome',
    fields: [
      'kind',
      'startDate',
      'endDate',
      'hoursPerWeek',
      'employerOrInstitution',
      'verifiedOn',
      'history',
    ],
    shownWith: ['outcomes:read'],
    narrowed: { partner: 'if they recorded it' },
  },
  {
    record: 'follow-up',
    schema: 'FollowUp',
    fields: ['checkpoint', 'exitDate', 'dueDate', 'coachId'],
    shownWith: ['follow-ups:read'],
  },
  {
    record: 'audit event',
    schema: 'AuditEvent',
    fields: ['participantId', 'action', 'actor', 'at'],
    shownWith: ['audit:read'],
  },
  {
    record: 'export',
    schema: 'ParticipantExport',
    fields: [],
    note: 'all of the above about one person',
    shownWith: ['participants:export'],
  },
  {
    record: 'metrics, ESF+ report',
    schema: 'Metrics',
    fields: [],
    note: 'counts only, no person',
    shownWith: ['metrics:read', 'reports:read'],
    narrowed: { analyst: 'small counts withheld' },
  },
];

const SENSITIVE_CELL = { 'every-participant': '✓', 'responsible-coach': 'if responsible', none: '' };

/** What the role is shown of the data: '✓', a narrowed view in a few words, or '' for nothing. */
export function shownTo(data: PersonalData, role: Role): string {
  const holds = data.shownWith.some((permission) =>
    (PERMISSIONS[permission] as readonly Role[]).includes(role),
  );
  if (!holds) return '';
  if (data.sensitive) return SENSITIVE_CELL[sensitiveDataScope(role)];
  return data.narrowed?.[role] ?? '✓';
}

function fieldsOf(data: PersonalData): string {
  const fields = data.fields.map((field) => `\`${field}\``).join(', ');
  if (!data.note) return fields;
  return fields ? `${fields} (${data.note})` : data.note;
}

/** The records of processing's role × field table: a header and one row of cells per kind of data. */
export function personalDataTable(): { header: string[]; rows: string[][] } {
  return {
    header: ['record', 'fields', ...ROLES],
    rows: PERSONAL_DATA.map((data) => [
      data.record,
      fieldsOf(data),
      ...ROLES.map((role) => shownTo(data, role)),
    ]),
  };
}
