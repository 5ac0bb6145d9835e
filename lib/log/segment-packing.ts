import { encodedRecordSize } from '../codec/record.js';
import type { OffsetRecord } from './compaction.js';
import type { PlacedEntry } from './entry.js';

/**
 * Which segments a rewrite of a run of index entries writes (compaction and merging alike): large
 * entries that lost nothing are kept as they are, and the records of the others are packed, in offset
 * order, into segments of up to a target size. The pieces tile the run's offsets exactly, so the new
 * index entries cover the same offsets as the old ones: a record keeps its offset, and the offsets of
 * removed records become gaps inside a segment's span.
 */

export interface PackInput {
  entry: PlacedEntry;
  /** The entry's records that are kept, in offset order. */
  records: OffsetRecord[];
  /** True when every record of the entry is kept. */
  whole: boolean;
}

export type PackedPiece =
  /** The entry stays as it is: same segment object, same offsets. */
  | { kind: 'reuse'; entry: PlacedEntry }
  /** A new segment covering [base, base + span) holding these records. */
  | { kind: 'write'; base: number; span: number; records: OffsetRecord[] };

/** An entry at least half the target stays as it is when it lost nothing: rewriting it gains little. */
export const reusable = (entry: PlacedEntry, targetBytes: number): boolean => entry.bytes >= targetBytes / 2;

export function packSegments(inputs: PackInput[], targetBytes: number): PackedPiece[] {
  const pieces: PackedPiece[] = [];
  let run: PackInput[] = [];
  const flush = () => {
    if (run.length) pieces.push(...packRun(run, targetBytes));
    run = [];
  };
  for (const input of inputs) {
    if (input.whole && reusable(input.entry, targetBytes)) {
      flush();
      pieces.push({ kind: 'reuse', entry: input.entry });
    } else run.push(input);
  }
  flush();
  return pieces;
}

/** Packs a run of adjacent entries: each new piece starts at its first record, the first at the run's start. */
function packRun(run: PackInput[], targetBytes: number): PackedPiece[] {
  const start = run[0]!.entry.baseOffset;
  const last = run[run.length - 1]!.entry;
  const end = last.baseOffset + last.count;
  const groups: OffsetRecord[][] = [[]];
  let bytes = 0;
  for (const r of run.flatMap((input) => input.records)) {
    const size = encodedRecordSize(r.record);
    const current = groups[groups.length - 1]!;
    if (current.length > 0 && bytes + size > targetBytes) {
      groups.push([r]);
      bytes = size;
    } else {
      current.push(r);
      bytes += size;
    }
  }
  return groups.map((records, i) => {
    const base = i === 0 ? start : records[0]!.offset;
    const next = i + 1 < groups.length ? groups[i + 1]![0]!.offset : end;
    return { kind: 'write', base, span: next - base, records };
  });
}
