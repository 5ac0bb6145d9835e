/**
 * An index entry names one segment object. It is kept as one short string, not a map, because every
 * append rewrites the head item and DynamoDB bills that write by the item's size (1 WCU per KB).
 * Form: `<segmentId>:<count>:<bytes>:<maxTimestamp>`, counts in base 10.
 */
export interface IndexEntry {
  segmentId: string;
  count: number;
  bytes: number;
  maxTimestamp: number;
}

/** An entry placed in the log: its first offset is known. */
export interface PlacedEntry extends IndexEntry {
  baseOffset: number;
}

export function formatEntry(e: IndexEntry): string {
  return `${e.segmentId}:${e.count}:${e.bytes}:${e.maxTimestamp}`;
}

export function parseEntry(s: string): IndexEntry {
  const [segmentId, count, bytes, maxTimestamp] = s.split(':');
  if (!segmentId || count === undefined || bytes === undefined || maxTimestamp === undefined) {
    throw new Error(`malformed index entry: ${s}`);
  }
  return { segmentId, count: Number(count), bytes: Number(bytes), maxTimestamp: Number(maxTimestamp) };
}

/** Places entries one after another from `base`. */
export function placeEntries(base: number, entries: IndexEntry[]): PlacedEntry[] {
  let offset = base;
  return entries.map((e) => {
    const placed = { ...e, baseOffset: offset };
    offset += e.count;
    return placed;
  });
}
