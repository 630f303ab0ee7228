/** Figures and ESF+ counts as the API returns them: cells, with small counts withheld where asked. */
import type { Counters } from './contributions.ts';
import { ENTRY_INDICATORS, RESULT_INDICATORS } from './esf.ts';
import {
  ADDITIVE_RELATIONS,
  FIGURE_NAMES,
  FIGURES,
  type FigureDefinition,
  type FigureName,
  type Figures,
  type MetricsSeries,
} from './figures.ts';
import { type AdditiveRelation, type Cell, hidden, safelyWithheldCounts, shown } from './suppression.ts';

export type FigureCells = Record<FigureName, Cell>;

const isCount = (name: FigureName) => FIGURES[name].kind === 'count';
const isAdditive = (name: FigureName) => {
  const definition: FigureDefinition = FIGURES[name];
  return definition.kind === 'count' && definition.additive;
};

/**
 * The figures as cells. With a threshold `k`, counts 1..k−1 are withheld, then every count from
 * which a withheld one could be worked out (parts of a total, a month of a period's sum), then
 * every rate over a withheld count and every median over a withheld number of values.
 */
export function presentFigures(
  metrics: MetricsSeries,
  k: number | null,
): { figures: FigureCells; series: { month: string; figures: FigureCells }[] } {
  const tables: { key: string; figures: Figures }[] = [
    { key: '', figures: metrics.figures },
    ...metrics.series.map(({ month, figures }) => ({ key: `@${month}`, figures })),
  ];
  const counts = new Map<string, number>();
  const relations: AdditiveRelation[] = [];
  for (const { key, figures } of tables) {
    for (const name of FIGURE_NAMES) if (isCount(name)) counts.set(`${name}${key}`, figures[name] as number);
    for (const [total, parts] of ADDITIVE_RELATIONS)
      relations.push([`${total}${key}`, parts.map((p) => `${p}${key}`)]);
  }
  for (const name of FIGURE_NAMES) {
    if (isAdditive(name)) relations.push([name, metrics.series.map(({ month }) => `${name}@${month}`)]);
  }
  const withheld = k === null ? new Set<string>() : safelyWithheldCounts(counts, relations, k);

  const cellsOf = (key: string, figures: Figures): FigureCells => {
    const cells = {} as FigureCells;
    const isWithheld = (name: string) => withheld.has(`${name}${key}`);
    for (const name of FIGURE_NAMES) {
      const definition: FigureDefinition = FIGURES[name];
      const hide =
        definition.kind === 'count'
          ? isWithheld(name)
          : definition.kind === 'rate'
            ? isWithheld(definition.numerator) || isWithheld(definition.denominator)
            : isWithheld(definition.of);
      cells[name] = hide ? hidden : shown(roundRate(definition, figures[name]));
    }
    return cells;
  };
  return {
    figures: cellsOf('', metrics.figures),
    series: metrics.series.map(({ month, figures }) => ({ month, figures: cellsOf(`@${month}`, figures) })),
  };
}

/** Rates to four decimals (0.7500), medians to one: the exact counts are beside them. */
function roundRate(definition: FigureDefinition, value: number | null): number | null {
  if (value === null || definition.kind === 'count') return value;
  return definition.kind === 'rate' ? Math.round(value * 10_000) / 10_000 : Math.round(value * 10) / 10;
}

export interface EsfRow {
  indicator: string;
  label: string;
  women: Cell;
  men: Cell;
  nonBinary: Cell;
  total: Cell;
}

const COLUMNS = [
  ['women', 'w'],
  ['men', 'm'],
  ['nonBinary', 'n'],
] as const;

/** Rows whose values add up to another row's, column by column. */
const ROW_RELATIONS: [string, string[]][] = [
  ['i:total', ['i:unemployed', 'i:inactive', 'i:employed']],
  ['i:total', ['i:isced-0-2', 'i:isced-3-4', 'i:isced-5-8']],
];

/** The ESF+ tables from summed ESF buckets, with suppression at threshold `k` when given. */
export function presentEsf(
  counts: Readonly<Counters>,
  k: number | null,
): { entry: EsfRow[]; results: EsfRow[] } {
  const rows = [
    ...ENTRY_INDICATORS.map((row) => ({ ...row, prefix: `i:${row.id}`, section: 'entry' as const })),
    ...RESULT_INDICATORS.map((row) => ({ ...row, prefix: `o:${row.id}`, section: 'results' as const })),
  ];
  const cells = new Map<string, number>();
  const relations: AdditiveRelation[] = [];
  for (const row of rows) {
    let total = 0;
    for (const [, code] of COLUMNS) {
      const value = counts[`${row.prefix}:${code}`] ?? 0;
      cells.set(`${row.prefix}:${code}`, value);
      total += value;
    }
    cells.set(`${row.prefix}:total`, total);
    relations.push([`${row.prefix}:total`, COLUMNS.map(([, code]) => `${row.prefix}:${code}`)]);
  }
  for (const [total, parts] of ROW_RELATIONS) {
    for (const code of ['w', 'm', 'n', 'total'])
      relations.push([`${total}:${code}`, parts.map((p) => `${p}:${code}`)]);
  }
  const withheld = k === null ? new Set<string>() : safelyWithheldCounts(cells, relations, k);
  const cell = (id: string): Cell => (withheld.has(id) ? hidden : shown(cells.get(id) ?? 0));
  const toRow = (row: (typeof rows)[number]): EsfRow => ({
    indicator: row.id,
    label: row.label,
    women: cell(`${row.prefix}:w`),
    men: cell(`${row.prefix}:m`),
    nonBinary: cell(`${row.prefix}:n`),
    total: cell(`${row.prefix}:total`),
  });
  return {
    entry: rows.filter((row) => row.section === 'entry').map(toRow),
    results: rows.filter((row) => row.section === 'results').map(toRow),
  };
}

/** The report as CSV (RFC 4180): one row per indicator; a withheld cell reads `suppressed`. */
export function esfCsv(report: { entry: EsfRow[]; results: EsfRow[] }): string {
  const value = (cell: Cell) => (cell.suppressed ? 'suppressed' : String(cell.value));
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const lines = ['section,indicator,label,women,men,non_binary,total'];
  for (const [section, rows] of [
    ['entry', report.entry],
    ['results', report.results],
  ] as const) {
    for (const row of rows) {
      lines.push(
        [
          section,
          row.indicator,
          quote(row.label),
          value(row.women),
          value(row.men),
          value(row.nonBinary),
          value(row.total),
        ].join(','),
      );
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
