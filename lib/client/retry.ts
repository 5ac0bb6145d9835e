import pRetry from 'p-retry';

/** KafkaJS's retry settings, by the same names. Waits grow by `multiplier` and are jittered up to 2×. */
export interface RetryOptions {
  /** Retries after the first attempt (default 5). */
  retries?: number;
  /** First wait, in ms (default 100). */
  initialRetryTime?: number;
  /** Longest single wait, in ms (default 5000). */
  maxRetryTime?: number;
  /** Growth of the wait per retry (default 2). */
  multiplier?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { retries: 5, initialRetryTime: 100, maxRetryTime: 5_000, multiplier: 2 };

/**
 * Runs `attempt` until it succeeds, `shouldRetry` says no, the retries run out or `signal` aborts.
 * Jitter keeps many clients that failed together from retrying together.
 */
export function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryOptions & { shouldRetry: (error: Error) => boolean; signal?: AbortSignal | undefined },
): Promise<T> {
  const r = { ...DEFAULT_RETRY, ...options };
  return pRetry(attempt, {
    retries: r.retries,
    minTimeout: r.initialRetryTime,
    maxTimeout: r.maxRetryTime,
    factor: r.multiplier,
    randomize: true,
    signal: options.signal,
    shouldRetry: ({ error }) => options.shouldRetry(error),
  });
}
