/** Percentiles, the machine a run was measured on, and markdown tables printed as they are written. */
import { cpus, freemem, type as osType, release, totalmem } from 'node:os';

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export const ms = (value: number) => value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2);
export const ratio = (value: number) => `${value.toFixed(2)}×`;

export function machine(): string {
  const cores = cpus();
  const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return [
    `${cores[0]?.model.trim() ?? 'unknown CPU'}, ${cores.length} cores`,
    `${gib(totalmem())} RAM (${gib(freemem())} free at start)`,
    `${osType()} ${release()} (${process.arch})`,
    `Node ${process.version}`,
  ].join('; ');
}

export type Align = 'left' | 'right';

/** A markdown table whose columns line up in a terminal too. */
export function table(headers: string[], rows: string[][], align: Align[] = []): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const cell = (text: string, i: number) =>
    align[i] === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}
