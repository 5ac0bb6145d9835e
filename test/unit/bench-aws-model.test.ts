import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AWS_PROFILE, ServiceTimeSampler } from '../../bench/latency-profile.js';
import { callPattern, sequentialRoundTrips, type StorageCall } from '../../bench/round-trips.js';
import { percentile } from '../../bench/stats.js';

describe('bench AWS latency profile', () => {
  it('draws service times whose p50 and p99 are the profile’s', () => {
    const sampler = new ServiceTimeSampler(AWS_PROFILE, 1);
    for (const [command, { p50Ms, p99Ms }] of Object.entries(AWS_PROFILE)) {
      const draws = Array.from({ length: 50_000 }, () => sampler.draw(command)!).sort((a, b) => a - b);
      expect(percentile(draws, 50)).toBeGreaterThan(p50Ms * 0.95);
      expect(percentile(draws, 50)).toBeLessThan(p50Ms * 1.05);
      expect(percentile(draws, 99)).toBeGreaterThan(p99Ms * 0.9);
      expect(percentile(draws, 99)).toBeLessThan(p99Ms * 1.1);
    }
  });

  it('draws the same sequence per command from the same seed, whatever other commands draw in between', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.constantFrom(...Object.keys(AWS_PROFILE)), { maxLength: 30 }), (seed, others) => {
        const alone = new ServiceTimeSampler(AWS_PROFILE, seed);
        const mixed = new ServiceTimeSampler(AWS_PROFILE, seed);
        const a = Array.from({ length: 5 }, () => alone.draw('PutObjectCommand'));
        const b: Array<number | undefined> = [];
        for (const c of others) if (c !== 'PutObjectCommand') mixed.draw(c);
        for (let i = 0; i < 5; i++) b.push(mixed.draw('PutObjectCommand'));
        expect(b).toEqual(a);
        mixed.reset();
        expect(mixed.draw('PutObjectCommand')).toBe(a[0]);
      }),
    );
  });

  it('gives no service time to a call the profile does not name', () => {
    expect(new ServiceTimeSampler(AWS_PROFILE, 1).draw('ListObjectsV2Command')).toBeUndefined();
  });
});

describe('bench round trips', () => {
  const call = (command: string, startMs: number, endMs: number): StorageCall => ({ command, startMs, endMs });

  it('counts calls that overlap as one round trip', () => {
    const floor = [call('PutObjectCommand', 0, 30), call('UpdateItemCommand', 30, 35)];
    expect(sequentialRoundTrips(floor)).toBe(2);
    expect(callPattern(floor)).toBe('PutObject → UpdateItem');
    const parallel = [call('PutObjectCommand', 0, 30), call('PutObjectCommand', 1, 40), call('UpdateItemCommand', 41, 45), call('UpdateItemCommand', 42, 44)];
    expect(sequentialRoundTrips(parallel)).toBe(2);
    expect(callPattern(parallel)).toBe('PutObject + PutObject → UpdateItem + UpdateItem');
    expect(sequentialRoundTrips([])).toBe(0);
    // A background read that spans the request's two sequential calls does not hide them.
    const renewal = [call('GetItemCommand', 0, 50), call('PutObjectCommand', 1, 30), call('UpdateItemCommand', 30, 35)];
    expect(sequentialRoundTrips(renewal)).toBe(2);
    expect(callPattern(renewal)).toBe('GetItem + PutObject + UpdateItem');
  });

  it('never counts more round trips than calls, nor fewer than one for any call', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(1000), fc.nat(100)), { minLength: 1, maxLength: 20 }), (spans) => {
        const calls = spans.map(([start, length]) => call('GetItemCommand', start, start + length + 1));
        const rounds = sequentialRoundTrips(calls);
        expect(rounds).toBeGreaterThanOrEqual(1);
        expect(rounds).toBeLessThanOrEqual(calls.length);
        // Disjoint calls, one after another, are each a round trip.
        const chain = spans.map((_, i) => call('GetItemCommand', i * 10, i * 10 + 5));
        expect(sequentialRoundTrips(chain)).toBe(chain.length);
      }),
    );
  });
});
