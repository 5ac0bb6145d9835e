/**
 * Names of Runnel's own CloudWatch metrics, shared by the code that publishes them and the construct that
 * alarms on them (which must not load Powertools to know a name).
 */
export const METRICS_NAMESPACE = 'Runnel';

/** The dispatcher's metrics: the construct alarms on `oldestUndeliveredAge`. */
export const DELIVERY_METRICS = {
  delivered: 'SubscriptionRecordsDelivered',
  failed: 'SubscriptionDeliveryFailures',
  deadLettered: 'SubscriptionRecordsDeadLettered',
  oldestUndeliveredAge: 'SubscriptionOldestUndeliveredAge',
} as const;

/** The dimension that names the subscription, beside the aggregate (dimension `service` only) of all of them. */
export const SUBSCRIPTION_DIMENSION = 'subscription';
