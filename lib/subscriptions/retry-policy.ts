/**
 * How a subscription retries a record its target did not acknowledge. Bounded by default: a record
 * that keeps failing holds its partition for at most `maxRetryDelayMs(policy)` of waiting, then goes to
 * the dead-letter topic and delivery moves on (S4). Kinesis and Kafka triggers retry forever unless told
 * otherwise; users of them name that as their first complaint.
 */
export interface RetryPolicy {
  /** Deliveries of a record before it is dead-lettered, the first included (1–100, default 5). */
  maxAttempts: number;
  /** Wait before the second attempt, multiplied by `multiplier` after each further failure, capped at `maxMs`. */
  backoff: { initialMs: number; maxMs: number; multiplier: number };
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, backoff: { initialMs: 1_000, maxMs: 60_000, multiplier: 2 } };

export const RETRY_LIMITS = {
  maxAttempts: { min: 1, max: 100 },
  initialMs: { min: 0, max: 3_600_000 },
  maxMs: { min: 0, max: 3_600_000 },
  multiplier: { min: 1, max: 10 },
} as const;

/** Wait after the `attempts`-th failed attempt (1-based) before the next one. */
export function backoffMs(policy: RetryPolicy, attempts: number): number {
  const { initialMs, maxMs, multiplier } = policy.backoff;
  return Math.min(maxMs, Math.round(initialMs * multiplier ** Math.max(0, attempts - 1)));
}

/** A retry after a wait, or the dead-letter topic. */
export type NextStep = { kind: 'retry'; delayMs: number } | { kind: 'dead-letter' };

/**
 * What to do after the `attempts`-th failed attempt of a record. A target that asked for a longer wait
 * (`Retry-After`, as `retryAfterMs`) gets it, up to `backoff.maxMs`: a throttled receiver is not
 * hammered on the policy's schedule, and a poison record still holds its partition for a bounded time
 * (maxRetryDelayWithRetryAfterMs).
 */
export function afterFailure(policy: RetryPolicy, attempts: number, retryAfterMs?: number): NextStep {
  if (attempts >= policy.maxAttempts) return { kind: 'dead-letter' };
  const backoff = backoffMs(policy, attempts);
  return { kind: 'retry', delayMs: retryAfterMs === undefined ? backoff : Math.max(backoff, Math.min(retryAfterMs, policy.backoff.maxMs)) };
}

/** The most a poison record waits between its attempts in all, when its target never sends `Retry-After`: the bound S4 promises. */
export function maxRetryDelayMs(policy: RetryPolicy): number {
  let total = 0;
  for (let attempts = 1; attempts < policy.maxAttempts; attempts++) total += backoffMs(policy, attempts);
  return total;
}

/** The same bound when the target asks for a wait with every failure: each wait is at most `backoff.maxMs`. */
export function maxRetryDelayWithRetryAfterMs(policy: RetryPolicy): number {
  return (policy.maxAttempts - 1) * policy.backoff.maxMs;
}
