import type { RetryPolicy } from './retry-policy.js';
import type { TargetSpec } from './targets/index.js';

/** Where a new subscription starts on each partition: the log start, the end, or the first record at or after a time. */
export type StartPosition = 'earliest' | 'latest' | { timestamp: number };

/**
 * A push subscription: a consumer group (of the same name) whose records a dispatcher delivers to a
 * target. Its committed offsets and per-partition leases are the group's, so `groups describe` and
 * `reset-offsets` work on it (S7).
 */
export interface Subscription extends RetryPolicy {
  name: string;
  topic: string;
  /** The incarnation of the topic it was made for: a deleted and re-created topic is not subscribed. */
  topicId: string;
  target: TargetSpec;
  /** Most records per delivery (1–10 000, default 100, as Lambda's stream triggers). */
  batchSize: number;
  /** Wait up to this long for a batch to fill before delivering (0–300 000 ms, default 0). */
  maxBatchingWindowMs: number;
  startPosition: StartPosition;
  /** Where a record goes after its last attempt (default `<name>.dlq`). */
  deadLetterTopic: string;
  state: 'active' | 'paused';
  createdAt: number;
  /** Bumped by every change; a change names the version it read, so two concurrent changes cannot both apply. */
  version: number;
}

/** What a subscription is set to do: everything but its identity and state. */
export type SubscriptionSettings = Pick<Subscription, 'target' | 'batchSize' | 'maxBatchingWindowMs' | 'startPosition' | 'maxAttempts' | 'backoff' | 'deadLetterTopic'>;

export function settingsOf(s: Subscription): SubscriptionSettings {
  const { target, batchSize, maxBatchingWindowMs, startPosition, maxAttempts, backoff, deadLetterTopic } = s;
  return { target, batchSize, maxBatchingWindowMs, startPosition, maxAttempts, backoff, deadLetterTopic };
}

export const SUBSCRIPTION_DEFAULTS = { batchSize: 100, maxBatchingWindowMs: 0 } as const;
export const SUBSCRIPTION_LIMITS = { batchSize: { min: 1, max: 10_000 }, maxBatchingWindowMs: { min: 0, max: 300_000 } } as const;

/** A webhook waits this long for an answer unless its target says otherwise. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
export const MAX_TARGET_TIMEOUT_MS = 60_000;

export const defaultDeadLetterTopic = (subscription: string) => `${subscription}.dlq`;

/** The last failed attempt on a partition, for describe. */
export interface DeliveryFailure {
  message: string;
  /** A DeliveryError kind (timeout, unreachable, unavailable, function_error, rejected) or `batch_item_failure`. */
  kind: string;
  retriable: boolean;
  at: number;
}

/** A subscription's delivery state on one partition, kept on the group's lease item. */
export interface PartitionDelivery {
  topic: string;
  partition: number;
  epoch: number;
  owner?: string;
  /** The dispatcher's lease runs out then; absent when no dispatcher ever held it. */
  expiresAt?: number;
  committedOffset?: number;
  offsetTopicId?: string;
  /** Failed attempts on the record at the committed offset. */
  attempts: number;
  lastError?: DeliveryFailure;
  /** When the next attempt is due (server time), while a retry waits. */
  nextAttemptAt?: number;
  /** Records sent to the dead-letter topic. */
  deadLettered: number;
  /** Records retention removed before they could be delivered (S2: reported, not skipped silently). */
  expiredUndelivered: number;
}
