/**
 * Wakes long-polling fetches in this process as soon as a local append commits. Appends made by other
 * processes (other Lambda instances) are seen by the fetch's periodic head re-read instead.
 */
export class TailNotifier {
  private readonly waiters = new Map<string, Set<() => void>>();

  notify(pk: string): void {
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
}
