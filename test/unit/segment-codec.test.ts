import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredRecord } from '../../lib/codec/record.js';
import { CorruptSegmentError, decodeSegment, encodeSegment, HEADER_BYTES, HEADER_BYTES_V2, offsetDelta, type SegmentPlacement } from '../../lib/codec/segment.js';

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

/** Records with a placement: strictly increasing offset deltas inside a span at least as long. */
const sparseArb = fc
  .array(fc.tuple(recordArb, fc.integer({ min: 1, max: 1000 })), { maxLength: 30 })
  .chain((pairs) =>
    fc.integer({ min: 0, max: 50 }).map((slack) => {
      let delta = -1;
      const offsetDeltas = pairs.map(([, gap]) => (delta += gap));
      const placement: SegmentPlacement = { offsetDeltas, span: delta + 1 + slack };
      return { records: pairs.map(([r]) => r), placement };
    }),
  );

const compressionArb = fc.constantFrom('none' as const, 'gzip' as const);

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

  it('version 2 round-trips any records at any strictly increasing offsets, with and without gzip', () => {
    fc.assert(
      fc.property(sparseArb, compressionArb, ({ records, placement }, compression) => {
        const decoded = decodeSegment(encodeSegment(records, compression, placement));
        expect(normalise(decoded.records)).toEqual(normalise(records));
        expect(decoded.records.map((_, i) => offsetDelta(decoded, i))).toEqual(placement.offsetDeltas);
        expect(decoded.span).toBe(placement.span);
      }),
    );
  });

  it('version 1 reads as dense: each record at its position, the span its count', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 20 }), compressionArb, (records, compression) => {
        const decoded = decodeSegment(encodeSegment(records, compression));
        expect(decoded.offsetDeltas).toBeUndefined();
        expect(decoded.span).toBe(records.length);
        expect(decoded.records.map((_, i) => offsetDelta(decoded, i))).toEqual(records.map((_, i) => i));
      }),
    );
  });

  it('version 2 detects any single corrupted byte, truncation and trailing bytes', () => {
    fc.assert(
      fc.property(sparseArb, compressionArb, fc.nat(), fc.integer({ min: 1, max: 255 }), ({ records, placement }, compression, at, flip) => {
        const bytes = Buffer.from(encodeSegment(records, compression, placement));
        const flipped = Buffer.from(bytes);
        const i = at % bytes.byteLength;
        flipped[i] = flipped[i]! ^ flip;
        expect(() => decodeSegment(flipped, 'seg')).toThrow(CorruptSegmentError);
        expect(() => decodeSegment(bytes.subarray(0, at % bytes.byteLength))).toThrow(CorruptSegmentError);
        expect(() => decodeSegment(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(CorruptSegmentError);
      }),
    );
  });

  it('refuses to write offset deltas that do not increase strictly within the span', () => {
    const r: StoredRecord = { timestamp: 1, key: null, keyIsBinary: false, value: null, valueIsBinary: false, headers: [] };
    expect(() => encodeSegment([r, r], 'none', { offsetDeltas: [3, 3], span: 5 })).toThrow(/increase/);
    expect(() => encodeSegment([r, r], 'none', { offsetDeltas: [1, 5], span: 5 })).toThrow(/increase/);
    expect(() => encodeSegment([r], 'none', { offsetDeltas: [], span: 5 })).toThrow(/deltas/);
    const empty = decodeSegment(encodeSegment([], 'none', { offsetDeltas: [], span: 7 }));
    expect(empty).toEqual({ records: [], offsetDeltas: [], span: 7 });
  });

  it('has a versioned header of fixed size', () => {
    const bytes = Buffer.from(encodeSegment([]));
    expect(bytes.byteLength).toBe(HEADER_BYTES);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('RNLS');
    expect(bytes[4]).toBe(1);
    bytes[4] = 3;
    expect(() => decodeSegment(bytes)).toThrow(/unknown version 3|checksum/);
    const sparse = Buffer.from(encodeSegment([], 'none', { offsetDeltas: [], span: 0 }));
    expect(sparse.byteLength).toBe(HEADER_BYTES_V2);
    expect(sparse[4]).toBe(2);
  });

  it('reads a version 1 object written before version 2 existed', () => {
    // Bytes of one record {timestamp 1700000000000, key "k", value "1", header a=b} as the v1 encoder wrote them.
    const golden = Buffer.from(
      '524e4c5301000000000000010000018bcfe568000000018bcfe568000000001ddf3f085b00000000' +
        '000000018bcfe56800000000016b000000013100010001610000000162',
      'hex',
    );
    const decoded = decodeSegment(golden);
    expect(decoded.span).toBe(1);
    expect(normalise(decoded.records)).toEqual(
      normalise([{ timestamp: 1700000000000, key: Buffer.from('k'), keyIsBinary: false, value: Buffer.from('1'), valueIsBinary: false, headers: [['a', 'b']] }]),
    );
  });
});
