/** A size-bounded LRU map. Map iteration order is insertion order, so re-inserting on hit keeps it LRU. */
export class LruCache<K, V> {
  private readonly items = new Map<K, { value: V; size: number }>();
  private total = 0;

  constructor(
    private readonly maxSize: number,
    private readonly sizeOf: (v: V) => number = () => 1,
  ) {}

  get(key: K): V | undefined {
    const hit = this.items.get(key);
    if (!hit) return undefined;
    this.items.delete(key);
    this.items.set(key, hit);
    return hit.value;
  }

  set(key: K, value: V): void {
    const size = this.sizeOf(value);
    if (size > this.maxSize) return;
    this.delete(key);
    this.items.set(key, { value, size });
    this.total += size;
    for (const [k, v] of this.items) {
      if (this.total <= this.maxSize) break;
      this.items.delete(k);
      this.total -= v.size;
    }
  }

  delete(key: K): void {
    const old = this.items.get(key);
    if (!old) return;
    this.items.delete(key);
    this.total -= old.size;
  }

  get size(): number {
    return this.items.size;
  }
}
