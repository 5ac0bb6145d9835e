import { summariseLatencies, type LatencySummary } from './stats.js';

export interface LoadOptions {
  /** Concurrent closed-loop workers: each starts its next operation when the previous one is acknowledged. */
  workers: number;
  warmupMs: number;
  measureMs: number;
}

export interface LoadResult {
  /** Operations acknowledged inside the measured window. */
  measuredOps: number;
  measureMs: number;
  opsPerSecond: number;
  latency: LatencySummary;
  /** Operations acknowledged in warm-up, window and drain: what storage was actually asked to do. */
  totalOps: number;
  errors: number;
  firstError?: string;
}

/** Give up on a scenario that keeps failing instead of spinning through its whole window. */
const MAX_ERRORS = 50;

/**
 * Runs `op` in a closed loop on each worker: warm-up, then a measured window. Throughput and latency
 * count the operations that complete inside the window; workers stop starting new ones when it ends
 * and the run returns once the last in-flight one settles, so it is bounded by window + one operation.
 */
export async function runClosedLoop(options: LoadOptions, op: (worker: number) => Promise<void>): Promise<LoadResult> {
  const start = performance.now();
  const measureStart = start + options.warmupMs;
  const measureEnd = measureStart + options.measureMs;
  const latencies: number[] = [];
  let totalOps = 0;
  let errors = 0;
  let firstError: string | undefined;
  const worker = async (w: number) => {
    while (performance.now() < measureEnd && errors < MAX_ERRORS) {
      const t0 = performance.now();
      try {
        await op(w);
      } catch (e) {
        errors++;
        firstError ??= (e as Error).message;
        continue;
      }
      const t1 = performance.now();
      totalOps++;
      if (t1 >= measureStart && t1 <= measureEnd) latencies.push(t1 - t0);
    }
  };
  await Promise.all(Array.from({ length: options.workers }, (_, w) => worker(w)));
  return {
    measuredOps: latencies.length,
    measureMs: options.measureMs,
    opsPerSecond: latencies.length / (options.measureMs / 1000),
    latency: summariseLatencies(latencies),
    totalOps,
    errors,
    ...(firstError ? { firstError } : {}),
  };
}
