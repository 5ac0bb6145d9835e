import { afterEach, describe, expect, it, vi } from 'vitest';
import { DELIVERY_METRICS } from '../../lib/observability/metric-names.js';
import { DeliveryMetrics } from '../../lib/observability/metrics.js';

/** The CloudWatch embedded-metric documents Powertools writes to stdout during `fn`. */
function emitted(fn: () => void): Array<Record<string, any>> {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return lines.map((l) => JSON.parse(l) as Record<string, any>);
}

describe('DeliveryMetrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('publishes sums and the largest age per subscription and in aggregate, one document each', () => {
    const m = new DeliveryMetrics();
    m.delivering('billing', 120);
    m.delivered('billing', 10);
    m.delivering('billing', 80);
    m.failed('billing');
    m.delivering('billing', 900);
    m.deadLettered('billing');
    m.delivered('billing', 5);
    m.delivering('email', 30);
    m.delivered('email', 3);
    const docs = emitted(() => m.flush());
    expect(docs).toHaveLength(3);
    const of = (sub?: string) => docs.find((d) => d.subscription === sub)!;
    const names = Object.values(DELIVERY_METRICS);
    expect(of('billing')).toMatchObject({ service: 'dispatcher', [DELIVERY_METRICS.delivered]: 15, [DELIVERY_METRICS.failed]: 1, [DELIVERY_METRICS.deadLettered]: 1, [DELIVERY_METRICS.oldestUndeliveredAge]: 900 });
    expect(of('email')).toMatchObject({ [DELIVERY_METRICS.delivered]: 3, [DELIVERY_METRICS.failed]: 0, [DELIVERY_METRICS.oldestUndeliveredAge]: 30 });
    expect(of(undefined)).toMatchObject({ service: 'dispatcher', [DELIVERY_METRICS.delivered]: 18, [DELIVERY_METRICS.failed]: 1, [DELIVERY_METRICS.deadLettered]: 1, [DELIVERY_METRICS.oldestUndeliveredAge]: 900 });
    expect(of(undefined)._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Runnel', Dimensions: [['service']] });
    expect(of('billing')._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'subscription']]);
    for (const d of docs) expect(d._aws.CloudWatchMetrics[0].Metrics.map((x: { Name: string }) => x.Name).sort()).toEqual([...names].sort());
  });

  it('writes nothing when nothing was delivered, and starts again after a flush', () => {
    const m = new DeliveryMetrics();
    expect(emitted(() => m.flush())).toEqual([]);
    m.delivered('billing', 2);
    expect(emitted(() => m.flush())).toHaveLength(2);
    expect(emitted(() => m.flush())).toEqual([]);
  });
});
