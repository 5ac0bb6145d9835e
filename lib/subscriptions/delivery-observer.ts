/**
 * What the dispatcher tells about its deliveries, as they happen: the counts and the age behind the
 * dispatcher's metrics (lib/observability/metrics.ts on Lambda). Each call is about one subscription.
 */
export interface DeliveryObserver {
  /** A batch is about to be delivered; its first record is the oldest one not delivered yet. */
  delivering(subscription: string, oldestUndeliveredAgeMs: number): void;
  /** The target acknowledged `records` records and their commit is written. */
  delivered(subscription: string, records: number): void;
  /** A delivery attempt failed (an error, a timeout, or a batch item failure). */
  failed(subscription: string): void;
  /** A record went to the dead-letter topic after its last attempt. */
  deadLettered(subscription: string): void;
}

export const IGNORE_DELIVERIES: DeliveryObserver = {
  delivering: () => {},
  delivered: () => {},
  failed: () => {},
  deadLettered: () => {},
};
