/** The README's copies of facts the code owns must not drift from the code. */
import { readFileSync } from 'node:fs';
import { PERMISSIONS, type Permission, ROLES } from '@polku/auth';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The rows of the "Roles and permissions" table: permissions named in the first cell, roles ticked. */
function rolesTable(): Map<string, string[]> {
  const section = readme.split('## Roles and permissions')[1]?.split('\n## ')[0] ?? '';
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  const table = new Map<string, string[]>();
  for (const row of rows) {
    const cells = row
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((cell) => cell.trim());
    const [names, , ...ticks] = cells;
    const ticked = ROLES.filter((_, i) => ticks[i] === '✓');
    const permissions = [...(names ?? '').matchAll(/`([a-z-]*):([a-z-]+)`/g)];
    const base = permissions[0]?.[1];
    for (const [, resource, action] of permissions) table.set(`${resource || base}:${action}`, ticked);
  }
  return table;
}

describe('the README', () => {
  it('lists every permission with exactly the roles that hold it', () => {
    const table = rolesTable();
    expect([...table.keys()].sort()).toEqual(Object.keys(PERMISSIONS).sort());
    for (const [permission, roles] of table) {
      expect(roles, permission).toEqual(
        ROLES.filter((role) => PERMISSIONS[permission as Permission].includes(role as never)),
      );
    }
  });
});
