import { describe, expect, it } from 'vitest';
import { ConflictError } from './errors.ts';
import { actionsFrom, tenantStatusAfter } from './tenant-status.ts';

describe('tenant status', () => {
  it('goes pending → active → suspended → active', () => {
    expect(tenantStatusAfter('pending', 'activate')).toBe('active');
    expect(tenantStatusAfter('active', 'suspend')).toBe('suspended');
    expect(tenantStatusAfter('suspended', 'reactivate')).toBe('active');
  });

  it('lets an operator turn away a pending signup, for good by rejecting it', () => {
    expect(tenantStatusAfter('pending', 'suspend')).toBe('suspended');
    expect(tenantStatusAfter('pending', 'reject')).toBe('rejected');
    expect(actionsFrom('rejected')).toEqual([]);
    expect(() => tenantStatusAfter('active', 'reject')).toThrow(ConflictError);
  });

  it('refuses other moves with the actions that are allowed', () => {
    expect(() => tenantStatusAfter('active', 'activate')).toThrow(ConflictError);
    expect(() => tenantStatusAfter('pending', 'reactivate')).toThrow(/cannot reactivate/);
    const refusal = (() => {
      try {
        tenantStatusAfter('suspended', 'suspend');
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(ConflictError);
    expect((refusal as ConflictError).toProblem().allowedActions).toEqual(['reactivate']);
    expect(actionsFrom('active')).toEqual(['suspend']);
  });
});
