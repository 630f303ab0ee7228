/**
 * Writes the role × field table of docs/data-protection.md ("Records of processing") from the code: PERSONAL_DATA,
 * PERMISSIONS and the policy for sensitive data in @polku/auth. test/docs.test.ts fails until it is run.
 *   pnpm exec tsx scripts/personal-data-table.ts
 */
import { readFile, writeFile } from 'node:fs/promises';
import { personalDataTable, ROLES } from '@polku/auth';

const PAGE = new URL('../docs/data-protection.md', import.meta.url);
const SECTION = '## Records of processing';

/** A Markdown table with every column padded to its widest cell; the roles' columns centred. */
function markdown({ header, rows }: { header: string[]; rows: string[][] }): string[] {
  const centred = (column: number) => (ROLES as readonly string[]).includes(header[column]!);
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  const pad = (text: string, column: number) => {
    const space = widths[column]! - text.length;
    if (!centred(column)) return text + ' '.repeat(space);
    const left = Math.floor(space / 2);
    return ' '.repeat(left) + text + ' '.repeat(space - left);
  };
  const line = (cells: string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = widths.map((width, column) =>
    centred(column) ? `:${'-'.repeat(width - 2)}:` : '-'.repeat(width),
  );
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)];
}

const lines = (await readFile(PAGE, 'utf8')).split('\n');
const start = lines.indexOf(SECTION);
const first = lines.findIndex((line, i) => i > start && line.startsWith('|'));
const next = lines.findIndex((line, i) => i > start && line.startsWith('## '));
if (start < 0 || first < 0 || (next >= 0 && first > next))
  throw new Error(`docs/data-protection.md has no table under "${SECTION}" to replace`);
let end = first;
while (lines[end]?.startsWith('|')) end++;
lines.splice(first, end - first, ...markdown(personalDataTable()));
await writeFile(PAGE, lines.join('\n'));
console.log(`wrote the role × field table in ${PAGE.pathname}`);
