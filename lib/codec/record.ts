/**
 * A record as stored. Keys and values are bytes, as in Kafka; the flags remember how the producer
 * supplied them so that a fetch returns the same JSON shape: a value given as a JSON value comes back
 * as that value, one given as base64 comes back as base64.
 */
export interface StoredRecord {
  timestamp: number;
  key: Uint8Array | null;
  keyIsBinary: boolean;
  /** null is a tombstone. */
  value: Uint8Array | null;
  valueIsBinary: boolean;
  headers: Array<[string, string]>;
}

/** Fixed bytes a record costs in a segment besides its key, value and headers (see docs/segment-format.md). */
const RECORD_OVERHEAD = 1 + 8 + 4 + 4 + 2;
const HEADER_OVERHEAD = 2 + 4;

/** Encoded size of a record, the figure that `max.message.bytes` limits. */
export function encodedRecordSize(r: StoredRecord): number {
  let size = RECORD_OVERHEAD + (r.key?.byteLength ?? 0) + (r.value?.byteLength ?? 0);
  for (const [k, v] of r.headers) size += HEADER_OVERHEAD + Buffer.byteLength(k, 'utf8') + Buffer.byteLength(v, 'utf8');
  return size;
}
