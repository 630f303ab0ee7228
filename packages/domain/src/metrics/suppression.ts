/**
 * Small-count suppression: counts from 1 to k−1 are withheld, and so is whatever would let a
 * reader work one out again (secondary suppression): the last visible part of a total whose
 * other part is withheld, a total whose parts are all visible, rates over a withheld count.
 */

/** `[total, parts]`: the total is the sum of the parts. */
export type AdditiveRelation = readonly [string, readonly string[]];

export const DEFAULT_SUPPRESSION_THRESHOLD = 5;

/**
 * The ids of the counts to withhold: every count in 1..k−1, then, until nothing changes, one more
 * part (the smallest non-zero one) of any relation where exactly one cell would otherwise be
 * derivable from the others.
 */
export function withheldCounts(
  counts: ReadonlyMap<string, number>,
  relations: readonly AdditiveRelation[],
  k: number,
): Set<string> {
  const withheld = new Set<string>();
  for (const [id, value] of counts) if (value >= 1 && value < k) withheld.add(id);
  const countOf = (id: string) => counts.get(id) ?? 0;
  for (let changed = true; changed; ) {
    changed = false;
    for (const [total, parts] of relations) {
      const cells = [total, ...parts];
      const hidden = cells.filter((id) => withheld.has(id));
      // One hidden cell of a sum is the others' difference; none hidden with a hidden total is the same.
      if (hidden.length !== 1) continue;
      const candidates = cells
        .filter((id) => !withheld.has(id) && countOf(id) > 0)
        .sort((a, b) => countOf(a) - countOf(b) || (a === total ? 1 : b === total ? -1 : 0));
      const next = candidates[0];
      // Every other cell is 0: the hidden value is 0 or the total itself, both already visible.
      if (next === undefined) continue;
      withheld.add(next);
      changed = true;
    }
  }
  return withheld;
}

/**
 * The withheld counts the visible ones pin down exactly through the relations (several sums read
 * together: a row total, a column total and their crossing cell, say). A withheld cell is pinned
 * down when its unit vector lies in the row space of the relations over the withheld cells, which
 * the reduced row echelon form shows as a row with a single non-zero entry.
 */
export function derivableCounts(
  relations: readonly AdditiveRelation[],
  withheld: ReadonlySet<string>,
): string[] {
  const unknowns = [...withheld];
  const column = new Map(unknowns.map((id, index) => [id, index]));
  const rows: number[][] = [];
  for (const [total, parts] of relations) {
    const row = new Array<number>(unknowns.length).fill(0);
    let any = false;
    for (const [id, sign] of [[total, -1] as const, ...parts.map((part) => [part, 1] as const)]) {
      const at = column.get(id);
      if (at === undefined) continue;
      row[at] = (row[at] ?? 0) + sign;
      any = true;
    }
    if (any) rows.push(row);
  }
  const EPSILON = 1e-9;
  let rank = 0;
  for (let col = 0; col < unknowns.length && rank < rows.length; col++) {
    let pivot = rank;
    while (pivot < rows.length && Math.abs(rows[pivot]![col]!) < EPSILON) pivot++;
    if (pivot === rows.length) continue;
    [rows[rank], rows[pivot]] = [rows[pivot]!, rows[rank]!];
    const lead = rows[rank]![col]!;
    rows[rank] = rows[rank]!.map((v) => v / lead);
    for (let r = 0; r < rows.length; r++) {
      if (r === rank) continue;
      const factor = rows[r]![col]!;
      if (Math.abs(factor) < EPSILON) continue;
      rows[r] = rows[r]!.map((v, c) => v - factor * rows[rank]![c]!);
    }
    rank++;
  }
  const pinned: string[] = [];
  for (const row of rows.slice(0, rank)) {
    const nonZero = row.flatMap((v, c) => (Math.abs(v) > EPSILON ? [c] : []));
    if (nonZero.length === 1) pinned.push(unknowns[nonZero[0]!]!);
  }
  return pinned;
}

/**
 * withheldCounts, then withholding more until no withheld count can be solved for from the
 * visible ones: each round hides the smallest visible count of a sum the pinned cell is in.
 */
export function safelyWithheldCounts(
  counts: ReadonlyMap<string, number>,
  relations: readonly AdditiveRelation[],
  k: number,
): Set<string> {
  const withheld = withheldCounts(counts, relations, k);
  const countOf = (id: string) => counts.get(id) ?? 0;
  for (
    let pinned = derivableCounts(relations, withheld);
    pinned.length > 0;
    pinned = derivableCounts(relations, withheld)
  ) {
    const target = pinned[0] as string;
    const candidates = relations
      .filter(([total, parts]) => total === target || parts.includes(target))
      .flatMap(([total, parts]) => [total, ...parts])
      .filter((id) => !withheld.has(id))
      .sort((a, b) => Number(countOf(a) === 0) - Number(countOf(b) === 0) || countOf(a) - countOf(b));
    // Every sum it is in is withheld whole: it is pinned through others, so open up any sum with a withheld cell.
    const next =
      candidates[0] ??
      relations
        .filter(([total, parts]) => [total, ...parts].some((id) => withheld.has(id)))
        .flatMap(([total, parts]) => [total, ...parts])
        .find((id) => !withheld.has(id));
    if (next === undefined) break;
    withheld.add(next);
  }
  return withheld;
}

export interface Cell {
  value: number | null;
  suppressed: boolean;
}

export const shown = (value: number | null): Cell => ({ value, suppressed: false });
export const hidden: Cell = { value: null, suppressed: true };
