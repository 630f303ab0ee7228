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

export interface Cell {
  value: number | null;
  suppressed: boolean;
}

export const shown = (value: number | null): Cell => ({ value, suppressed: false });
export const hidden: Cell = { value: null, suppressed: true };
