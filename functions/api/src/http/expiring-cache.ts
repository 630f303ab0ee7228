/**
 * Reads trusted for a while, per process: what lets a suspension, a revocation or a deleted
 * identity provider reach every instance within the lifetime at one read per key per lifetime.
 * A read that fails is not remembered; the map is bounded by clearing it when full.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; until: number }>();

  constructor(
    private readonly lifetimeMs: number,
    private readonly now: () => number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string, read: () => Promise<V>): Promise<V> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = read();
    this.entries.set(key, { value, until: now + this.lifetimeMs });
    value.catch(() => this.entries.delete(key));
    return value;
  }
}
