import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DeliveryObserver } from '../subscriptions/delivery-observer.js';
import { DELIVERY_METRICS, METRICS_NAMESPACE, SUBSCRIPTION_DIMENSION } from './metric-names.js';

const newMetrics = () => new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'dispatcher' });

interface Tally {
  delivered: number;
  failed: number;
  deadLettered: number;
  oldestAgeMs: number;
}

/**
 * Counts deliveries through an invocation and publishes them as CloudWatch embedded metrics (Powertools
 * Metrics, one log line per flush): each figure once in aggregate (dimension `service`) for the alarm, and
 * once per subscription. Counts are summed and the age is the largest seen, so a flush costs a line per
 * subscription however many batches went out.
 */
export class DeliveryMetrics implements DeliveryObserver {
  private readonly tallies = new Map<string, Tally>();

  private readonly metrics = newMetrics();

  private tally(subscription: string): Tally {
    let t = this.tallies.get(subscription);
    if (!t) this.tallies.set(subscription, (t = { delivered: 0, failed: 0, deadLettered: 0, oldestAgeMs: -1 }));
    return t;
  }

  delivering(subscription: string, oldestUndeliveredAgeMs: number): void {
    const t = this.tally(subscription);
    t.oldestAgeMs = Math.max(t.oldestAgeMs, oldestUndeliveredAgeMs);
  }

  delivered(subscription: string, records: number): void {
    this.tally(subscription).delivered += records;
  }

  failed(subscription: string): void {
    this.tally(subscription).failed++;
  }

  deadLettered(subscription: string): void {
    this.tally(subscription).deadLettered++;
  }

  /** Writes what was counted since the last flush (nothing when nothing was delivered) and starts again. */
  flush(): void {
    if (this.tallies.size === 0) return;
    const add = (m: Metrics, t: Tally) => {
      m.addMetric(DELIVERY_METRICS.delivered, MetricUnit.Count, t.delivered);
      m.addMetric(DELIVERY_METRICS.failed, MetricUnit.Count, t.failed);
      m.addMetric(DELIVERY_METRICS.deadLettered, MetricUnit.Count, t.deadLettered);
      if (t.oldestAgeMs >= 0) m.addMetric(DELIVERY_METRICS.oldestUndeliveredAge, MetricUnit.Milliseconds, t.oldestAgeMs);
    };
    const total: Tally = { delivered: 0, failed: 0, deadLettered: 0, oldestAgeMs: -1 };
    for (const [subscription, t] of this.tallies) {
      // Its own set (not singleMetric(), which writes a line per metric): one line for the four figures.
      const one = newMetrics();
      one.addDimension(SUBSCRIPTION_DIMENSION, subscription);
      add(one, t);
      one.publishStoredMetrics();
      total.delivered += t.delivered;
      total.failed += t.failed;
      total.deadLettered += t.deadLettered;
      total.oldestAgeMs = Math.max(total.oldestAgeMs, t.oldestAgeMs);
    }
    add(this.metrics, total);
    this.metrics.publishStoredMetrics();
    this.tallies.clear();
  }
}
