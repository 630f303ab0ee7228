/** The docs' copies of facts the code owns must not drift from the code. */
import { readFileSync } from 'node:fs';
import {
  PERMISSIONS,
  PERSONAL_DATA,
  type Permission,
  personalDataTable,
  ROLES,
  type Role,
  SENSITIVE_DATA_SHOWN,
} from '@polku/auth';
import { schemas } from '@polku/domain';
import { describe, expect, it } from 'vitest';
import { type OpenApiDocument, resolve, type Schema } from './support/openapi.ts';

const page = (name: string) => readFileSync(new URL(`../docs/${name}`, import.meta.url), 'utf8');
const reference = page('reference.md');
const dataProtection = page('data-protection.md');
const openapi: OpenApiDocument = JSON.parse(
  readFileSync(new URL('../functions/api/openapi.json', import.meta.url), 'utf8'),
);

/** The cells of a table's rows in a section of a page, the header first, without the rule under it. */
function tableIn(markdown: string, heading: string): string[][] {
  const section = markdown.split(`\n${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[\s:|-]+\|$/.test(line))
    .map((line) =>
      line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

/** A field of an OpenAPI schema (`esf.gender` through `esf`, `records.status` through its items); '' is the schema. */
function fieldOf(schemaName: string, field: string): Schema | undefined {
  let schema = resolve({ $ref: `#/components/schemas/${schemaName}` }, openapi);
  for (const name of field ? field.split('.') : []) {
    const items = resolve(schema?.items, openapi);
    schema = resolve((items ?? schema)?.properties?.[name], openapi);
  }
  return schema;
}

const propertiesOf = (schema: Schema | undefined) => Object.keys(resolve(schema, openapi)?.properties ?? {});

/** The rows of the "Roles and permissions" table: permissions named in the first cell, roles ticked. */
function rolesTable(): Map<string, string[]> {
  const section = reference.split('\n## Roles and permissions\n')[1]?.split('\n## ')[0] ?? '';
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

describe('the docs', () => {
  it('list every permission with exactly the roles that hold it (reference.md)', () => {
    const table = rolesTable();
    expect([...table.keys()].sort()).toEqual(Object.keys(PERMISSIONS).sort());
    for (const [permission, roles] of table) {
      expect(roles, permission).toEqual(
        ROLES.filter((role) => PERMISSIONS[permission as Permission].includes(role as never)),
      );
    }
  });

  it('show each role exactly the personal data the code lets it see (data-protection.md, scripts/personal-data-table.ts)', () => {
    const [header, ...rows] = tableIn(dataProtection, '## Records of processing');
    const table = personalDataTable();
    expect(header).toEqual(table.header);
    expect(rows).toEqual(table.rows);
  });
});

describe("the records of processing's field names", () => {
  it('are fields the API has', () => {
    const unknown = PERSONAL_DATA.flatMap((data) =>
      data.fields.filter((field) => !fieldOf(data.schema, field)).map((field) => `${data.schema}.${field}`),
    );
    expect(unknown).toEqual([]);
  });

  it("cover every field of a participant's record, each once", () => {
    const meta = ['id', 'version', 'createdAt', 'updatedAt'];
    const record = propertiesOf(fieldOf('Participant', '')).filter((field) => !meta.includes(field));
    const fields = [
      ...record.filter((field) => field !== 'esf'),
      ...propertiesOf(fieldOf('Participant', 'esf')).map((field) => `esf.${field}`),
    ];
    const listed = PERSONAL_DATA.filter((data) => data.schema === 'Participant').flatMap(
      (data) => data.fields,
    );
    expect([...listed].sort()).toEqual(fields.sort());
  });

  it('name the sensitive characteristics the API leaves out, shown only to roles that read participants', () => {
    const sensitive = PERSONAL_DATA.filter((data) => data.sensitive).flatMap((data) => data.fields);
    expect(sensitive).toEqual(schemas.SENSITIVE_ESF_FIELDS.map((field) => `esf.${field}`));
    for (const role of Object.keys(SENSITIVE_DATA_SHOWN) as Role[])
      expect(PERMISSIONS['participants:read'] as readonly Role[]).toContain(role);
  });
});
