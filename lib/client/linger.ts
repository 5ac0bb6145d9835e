/**
 * Adaptive lingering: how long a topic's oldest queued record waits for company before the producer
 * sends what is queued.
 *
 * Every request is billed (an API call, a Lambda invocation, and per partition an S3 PUT and a
 * DynamoDB append), so a steady stream of small sends costs less the longer its records wait for
 * each other. Waiting only pays while records keep arriving during the wait, though: a burst that is
 * all queued at once (senders that await each acknowledgement, a backfill) gains nothing from a longer
 * wait, and a lone record after a pause only loses time. The policy therefore watches each batch it
 * sends:
 *
 * - a record arrived in the second half of the wait, and no partition's batch was full: the stream is
 *   steady and the wait was too short to catch it all, so the linger doubles, up to `maxMs`;
 * - nothing arrived in the second half of the wait, or a batch was full (it left without waiting):
 *   the linger halves, down to `minMs`;
 * - the first record after the topic has been quiet for longer than `maxMs` starts again at `minMs`,
 *   so that load which has stopped does not keep a long wait.
 *
 * The linger is never below `minMs` nor above `maxMs`: `maxMs` is the bound a user states on the time
 * a record waits for company. When `maxMs` is not above `minMs` the linger is fixed at `minMs`.
 */
export class AdaptiveLinger {
  private current: number;
  private lastArrival = -Infinity;

  constructor(
    readonly minMs: number,
    readonly maxMs: number,
  ) {
    if (!(Number.isFinite(minMs) && minMs >= 0)) throw new RangeError(`lingerMs must be a finite number ≥ 0, not ${minMs}`);
    if (!(Number.isFinite(maxMs) && maxMs >= 0)) throw new RangeError(`maxLingerMs must be a finite number ≥ 0, not ${maxMs}`);
    this.current = minMs;
  }

  /** How long the oldest queued record waits for company now. */
  get ms(): number {
    return this.current;
  }

  private get adaptive(): boolean {
    return this.maxMs > this.minMs;
  }

  /** A record was queued at `at` into a topic that had nothing queued (`idle`) or something queued. */
  arrived(at: number, idle: boolean): void {
    if (this.adaptive && idle && at - this.lastArrival > this.maxMs) this.current = this.minMs;
    this.lastArrival = Math.max(this.lastArrival, at);
  }

  /**
   * A batch left at `sentAt` (not by flush()): its oldest record was queued at `firstQueuedAt`, its
   * newest at `lastQueuedAt`; `full` when a partition's batch or the request reached its size limit.
   */
  sent(batch: { firstQueuedAt: number; lastQueuedAt: number; sentAt: number; full: boolean }): void {
    if (!this.adaptive) return;
    const waited = batch.sentAt - batch.firstQueuedAt;
    const lateArrival = batch.lastQueuedAt > batch.firstQueuedAt && batch.lastQueuedAt - batch.firstQueuedAt >= waited / 2;
    this.current = !batch.full && lateArrival ? Math.min(this.maxMs, this.current * 2) : Math.max(this.minMs, this.current / 2);
  }
}
