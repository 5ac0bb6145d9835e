import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestMeter, type MeterSnapshot } from '../../bench/meter.js';
import { percentile, summariseLatencies } from '../../bench/stats.js';

describe('bench percentile (nearest rank)', () => {
  it('picks the nearest-rank value of a sorted sample', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('returns a sample member with at least p% of the sample at or below it', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1 }), fc.integer({ min: 1, max: 100 }), (xs, p) => {
        const sorted = [...xs].sort((a, b) => a - b);
        const v = percentile(sorted, p);
        expect(sorted).toContain(v);
        expect(sorted.filter((x) => x <= v).length / sorted.length).toBeGreaterThanOrEqual(p / 100);
        expect(sorted.filter((x) => x < v).length / sorted.length).toBeLessThan(p / 100);
      }),
    );
  });

  it('summarises unsorted latencies', () => {
    expect(summariseLatencies([3, 1, 2, 4])).toEqual({ count: 4, p50Ms: 2, p99Ms: 4, maxMs: 4, meanMs: 2.5 });
  });
});

describe('bench request meter windows', () => {
  it('subtracts snapshots and drops commands with no calls in the window', () => {
    const before: MeterSnapshot = { ok: { a: 2, b: 1 }, failed: {}, reportedRcu: 1, reportedWcu: 3, unreported: 0, conditionalFailures: 0 };
    const after: MeterSnapshot = { ok: { a: 5, b: 1, c: 1 }, failed: { a: 1 }, reportedRcu: 1.5, reportedWcu: 7, unreported: 0, conditionalFailures: 1 };
    expect(RequestMeter.between(before, after)).toEqual({
      ok: { a: 3, c: 1 },
      failed: { a: 1 },
      reportedRcu: 0.5,
      reportedWcu: 4,
      unreported: 0,
      conditionalFailures: 1,
    });
  });
});
