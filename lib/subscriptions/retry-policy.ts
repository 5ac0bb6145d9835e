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

/** What to do after the `attempts`-th failed attempt of a record. */
export type NextStep = { kind: 'retry'; delayMs: number } | { kind: 'dead-letter' };

export function afterFailure(policy: RetryPolicy, attempts: number): NextStep {
  return attempts >= policy.maxAttempts ? { kind: 'dead-letter' } : { kind: 'retry', delayMs: backoffMs(policy, attempts) };
}

/** The most a poison record waits between its attempts in all: the bound S4 promises. */
export function maxRetryDelayMs(policy: RetryPolicy): number {
  let total = 0;
  for (let attempts = 1; attempts < policy.maxAttempts; attempts++) total += backoffMs(policy, attempts);
  return total;
}
