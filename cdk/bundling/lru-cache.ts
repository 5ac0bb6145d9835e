/**
 * Stands in for `mnemonist/lru-cache` in the Lambda bundles, where its one user is the DynamoDB client's
 * endpoint-discovery cache (`@aws-sdk/endpoint-cache`: `get`, `set`, `has`, `peek`, `clear`), built with
 * every client and used only if endpoint discovery is turned on. The same least-recently-used map, over a
 * `Map`'s insertion order, instead of mnemonist's typed-array lists and their helpers (7 KB).
 */
export default class LRUCache<K, V> {
  private readonly items = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.items.size;
  }

  has(key: K): boolean {
    return this.items.has(key);
  }

  /** The value, without making it the most recently used. */
  peek(key: K): V | undefined {
    return this.items.get(key);
  }

  get(key: K): V | undefined {
    if (!this.items.has(key)) return undefined;
    const value = this.items.get(key)!;
    this.items.delete(key);
    this.items.set(key, value);
    return value;
  }

  set(key: K, value: V): this {
    this.items.delete(key);
    this.items.set(key, value);
    if (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value!);
    return this;
  }

  clear(): void {
    this.items.clear();
  }
}
