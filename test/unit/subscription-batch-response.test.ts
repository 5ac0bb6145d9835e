import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commitPoint, type DeliveredBatch } from '../../lib/subscriptions/batch-response.js';

const batchArb = fc
  .record({ first: fc.nat({ max: 1_000_000 }), size: fc.integer({ min: 1, max: 50 }), partition: fc.nat({ max: 20 }) })
  .map(({ first, size, partition }): DeliveredBatch => ({ topic: 'orders', partition, offsets: Array.from({ length: size }, (_, i) => first + i) }));

const id = (b: DeliveredBatch, offset: number | string) => ({ itemIdentifier: { partition: `${b.topic}-${b.partition}`, offset } });

describe('commitPoint', () => {
  it('acknowledges the whole batch for every answer that reports no failure', () => {
    fc.assert(
      fc.property(batchArb, fc.constantFrom(undefined, null, {}, 'ok', 42, [], { batchItemFailures: [] }, { batchItemFailures: null }, { statusCode: 200 }), (b, answer) => {
        expect(commitPoint(b, answer)).toEqual({ commitTo: b.offsets.at(-1)! + 1, failure: null });
      }),
    );
  });

  it('commits up to the lowest failed record of the batch, whatever the order of the list', () => {
    fc.assert(
      fc.property(
        batchArb.chain((b) => fc.tuple(fc.constant(b), fc.array(fc.constantFrom(...b.offsets), { minLength: 1, maxLength: 10 }), fc.boolean())),
        ([b, failed, asStrings]) => {
          const verdict = commitPoint(b, { batchItemFailures: failed.map((o) => id(b, asStrings ? String(o) : o)) });
          const lowest = Math.min(...failed);
          expect(verdict.commitTo).toBe(lowest);
          expect(verdict.failure?.offset).toBe(lowest);
        },
      ),
    );
  });

  it('fails the whole batch (commits nothing) when any entry is malformed or names a record not delivered', () => {
    const bad = (b: DeliveredBatch) =>
      fc.oneof(
        fc.constant({}),
        fc.constant({ itemIdentifier: null }),
        fc.constant({ itemIdentifier: '' }),
        fc.constant({ itemIdentifier: String(b.offsets[0]) }),
        fc.constant(id(b, b.offsets.at(-1)! + 1)),
        fc.constant(id(b, b.offsets[0]! - 1)),
        fc.constant(id(b, -1)),
        fc.constant(id(b, 1.5)),
        fc.constant(id(b, '01')),
        fc.constant(id(b, ' 1')),
        fc.constant({ itemIdentifier: { partition: `${b.topic}-${b.partition + 1}`, offset: b.offsets[0] } }),
        fc.constant({ itemIdentifier: { partition: `other-${b.partition}`, offset: b.offsets[0] } }),
        fc.constant({ itemIdentifier: { offset: b.offsets[0] } }),
        fc.constant(null),
      );
    fc.assert(
      fc.property(
        batchArb.chain((b) => fc.tuple(fc.constant(b), fc.array(fc.constantFrom(...b.offsets), { maxLength: 5 }), bad(b), fc.nat())),
        ([b, good, badEntry, at]) => {
          const entries: unknown[] = good.map((o) => id(b, o));
          entries.splice(at % (entries.length + 1), 0, badEntry);
          const verdict = commitPoint(b, { batchItemFailures: entries });
          expect(verdict.commitTo).toBe(b.offsets[0]);
          expect(verdict.failure?.offset).toBe(b.offsets[0]);
        },
      ),
    );
  });

  it('fails the whole batch when batchItemFailures is not a list', () => {
    fc.assert(
      fc.property(batchArb, fc.constantFrom('x', 1, {}, true), (b, list) => {
        expect(commitPoint(b, { batchItemFailures: list }).commitTo).toBe(b.offsets[0]);
      }),
    );
  });

  it('never commits outside the batch, and more failures never commit further', () => {
    fc.assert(
      fc.property(
        batchArb.chain((b) => fc.tuple(fc.constant(b), fc.array(fc.oneof(fc.constantFrom(...b.offsets), fc.integer({ min: -5, max: 2_000_000 })), { maxLength: 6 }), fc.integer({ min: -5, max: 2_000_000 }))),
        ([b, offsets, extra]) => {
          const before = commitPoint(b, { batchItemFailures: offsets.map((o) => id(b, o)) });
          const after = commitPoint(b, { batchItemFailures: [...offsets, extra].map((o) => id(b, o)) });
          for (const v of [before, after]) {
            expect(v.commitTo).toBeGreaterThanOrEqual(b.offsets[0]!);
            expect(v.commitTo).toBeLessThanOrEqual(b.offsets.at(-1)! + 1);
          }
          expect(after.commitTo).toBeLessThanOrEqual(before.commitTo);
        },
      ),
    );
  });
});
