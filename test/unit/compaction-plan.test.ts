import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodedRecordSize, type StoredRecord } from '../../lib/codec/record.js';
import {
  cleanableEnd,
  compactionDue,
  dirtyState,
  latestOffsets,
  survives,
  type CompactionSettings,
  type OffsetRecord,
} from '../../lib/log/compaction.js';
import type { PlacedEntry } from '../../lib/log/entry.js';
import { packSegments, type PackInput } from '../../lib/log/segment-packing.js';

const settings = (deleteRetentionMs: number): CompactionSettings => ({
  deleteRetentionMs,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  minCleanableDirtyRatio: 0.5,
});

const record = (key: string | null, value: string | null, timestamp: number): StoredRecord => ({
  timestamp,
  key: key === null ? null : Buffer.from(key),
  keyIsBinary: false,
  value: value === null ? null : Buffer.from(value),
  valueIsBinary: false,
  headers: [],
});

/** Records at strictly increasing offsets (with gaps, as in a log compacted before), few distinct keys. */
const logArb = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 1, max: 3 }),
      key: fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: null, freq: 6 }),
      value: fc.option(fc.string({ maxLength: 8 }), { nil: null, freq: 4 }),
      timestamp: fc.integer({ min: 0, max: 1000 }),
    }),
    { maxLength: 60 },
  )
  .map((specs) => {
    let offset = -1;
    return specs.map((s): OffsetRecord => ({ offset: (offset += s.gap), record: record(s.key, s.value, s.timestamp) }));
  });

/** The model: a record survives unless a later record has its key, or it is a tombstone past its retention. */
function modelSurvivors(records: OffsetRecord[], now: number, deleteRetentionMs: number): OffsetRecord[] {
  const keyText = (r: OffsetRecord) => (r.record.key ? Buffer.from(r.record.key).toString() : null);
  return records.filter((r, i) => {
    if (keyText(r) === null) return true;
    if (records.slice(i + 1).some((later) => keyText(later) === keyText(r))) return false;
    return r.record.value !== null || now - r.record.timestamp < deleteRetentionMs;
  });
}

const compact = (records: OffsetRecord[], now: number, s: CompactionSettings) => {
  const latest = latestOffsets(records);
  return records.filter((r) => survives({ entry: r, latest, now, settings: s }));
};

describe('compaction plan: which records survive', () => {
  it('keeps the latest record of each key and every keyless record, at their offsets, as the model does', () => {
    fc.assert(
      fc.property(logArb, fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 1000 }), (records, now, retention) => {
        expect(compact(records, now, settings(retention))).toEqual(modelSurvivors(records, now, retention));
      }),
    );
  });

  it('is incremental: compacting a prefix first, then all of it, keeps what compacting all at once keeps', () => {
    fc.assert(
      fc.property(logArb, fc.nat(), fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 1000 }), (records, cut, now, retention) => {
        const at = records.length ? cut % records.length : 0;
        const s = settings(retention);
        const twice = compact([...compact(records.slice(0, at), now, s), ...records.slice(at)], now, s);
        expect(twice).toEqual(compact(records, now, s));
        expect(compact(twice, now, s)).toEqual(twice);
      }),
    );
  });

  it('keeps a tombstone for delete.retention.ms after its timestamp, then removes it', () => {
    const log = [
      { offset: 0, record: record('k', 'v', 100) },
      { offset: 1, record: record('k', null, 200) },
    ];
    expect(compact(log, 200 + 999, settings(1000)).map((r) => r.offset)).toEqual([1]);
    expect(compact(log, 200 + 1000, settings(1000)).map((r) => r.offset)).toEqual([]);
  });

  it('treats keys as bytes, however the producer gave them', () => {
    const text = record('k', '1', 0);
    const binary = { ...record('k', '2', 0), keyIsBinary: true };
    expect(compact([{ offset: 0, record: text }, { offset: 1, record: binary }], 0, settings(0)).map((r) => r.offset)).toEqual([1]);
  });
});

const entry = (baseOffset: number, count: number, bytes: number, maxTimestamp = 0, segmentId = `s${baseOffset}`): PlacedEntry => ({
  segmentId,
  baseOffset,
  count,
  bytes,
  maxTimestamp,
});

describe('compaction plan: how far, and when', () => {
  const s = { ...settings(0), minCompactionLagMs: 100 };
  const entries = [entry(0, 5, 50, 10), entry(5, 5, 50, 20), entry(10, 5, 50, 950), entry(15, 5, 50, 30)];

  it('stops at the first entry younger than min.compaction.lag.ms, and never passes the tail', () => {
    expect(cleanableEnd({ entries, tailBase: 20, now: 1000, settings: s, young: () => false })).toBe(10);
    expect(cleanableEnd({ entries, tailBase: 20, now: 2000, settings: s, young: () => false })).toBe(20);
    expect(cleanableEnd({ entries, tailBase: 20, now: 2000, settings: s, young: (e) => e.baseOffset === 15 })).toBe(15);
    expect(cleanableEnd({ entries: [], tailBase: 0, now: 2000, settings: s, young: () => false })).toBe(0);
  });

  it('is due at min.cleanable.dirty.ratio, or when the dirty part has waited max.compaction.lag.ms', () => {
    expect(dirtyState(entries, 10)).toEqual({ cleanBytes: 100, dirtyBytes: 100, firstDirtyTimestamp: 950 });
    expect(compactionDue(dirtyState(entries, 10), 1000, s)).toBe(true);
    expect(compactionDue(dirtyState(entries, 15), 1000, s)).toBe(false);
    expect(compactionDue(dirtyState(entries, 15), 1000, { ...s, maxCompactionLagMs: 970 })).toBe(true);
    expect(compactionDue(dirtyState(entries, 15), 1000, { ...s, maxCompactionLagMs: 971 })).toBe(false);
    expect(compactionDue(dirtyState(entries, 20), 1000, { ...s, minCleanableDirtyRatio: 0 })).toBe(false);
  });
});

/** A run of adjacent entries tiling [0, end), each holding some records inside its span. */
const runArb = fc
  .array(
    fc.record({
      count: fc.integer({ min: 1, max: 12 }),
      bytes: fc.integer({ min: 1, max: 400 }),
      keep: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      whole: fc.boolean(),
      valueBytes: fc.integer({ min: 0, max: 60 }),
    }),
    { minLength: 1, maxLength: 20 },
  )
  .map((specs) => {
    let base = 0;
    return specs.map((spec): PackInput => {
      const e = entry(base, spec.count, spec.bytes);
      base += spec.count;
      const offsets = Array.from({ length: spec.count }, (_, i) => e.baseOffset + i).filter((_, i) => spec.whole || spec.keep[i]);
      return { entry: e, whole: spec.whole, records: offsets.map((offset) => ({ offset, record: record(null, 'v'.repeat(spec.valueBytes), offset) })) };
    });
  });

describe('segment packing', () => {
  it('tiles the run exactly, keeps every record once in order inside its piece, and reuses only whole large entries', () => {
    fc.assert(
      fc.property(runArb, fc.integer({ min: 20, max: 500 }), (inputs, target) => {
        const pieces = packSegments(inputs, target);
        let next = 0;
        const placed: number[] = [];
        for (const piece of pieces) {
          if (piece.kind === 'reuse') {
            const input = inputs.find((i) => i.entry === piece.entry)!;
            expect(input.whole && input.entry.bytes >= target / 2).toBe(true);
            expect(piece.entry.baseOffset).toBe(next);
            next += piece.entry.count;
            placed.push(...input.records.map((r) => r.offset));
          } else {
            expect(piece.base).toBe(next);
            expect(piece.span).toBeGreaterThan(0);
            for (const r of piece.records) expect(r.offset >= piece.base && r.offset < piece.base + piece.span).toBe(true);
            const size = piece.records.reduce((sum, r) => sum + encodedRecordSize(r.record), 0);
            if (piece.records.length > 1) expect(size).toBeLessThanOrEqual(target);
            next += piece.span;
            placed.push(...piece.records.map((r) => r.offset));
          }
        }
        const last = inputs[inputs.length - 1]!.entry;
        expect(next).toBe(last.baseOffset + last.count);
        expect(placed).toEqual(inputs.flatMap((i) => i.records.map((r) => r.offset)));
      }),
    );
  });

  it('packs a run whose records were all removed into one empty piece covering it', () => {
    const inputs: PackInput[] = [
      { entry: entry(0, 3, 10), records: [], whole: false },
      { entry: entry(3, 2, 10), records: [], whole: false },
    ];
    expect(packSegments(inputs, 100)).toEqual([{ kind: 'write', base: 0, span: 5, records: [] }]);
  });
});
