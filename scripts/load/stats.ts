/** Latency and status counts per operation, and the table `pnpm load` prints. */

export interface Sample {
  op: string;
  method: string;
  path: string;
  status: number;
  type?: string | undefined;
  detail?: string | undefined;
  requestId?: string | undefined;
}

interface OpStats {
  latencies: number[];
  statuses: Map<number, number>;
}

const KEPT_SAMPLES = 20;

export class Stats {
  readonly ops = new Map<string, OpStats>();
  readonly serverErrors: Sample[] = [];
  readonly unexpected: Sample[] = [];
  serverErrorCount = 0;
  unexpectedCount = 0;
  started = performance.now();
  ended: number | undefined;

  record(op: string, status: number, ms: number): void {
    const stats: OpStats = this.ops.get(op) ?? { latencies: [], statuses: new Map<number, number>() };
    this.ops.set(op, stats);
    stats.latencies.push(ms);
    stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);
  }

  serverError(sample: Sample): void {
    this.serverErrorCount++;
    if (this.serverErrors.length < KEPT_SAMPLES) this.serverErrors.push(sample);
  }

  unexpectedStatus(sample: Sample): void {
    this.unexpectedCount++;
    if (this.unexpected.length < KEPT_SAMPLES) this.unexpected.push(sample);
  }

  get requests(): number {
    let n = 0;
    for (const stats of this.ops.values()) n += stats.latencies.length;
    return n;
  }

  countOf(predicate: (status: number) => boolean): number {
    let n = 0;
    for (const stats of this.ops.values())
      for (const [status, count] of stats.statuses) if (predicate(status)) n += count;
    return n;
  }

  allLatencies(): number[] {
    return [...this.ops.values()].flatMap((stats) => stats.latencies);
  }

  seconds(): number {
    return ((this.ended ?? performance.now()) - this.started) / 1000;
  }
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export function latencySummary(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(1));

/** One row per operation, then the total: count, statuses by class, p50/p95/p99/max in ms. */
export function statsTable(stats: Stats): string {
  const header = ['operation', 'requests', '2xx', '4xx', '5xx', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];
  const rowOf = (name: string, latencies: number[], statuses: Map<number, number>) => {
    const count = (from: number) =>
      [...statuses].filter(([s]) => s >= from && s < from + 100).reduce((n, [, c]) => n + c, 0);
    const { p50, p95, p99, max } = latencySummary(latencies);
    return [
      name,
      String(latencies.length),
      String(count(200)),
      String(count(400)),
      String(count(500)),
      ms(p50),
      ms(p95),
      ms(p99),
      ms(max),
    ];
  };
  const rows = [...stats.ops]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, s]) => rowOf(name, s.latencies, s.statuses));
  const all = new Map<number, number>();
  for (const s of stats.ops.values())
    for (const [status, count] of s.statuses) all.set(status, (all.get(status) ?? 0) + count);
  const total = rowOf('all', stats.allLatencies(), all);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...[...rows, total].map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line), rule, line(total)].join('\n');
}

/** Every status seen, with its count: `200×5321 201×2011 404×388 …`. */
export function statusLine(stats: Stats): string {
  const all = new Map<number, number>();
  for (const s of stats.ops.values())
    for (const [status, count] of s.statuses) all.set(status, (all.get(status) ?? 0) + count);
  return [...all]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
}
