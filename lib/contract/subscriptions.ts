/**
 * The wire contract of push subscriptions: requests and answers. Routes are in routes.ts; the request
 * schemas that validate these at the route are in lib/api/subscription-requests.ts.
 */

export type StartPosition = 'earliest' | 'latest' | { timestamp: number };

export type TargetRequest =
  | { type: 'lambda'; functionArn: string }
  | { type: 'webhook'; url: string; secret?: string; timeoutMs?: number };

export interface BackoffRequest {
  initialMs?: number;
  maxMs?: number;
  multiplier?: number;
}

export interface CreateSubscriptionRequest {
  name: string;
  topic: string;
  target: TargetRequest;
  batchSize?: number;
  maxBatchingWindowMs?: number;
  startPosition?: StartPosition;
  maxAttempts?: number;
  backoff?: BackoffRequest;
  deadLetterTopic?: string;
}

/** PATCH: pause or resume, or change settings. The topic and the name cannot change; replay with reset-offsets. */
export interface UpdateSubscriptionRequest {
  state?: 'active' | 'paused';
  target?: TargetRequest;
  batchSize?: number;
  maxBatchingWindowMs?: number;
  maxAttempts?: number;
  backoff?: BackoffRequest;
  deadLetterTopic?: string;
}

export interface SubscriptionList {
  subscriptions: SubscriptionInfo[];
}
export type TargetInfo = { type: 'lambda'; functionArn: string } | { type: 'webhook'; url: string; timeoutMs?: number; secret?: string };

/** A subscription as the API shows it. The webhook secret is shown only in the answer to create (and to a PATCH that sets one). */
export interface SubscriptionInfo {
  name: string;
  topic: string;
  target: TargetInfo;
  batchSize: number;
  maxBatchingWindowMs: number;
  startPosition: StartPosition;
  maxAttempts: number;
  backoff: { initialMs: number; maxMs: number; multiplier: number };
  deadLetterTopic: string;
  state: 'active' | 'paused';
  createdAt: number;
}

export interface SubscriptionPartition {
  partition: number;
  /** The next offset to deliver. */
  committedOffset: number | null;
  highWatermark: number | null;
  /** Records committed and not yet delivered. */
  lag: number | null;
  /** Age in ms of the oldest undelivered record, by its timestamp; null when nothing is pending. */
  oldestUndeliveredAgeMs: number | null;
  /** Failed attempts on the record at the committed offset. */
  attempts: number;
  lastError: { message: string; kind: string; retriable: boolean; at: number } | null;
  /** When the next attempt is due, while a retry waits. */
  nextAttemptAt: number | null;
  deadLettered: number;
  /** Records retention removed before they were delivered. */
  expiredUndelivered: number;
  /** True while a dispatcher holds the partition. */
  delivering: boolean;
}

export interface SubscriptionDescription extends SubscriptionInfo {
  partitions: SubscriptionPartition[];
}

/**
 * The property of the construct's `Custom::RunnelSubscription` resource that carries its create request,
 * as JSON (lib/subscriptions/subscription-resource.ts reads it).
 */
export const SUBSCRIPTION_REQUEST_PROPERTY = 'Request';
