import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSequence, MAX_PRODUCERS_KEPT, PRODUCER_EXPIRY_MS, producerKey, producersToKeep, type ProducerState } from '../../lib/log/head-store.js';

const committedBatch = fc.record({
  first: fc.integer({ min: 0, max: 1_000_000 }),
  count: fc.integer({ min: 1, max: 10_000 }),
  baseOffset: fc.nat(),
  lastSeen: fc.nat(),
});
const toState = (b: { first: number; count: number; baseOffset: number; lastSeen: number }): ProducerState => ({
  lastSequence: b.first + b.count - 1,
  count: b.count,
  baseOffset: b.baseOffset,
  lastSeen: b.lastSeen,
});

describe('checkSequence', () => {
  it('accepts any batch from a producer the partition does not know', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1 }), (sequence, count) => {
        expect(checkSequence(undefined, sequence, count)).toEqual({ kind: 'new' });
      }),
    );
  });

  it('accepts a batch exactly when it starts above the committed batch’s last sequence', () => {
    fc.assert(
      fc.property(committedBatch, fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 1, max: 10_000 }), (batch, sequence, count) => {
        const accepted = checkSequence(toState(batch), sequence, count).kind === 'new';
        expect(accepted).toBe(sequence > batch.first + batch.count - 1);
      }),
    );
  });

  it('answers a duplicate only for the committed batch itself: same first sequence, same count', () => {
    fc.assert(
      fc.property(committedBatch, fc.integer({ min: 1, max: 10_000 }), (batch, count) => {
        const check = checkSequence(toState(batch), batch.first, count);
        if (count === batch.count) expect(check).toEqual({ kind: 'duplicate', baseOffset: batch.baseOffset });
        else expect(check.kind).toBe('mismatched_retry');
      }),
    );
  });

  it('calls anything else at or below the last committed sequence out of order', () => {
    fc.assert(
      fc.property(committedBatch, fc.nat(), fc.integer({ min: 1, max: 10_000 }), (batch, n, count) => {
        const sequence = n % (batch.first + batch.count);
        fc.pre(sequence !== batch.first);
        expect(checkSequence(toState(batch), sequence, count)).toEqual({ kind: 'out_of_order', lastSequence: batch.first + batch.count - 1 });
      }),
    );
  });
});

describe('producersToKeep', () => {
  it('keeps the most recently seen unexpired producers, at most MAX_PRODUCERS_KEPT', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string(), { maxLength: 200 }), fc.array(fc.integer({ min: 0, max: 2 * PRODUCER_EXPIRY_MS }), { minLength: 200, maxLength: 200 }), (ids, ages) => {
        const now = 10 * PRODUCER_EXPIRY_MS;
        const producers = new Map(ids.map((id, i) => [producerKey(id), { lastSequence: 0, count: 1, baseOffset: i, lastSeen: now - ages[i]! }]));
        const kept = producersToKeep(producers, now);
        const live = [...producers.values()].filter((p) => now - p.lastSeen <= PRODUCER_EXPIRY_MS);
        expect(kept).toHaveLength(Math.min(MAX_PRODUCERS_KEPT, live.length));
        const oldestKept = Math.min(...kept.map(([, p]) => p.lastSeen));
        for (const p of live) if (p.lastSeen > oldestKept) expect(kept.some(([, k]) => k === p)).toBe(true);
        for (const [key, p] of kept) expect(producers.get(key)).toBe(p);
      }),
    );
  });

  it('keys producers by 12 characters, whatever the id’s length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), (id) => {
        expect(producerKey(id)).toMatch(/^[A-Za-z0-9_-]{12}$/);
      }),
    );
  });
});
