import { placeEntries, type PlacedEntry } from './entry.js';
import type { Chunk, Head } from './head-store.js';
import { IndexGapError } from './index-gap.js';

/**
 * Bounded lookups in a partition's index. Each chunk carries the running totals through its end (all
 * segment bytes, the largest record timestamp), which only grow from one chunk to the next, so the
 * first chunk where a total reaches a value is found by binary search over offsets, one Query per
 * probe: about log2(chunks) reads, where walking the chunks from the log start costs one read each.
 */

/** The chunk holding an offset: the one with the greatest base at or below it (one Query). */
export type ChunkProbe = (offset: number) => Promise<Chunk | undefined>;

/**
 * Whether the totals cover every chunk from the log start. A partition whose oldest chunks were
 * rolled before the totals existed is walked, as before, until retention has passed those chunks.
 */
export const totalsCoverLog = (head: Head): boolean => head.totalsFrom !== undefined && head.logStartOffset >= head.totalsFrom;

export interface LowestChunkWhereOptions {
  pk: string;
  probe: ChunkProbe;
  from: number;
  to: number;
  reached: (c: Chunk) => boolean;
}

/**
 * The lowest chunk overlapping [from, to) for which `reached` holds; `reached` must be monotone in
 * chunk order (false, …, false, true, …, true). Each probe halves the offsets left to search.
 */
export async function lowestChunkWhere({ pk, probe, from, to, reached }: LowestChunkWhereOptions): Promise<Chunk | undefined> {
  let found: Chunk | undefined;
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const chunk = await probe(mid);
    if (!chunk || chunk.nextBase <= mid) throw new IndexGapError(pk, mid);
    if (reached(chunk)) {
      found = chunk;
      hi = chunk.base;
    } else {
      lo = chunk.nextBase;
    }
  }
  return found;
}

/** Where, from the log start on, the records' timestamps first reach a value. */
export type TimestampReach =
  /** At the log start already: a record before it (below the log start) had a timestamp that late. */
  | { at: 'start' }
  /** In this entry, the first from the log start whose own max timestamp reaches it. */
  | { at: 'entry'; entry: PlacedEntry }
  /** Nowhere: every record is earlier. */
  | { at: 'end' };

export interface WhereTimestampReachedOptions {
  pk: string;
  probe: ChunkProbe;
  head: Head;
  timestamp: number;
}

/**
 * Where the running maximum of record timestamps first reaches `timestamp`, searching from the log
 * start. With timestamps in offset order (the usual case) this is the entry holding the first record
 * at or after `timestamp`. A record below the log start later than records after it makes the answer
 * the log start: earlier than the exact one, never later, so a consumer skips nothing.
 */
export async function whereTimestampReached({ pk, probe, head, timestamp }: WhereTimestampReachedOptions): Promise<TimestampReach> {
  const start = head.logStartOffset;
  const firstIn = (entries: PlacedEntry[]): TimestampReach | undefined => {
    const entry = entries.find((e) => e.maxTimestamp >= timestamp);
    if (!entry) return undefined;
    return entry.baseOffset < start ? { at: 'start' } : { at: 'entry', entry };
  };
  if (start < head.tailBase) {
    const chunk = await lowestChunkWhere({ pk, probe, from: start, to: head.tailBase, reached: (c) => c.maxTimestampThrough! >= timestamp });
    // A chunk whose own entries do not reach it got its total from before itself: below the log start.
    if (chunk) return firstIn(placeEntries(chunk.base, chunk.entries)) ?? { at: 'start' };
  } else if (head.maxTimestampBelowTail >= timestamp) {
    return { at: 'start' };
  }
  return firstIn(placeEntries(head.tailBase, head.tail)) ?? { at: 'end' };
}

export interface StartWithinBytesOptions {
  pk: string;
  probe: ChunkProbe;
  head: Head;
  maxBytes: number;
}

/**
 * The smallest entry boundary at or after the log start from which the partition holds at most
 * `maxBytes` of segments: Kafka's `retention.bytes` applied by whole segments from the oldest.
 */
export async function startWithinBytes({ pk, probe, head, maxBytes }: StartWithinBytesOptions): Promise<number> {
  const start = head.logStartOffset;
  const tail = placeEntries(head.tailBase, head.tail);
  const total = tail.reduce((sum, e) => sum + e.bytes, head.bytesBelowTail);
  // The running byte total at the new start must reach this, so that at most maxBytes lie above it.
  const needed = total - maxBytes;
  const firstEndReaching = (entries: PlacedEntry[], before: number): number | undefined => {
    let through = before;
    if (through >= needed) return start;
    for (const e of entries) {
      through += e.bytes;
      if (through >= needed) return Math.max(start, e.baseOffset + e.count);
    }
    return undefined;
  };
  if (start < head.tailBase) {
    const chunk = await lowestChunkWhere({ pk, probe, from: start, to: head.tailBase, reached: (c) => c.bytesThrough! >= needed });
    if (chunk) {
      const before = chunk.entries.reduce((sum, e) => sum - e.bytes, chunk.bytesThrough!);
      // A chunk that a compaction or merge rewrote keeps the totals of the bytes as written, while its
      // entries have the rewritten sizes, so `before` can overstate the total at its base. Every chunk
      // before it stays below `needed` (it is the lowest that reaches it): those go, and where inside
      // this one the total is reached is not known, so it stays whole until the total passes its end.
      if (chunk.gen !== undefined && before >= needed) return Math.max(start, chunk.base);
      return firstEndReaching(placeEntries(chunk.base, chunk.entries), before)!;
    }
  }
  return firstEndReaching(tail, head.bytesBelowTail) ?? head.nextOffset;
}
