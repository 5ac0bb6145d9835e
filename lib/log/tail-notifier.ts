import type { Head } from './head-store.js';

/**
 * Wakes long-polling fetches in this process as soon as a local append commits. Appends made by other
 * processes (other Lambda instances) are seen by the fetch's head re-reads instead (a few, at growing
 * gaps: PartitionLog.awaitAppend), which the waiters on one partition share: 500 idle long-polls on a
 * partition cost one read per re-read, not 500.
 */
export class TailNotifier {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly checks = new Map<string, { at: number; result: Promise<unknown> }>();
  private readonly listeners = new Set<(pk: string, head?: Head) => void>();

  /**
   * Calls `listener` after every local append commits, with the head as the commit left it (the local
   * stack wakes its dispatcher so, and only for heads that have subscribers); answers how to stop.
   */
  onAppend(listener: (pk: string, head?: Head) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(pk: string, head?: Head): void {
    for (const listener of this.listeners) listener(pk, head);
    // A check started before this append may miss it; the woken waiters start a fresh one.
    this.checks.delete(pk);
    const set = this.waiters.get(pk);
    if (!set) return;
    this.waiters.delete(pk);
    for (const wake of set) wake();
  }

  /**
   * Resolves on the next append to any of `pks` with the one appended to, or after `ms` (or on
   * `signal`) with undefined, whichever is first.
   */
  waitAny(pks: readonly string[], ms: number, signal?: AbortSignal): Promise<string | undefined> {
    return new Promise((resolve) => {
      const registered: Array<[Set<() => void>, () => void]> = [];
      const finish = (pk?: string) => {
        clearTimeout(timer);
        for (const [set, wake] of registered) set.delete(wake);
        signal?.removeEventListener('abort', onAbort);
        resolve(pk);
      };
      const onAbort = () => finish();
      const timer = setTimeout(onAbort, ms);
      for (const pk of pks) {
        let set = this.waiters.get(pk);
        if (!set) this.waiters.set(pk, (set = new Set()));
        const wake = () => finish(pk);
        set.add(wake);
        registered.push([set, wake]);
      }
      if (signal?.aborted) return finish();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Runs `check` for `pk`, unless one started at or after `since` (or one in flight since then) can
   * answer instead: a waiter needs a read no older than its own last one. A failed check is not shared
   * beyond its callers, and a result is kept for `keepMs` at most.
   */
  shared<T>({ pk, since, keepMs, check }: { pk: string; since: number; keepMs: number; check: () => Promise<T> }): Promise<T> {
    const last = this.checks.get(pk);
    if (last && last.at >= since) return last.result as Promise<T>;
    const entry = { at: Date.now(), result: check() as Promise<unknown> };
    this.checks.set(pk, entry);
    const forget = () => {
      if (this.checks.get(pk) === entry) this.checks.delete(pk);
    };
    entry.result.then(() => setTimeout(forget, keepMs).unref(), forget);
    return entry.result as Promise<T>;
  }
}
