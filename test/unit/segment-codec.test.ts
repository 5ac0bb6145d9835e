import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredRecord } from '../../lib/codec/record.js';
import { CorruptSegmentError, decodeSegment, encodeSegment, HEADER_BYTES } from '../../lib/codec/segment.js';

const recordArb: fc.Arbitrary<StoredRecord> = fc.record({
  timestamp: fc.integer({ min: 0, max: 8.64e15 }),
  key: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }),
  keyIsBinary: fc.boolean(),
  value: fc.option(fc.uint8Array({ maxLength: 512 }), { nil: null }),
  valueIsBinary: fc.boolean(),
  headers: fc.array(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 16 }), fc.string({ unit: 'grapheme', maxLength: 32 })), { maxLength: 4 }),
});

const normalise = (records: StoredRecord[]) =>
  records.map((r) => ({ ...r, key: r.key && Buffer.from(r.key), value: r.value && Buffer.from(r.value) }));

describe('segment codec', () => {
  it('round-trips any batch, with and without gzip', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 40 }), fc.constantFrom('none' as const, 'gzip' as const), (records, compression) => {
        const decoded = decodeSegment(encodeSegment(records, compression));
        expect(normalise(decoded.records)).toEqual(normalise(records));
      }),
    );
  });

  it('detects any single corrupted byte: a clear error, never garbage', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 10 }),
        fc.constantFrom('none' as const, 'gzip' as const),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (records, compression, at, flip) => {
          const bytes = Buffer.from(encodeSegment(records, compression));
          const i = at % bytes.byteLength;
          bytes[i] = bytes[i]! ^ flip;
          expect(() => decodeSegment(bytes, 'seg')).toThrow(CorruptSegmentError);
        },
      ),
    );
  });

  it('detects truncation and trailing bytes', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 10 }), fc.nat(), (records, cut) => {
        const bytes = Buffer.from(encodeSegment(records));
        const shorter = bytes.subarray(0, cut % bytes.byteLength);
        expect(() => decodeSegment(shorter)).toThrow(CorruptSegmentError);
        expect(() => decodeSegment(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(CorruptSegmentError);
      }),
    );
  });

  it('has a versioned header of fixed size', () => {
    const bytes = Buffer.from(encodeSegment([]));
    expect(bytes.byteLength).toBe(HEADER_BYTES);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('RNLS');
    expect(bytes[4]).toBe(1);
    bytes[4] = 2;
    expect(() => decodeSegment(bytes)).toThrow(/unknown version 2|checksum/);
  });
});
