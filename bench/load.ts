import { summariseLatencies, type LatencySummary } from './stats.js';

export interface SliceOptions {
  /** Concurrent closed-loop workers: each starts its next operation when the previous one is acknowledged. */
  workers: number;
  /** A warm-up slice runs the load but records nothing but its operations' count. */
  warmup?: boolean;
  durationMs: number;
}

export interface LoadResult {
  /** Operations acknowledged inside measured slices. */
  measuredOps: number;
  measuredMs: number;
  opsPerSecond: number;
  latency: LatencySummary;
  /** Operations acknowledged in all slices, warm-up included: what storage was actually asked to do. */
  totalOps: number;
  errors: number;
  firstError?: string;
}

/** Give up on a load that keeps failing instead of spinning through its whole window. */
const MAX_ERRORS = 50;

/**
 * One closed-loop load, measured over one or more time slices, so that two loads can take turns on
 * the machine and see the same background noise. Within a slice, throughput and latency count the
 * operations that complete inside it; workers stop starting new ones when it ends, and the slice
 * returns once the last in-flight one settles, so it is bounded by its duration plus one operation.
 */
export class ClosedLoopLoad {
  private readonly latencies: number[] = [];
  private measuredMs = 0;
  private totalOps = 0;
  private errors = 0;
  private firstError: string | undefined;

  constructor(private readonly op: (worker: number) => Promise<void>) {}

  async slice(options: SliceOptions): Promise<void> {
    const start = performance.now();
    const end = start + options.durationMs;
    const worker = async (w: number) => {
      while (performance.now() < end && this.errors < MAX_ERRORS) {
        const t0 = performance.now();
        try {
          await this.op(w);
        } catch (e) {
          this.errors++;
          this.firstError ??= (e as Error).message;
          continue;
        }
        const t1 = performance.now();
        this.totalOps++;
        if (!options.warmup && t1 <= end) this.latencies.push(t1 - t0);
      }
    };
    await Promise.all(Array.from({ length: options.workers }, (_, w) => worker(w)));
    if (!options.warmup) this.measuredMs += options.durationMs;
  }

  result(): LoadResult {
    return {
      measuredOps: this.latencies.length,
      measuredMs: this.measuredMs,
      opsPerSecond: this.latencies.length / (this.measuredMs / 1000),
      latency: summariseLatencies(this.latencies),
      totalOps: this.totalOps,
      errors: this.errors,
      ...(this.firstError ? { firstError: this.firstError } : {}),
    };
  }
}
