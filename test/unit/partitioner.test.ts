import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { murmur2, toPositive } from '../../lib/codec/murmur2.js';
import { assignPartitions } from '../../lib/codec/partitioner.js';

// KafkaJS's DefaultPartitioner is the Java client's algorithm; it is the oracle here, never a runtime dependency.
const require = createRequire(import.meta.url);
const { Partitioners } = require('kafkajs') as typeof import('kafkajs');

const kafkaPartition = (key: Buffer, partitions: number) =>
  Partitioners.DefaultPartitioner()({
    topic: 't',
    partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 })),
    message: { key, value: null },
  });

describe('Kafka default partitioner compatibility', () => {
  it('matches KafkaJS (the Java algorithm) for any key bytes and partition count', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 1000 }), (key, partitions) => {
        const [ours] = assignPartitions([{ key }], partitions);
        expect(ours).toBe(kafkaPartition(Buffer.from(key), partitions));
      }),
      { numRuns: 2000 },
    );
  });

  it('matches for UTF-8 string keys, including non-ASCII', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 64 }), fc.integer({ min: 1, max: 64 }), (key, partitions) => {
        const bytes = Buffer.from(key, 'utf8');
        expect(assignPartitions([{ key: bytes }], partitions)[0]).toBe(kafkaPartition(bytes, partitions));
      }),
    );
  });

  it('reproduces known Java murmur2 values', () => {
    // From Kafka's UtilsTest.testMurmur2.
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ];
    for (const [key, hash] of cases) expect(murmur2(Buffer.from(key))).toBe(hash);
    expect(toPositive(-1)).toBe(0x7fffffff);
  });
});

describe('assignPartitions', () => {
  it('honours explicit partitions and keeps keyless records of one request together', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.option(fc.uint8Array({ minLength: 1, maxLength: 8 }), { nil: null }), partition: fc.option(fc.nat(9), { nil: undefined }) }), { minLength: 1 }),
        fc.integer({ min: 10, max: 50 }),
        (records, partitions) => {
          const assigned = assignPartitions(records, partitions);
          const keyless = new Set<number>();
          records.forEach((r, i) => {
            const p = assigned[i]!;
            expect(p).toBeGreaterThanOrEqual(0);
            expect(p).toBeLessThan(partitions);
            if (r.partition !== undefined) expect(p).toBe(r.partition);
            else if (r.key === null) keyless.add(p);
          });
          expect(keyless.size).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('spreads keyless requests across partitions', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(assignPartitions([{ key: null }], 8)[0]!);
    expect(seen.size).toBe(8);
  });
});
