import { placeEntries, type PlacedEntry } from './entry.js';
import type { HeadExtent, HeadStore } from './head-store.js';

/**
 * A partition's retained size: the bytes of the segments that now hold its records from the log start
 * to the high watermark, each segment counted whole (retention moves the log start by whole segments).
 *
 * It sums the index entries themselves rather than differencing the running totals (`cumBytes`): a
 * compaction or merge swaps in chunks whose entries name the rewritten segments but keeps the totals
 * of the bytes as first written, so only the entries say what is stored now. The cost is one Query
 * (paginated at 1 MB) over the chunks below the tail base, none when the tail holds the whole log;
 * chunks already below the log start that retention has not yet deleted are read and skipped.
 */
export async function retainedBytes(heads: HeadStore, pk: string, head: HeadExtent): Promise<number> {
  const start = head.logStartOffset;
  const held = (e: PlacedEntry) => e.baseOffset + e.count > start;
  let bytes = 0;
  if (start < head.tailBase) {
    for (const chunk of await heads.chunksBetween(pk, 0, head.tailBase)) {
      if (chunk.nextBase > start) for (const e of placeEntries(chunk.base, chunk.entries)) if (held(e)) bytes += e.bytes;
    }
  }
  for (const e of placeEntries(head.tailBase, head.tail)) if (held(e)) bytes += e.bytes;
  return bytes;
}
