/** Roles and what each may do: the one permission table every route checks against. */

export const ROLES = ['platform_admin', 'tenant_admin', 'coach', 'partner', 'analyst'] as const;
export type Role = (typeof ROLES)[number];

const STAFF = ['tenant_admin', 'coach'] as const;
const EVERY_TENANT_ROLE = ['tenant_admin', 'coach', 'partner', 'analyst'] as const;

export const PERMISSIONS = {
  'tenant:read': EVERY_TENANT_ROLE,
  'tenant:manage': ['tenant_admin'],
  'organisations:read': EVERY_TENANT_ROLE,
  'organisations:write': ['tenant_admin'],
  'funding-projects:read': ['tenant_admin', 'coach', 'analyst'],
  'funding-projects:write': ['tenant_admin'],
  'programme-templates:read': EVERY_TENANT_ROLE,
  'programmes:read': ['tenant_admin', 'coach', 'analyst'],
  'programmes:write': ['tenant_admin'],
  'groups:read': ['tenant_admin', 'coach', 'analyst'],
  'groups:write': STAFF,
  'participants:read': STAFF,
  'participants:write': STAFF,
  // Everything about one person in one document (GDPR art. 15): the controller answers, not staff.
  'participants:export': ['tenant_admin'],
  // Erasure (art. 17) and its tombstones: the controller's decision, as the export is.
  'participants:erase': ['tenant_admin'],
  'erasures:read': ['tenant_admin'],
  'milestones:read': STAFF,
  'milestones:write': STAFF,
  'enrolments:read': STAFF,
  'enrolments:write': STAFF,
  'sessions:read': STAFF,
  'sessions:write': STAFF,
  'attendance:read': STAFF,
  'attendance:write': STAFF,
  // Partners see only referrals to or from their own organisation (checked per referral).
  'referrals:read': ['tenant_admin', 'coach', 'partner'],
  'referrals:write': ['tenant_admin', 'coach', 'partner'],
  'consents:read': STAFF,
  'consents:write': STAFF,
  // Partners see only meetings their organisation attended, and their own organisation's actions.
  'network-meetings:read': ['tenant_admin', 'coach', 'partner'],
  'network-meetings:write': STAFF,
  'meeting-actions:write': ['tenant_admin', 'coach', 'partner'],
  // Partners record outcomes only for people referred to their organisation, and see only those.
  'outcomes:read': ['tenant_admin', 'coach', 'partner'],
  'outcomes:write': ['tenant_admin', 'coach', 'partner'],
  'follow-ups:read': STAFF,
  // Analysts see small counts withheld (tenant setting k); staff see exact figures.
  'metrics:read': ['tenant_admin', 'coach', 'analyst'],
  'reports:read': ['tenant_admin', 'coach', 'analyst'],
  'webhooks:manage': ['tenant_admin'],
  'clients:manage': ['tenant_admin'],
  'identity-provider:manage': ['tenant_admin'],
  'audit:read': ['tenant_admin'],
  'tenants:operate': ['platform_admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleMay(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
