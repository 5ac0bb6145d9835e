import type { Head } from './head-store.js';

/**
 * Wakes long-polling fetches in this process as soon as a local append commits. Appends made by other
 * processes (other Lambda instances) are seen by the fetch's periodic head re-read instead, which the
 * waiters on one partition share: 500 idle long-polls on a partition cost one read per interval, not 500.
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

  /** Resolves on the next append to `pk`, or after `ms`, whichever is first. */
  wait(pk: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(pk);
      if (!set) this.waiters.set(pk, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        set!.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Runs `check` for `pk` at most once per `intervalMs`: a caller within the interval of the last
   * check (or while it is in flight) shares its result. A failed check is not shared beyond its callers.
   */
  shared<T>(pk: string, intervalMs: number, check: () => Promise<T>): Promise<T> {
    const last = this.checks.get(pk);
    if (last && Date.now() - last.at < intervalMs) return last.result as Promise<T>;
    const entry = { at: Date.now(), result: check() as Promise<unknown> };
    this.checks.set(pk, entry);
    const forget = () => {
      if (this.checks.get(pk) === entry) this.checks.delete(pk);
    };
    entry.result.then(() => setTimeout(forget, intervalMs).unref(), forget);
    return entry.result as Promise<T>;
  }
}
