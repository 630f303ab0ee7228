import { describe, expect, it } from 'vitest';
import { isRole, PERMISSIONS, type Permission, ROLES, roleMay } from './roles.ts';

const ALL = Object.keys(PERMISSIONS) as Permission[];
const may = (role: (typeof ROLES)[number]) => ALL.filter((permission) => roleMay(role, permission));

describe('roles', () => {
  it('keep participants from partners, who still see the organisations', () => {
    expect(roleMay('partner', 'participants:read')).toBe(false);
    expect(roleMay('partner', 'organisations:read')).toBe(true);
  });

  it('let analysts read but never write', () => {
    expect(roleMay('analyst', 'programmes:read')).toBe(true);
    expect(may('analyst').filter((permission) => permission.endsWith(':write'))).toEqual([]);
  });

  it('let the platform admin operate tenants and nothing inside them', () => {
    expect(may('platform_admin')).toEqual(['tenants:operate']);
    expect(ROLES.filter((role) => roleMay(role, 'tenants:operate'))).toEqual(['platform_admin']);
  });

  it('let coaches work with participants but not change programmes', () => {
    expect(roleMay('coach', 'participants:write')).toBe(true);
    expect(roleMay('coach', 'programmes:write')).toBe(false);
  });

  it('recognise only the known roles', () => {
    for (const role of ROLES) expect(isRole(role)).toBe(true);
    expect(isRole('superuser')).toBe(false);
    expect(isRole('COACH')).toBe(false);
    expect(isRole(undefined)).toBe(false);
  });
});
