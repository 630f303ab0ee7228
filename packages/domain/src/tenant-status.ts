/**
 * A tenant's life: signed up (pending) until an operator activates it, or rejects it (which frees
 * its business id for the real organisation to sign up); suspended and reactivated by operators.
 * Only an active tenant's clients and staff get in.
 */
import { ConflictError } from './errors.ts';

export const TENANT_STATUSES = ['pending', 'active', 'suspended', 'rejected'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export const TENANT_ACTIONS = {
  activate: { from: ['pending'], to: 'active' },
  reject: { from: ['pending'], to: 'rejected' },
  suspend: { from: ['pending', 'active'], to: 'suspended' },
  reactivate: { from: ['suspended'], to: 'active' },
} as const satisfies Record<string, { from: readonly TenantStatus[]; to: TenantStatus }>;
export type TenantAction = keyof typeof TENANT_ACTIONS;

export function actionsFrom(status: TenantStatus): TenantAction[] {
  return (Object.keys(TENANT_ACTIONS) as TenantAction[]).filter((action) =>
    (TENANT_ACTIONS[action].from as readonly TenantStatus[]).includes(status),
  );
}

/** The status after the action, or 409 naming the actions the current status allows. */
export function tenantStatusAfter(status: TenantStatus, action: TenantAction): TenantStatus {
  const allowed = actionsFrom(status);
  if (!allowed.includes(action)) {
    throw new ConflictError('illegal-transition', `a ${status} tenant cannot ${action}`, {
      tenantStatus: status,
      allowedActions: allowed,
    });
  }
  return TENANT_ACTIONS[action].to;
}
