import { crc32, gunzipSync, gzipSync } from 'node:zlib';
import { RunnelError } from '../errors.js';
import { encodedRecordSize, type StoredRecord } from './record.js';

/**
 * One segment object holds records of one partition. It carries no absolute offsets: a record's
 * offset is its index entry's base plus its offset delta, which is what lets writers PUT before they
 * know their offsets. Version 1 (a produced batch) is dense: a record's delta is its position. Version
 * 2 (written by compaction and merging) stores each record's delta, so a compacted segment keeps its
 * records at their original offsets, with gaps where records were removed. Layout: docs/segment-format.md.
 */
export const SEGMENT_MAGIC = 0x524e4c53; // "RNLS"
export const SEGMENT_VERSION = 1;
export const SEGMENT_VERSION_SPARSE = 2;
export const HEADER_BYTES = 40;
export const HEADER_BYTES_V2 = 48;
const FLAG_GZIP = 1;
const ATTR_KEY_BINARY = 1;
const ATTR_VALUE_BINARY = 2;

export type Compression = 'none' | 'gzip';

export interface DecodedSegment {
  records: StoredRecord[];
  /**
   * Version 2 only: each record's offset minus the entry's base, strictly increasing and below `span`.
   * Absent for a dense segment, where a record's delta is its position.
   */
  offsetDeltas?: number[];
  /** Offsets the segment covers: its entry's count. For a dense segment, its record count. */
  span: number;
}

/** Where each record of a sparse (version 2) segment sits: offset deltas from the entry's base, and the offsets it covers. */
export interface SegmentPlacement {
  offsetDeltas: number[];
  span: number;
}

/** The offset delta of a decoded segment's `i`th record. */
export const offsetDelta = (segment: DecodedSegment, i: number): number => segment.offsetDeltas?.[i] ?? i;

export class CorruptSegmentError extends RunnelError {
  constructor(what: string, detail: string) {
    super({ status: 502, code: 'corrupt_segment', message: `segment ${what} is corrupt: ${detail}` });
  }
}

// ignoreBOM: a header that starts with U+FEFF keeps it (by default TextDecoder strips it).
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Writes every record into one buffer sized up front, after `room` bytes left for the header: one
 * allocation and no copy per segment, where a 100 KB batch would otherwise be copied again.
 */
function encodePayload(records: StoredRecord[], room: number, offsetDeltas?: number[]): Buffer {
  let size = room + (offsetDeltas ? 4 * records.length : 0);
  for (const r of records) size += encodedRecordSize(r);
  const buf = Buffer.allocUnsafe(size);
  let pos = room;
  const bytes = (b: Uint8Array) => {
    buf.set(b, pos);
    pos += b.byteLength;
  };
  for (const [i, r] of records.entries()) {
    if (offsetDeltas) pos = buf.writeUInt32BE(offsetDeltas[i]!, pos);
    pos = buf.writeUInt8((r.keyIsBinary ? ATTR_KEY_BINARY : 0) | (r.valueIsBinary ? ATTR_VALUE_BINARY : 0), pos);
    pos = buf.writeBigInt64BE(BigInt(r.timestamp), pos);
    pos = buf.writeInt32BE(r.key ? r.key.byteLength : -1, pos);
    if (r.key) bytes(r.key);
    pos = buf.writeInt32BE(r.value ? r.value.byteLength : -1, pos);
    if (r.value) bytes(r.value);
    pos = buf.writeUInt16BE(r.headers.length, pos);
    for (const [k, v] of r.headers) {
      pos = buf.writeUInt16BE(Buffer.byteLength(k, 'utf8'), pos);
      pos += buf.write(k, pos, 'utf8');
      pos = buf.writeInt32BE(Buffer.byteLength(v, 'utf8'), pos);
      pos += buf.write(v, pos, 'utf8');
    }
  }
  return buf;
}

/**
 * Encodes a segment: version 1 (dense) without a placement, version 2 (each record's offset delta)
 * with one. Throws on a placement whose deltas are not strictly increasing within the span.
 */
export function encodeSegment(records: StoredRecord[], compression: Compression = 'none', placement?: SegmentPlacement): Uint8Array {
  if (placement) checkPlacement(records.length, placement);
  const headerBytes = placement ? HEADER_BYTES_V2 : HEADER_BYTES;
  let segment = encodePayload(records, headerBytes, placement?.offsetDeltas);
  if (compression === 'gzip') {
    const compressed = gzipSync(segment.subarray(headerBytes));
    segment = Buffer.concat([Buffer.alloc(headerBytes), compressed]);
  }
  let minTs = Number.MAX_SAFE_INTEGER;
  let maxTs = 0;
  for (const r of records) {
    if (r.timestamp < minTs) minTs = r.timestamp;
    if (r.timestamp > maxTs) maxTs = r.timestamp;
  }
  const header = segment.subarray(0, headerBytes);
  header.writeUInt32BE(SEGMENT_MAGIC, 0);
  header.writeUInt8(placement ? SEGMENT_VERSION_SPARSE : SEGMENT_VERSION, 4);
  header.writeUInt8(compression === 'gzip' ? FLAG_GZIP : 0, 5);
  header.writeUInt16BE(0, 6);
  header.writeUInt32BE(records.length, 8);
  header.writeBigInt64BE(BigInt(records.length ? minTs : 0), 12);
  header.writeBigInt64BE(BigInt(maxTs), 20);
  header.writeUInt32BE(segment.byteLength - headerBytes, 28);
  // Bytes 32..35 hold the checksum of everything else, header and payload; 36..39 are reserved.
  header.writeUInt32BE(0, 36);
  if (placement) {
    header.writeUInt32BE(placement.span, 40);
    header.writeUInt32BE(0, 44);
  }
  header.writeUInt32BE(checksum(segment, headerBytes), 32);
  return segment;
}

/** CRC-32 of everything but the checksum field (bytes 32..35): the header around it, then the stored payload. */
const checksum = (buf: Buffer, headerBytes: number): number =>
  crc32(buf.subarray(headerBytes), crc32(buf.subarray(36, headerBytes), crc32(buf.subarray(0, 32)))) >>> 0;

function checkPlacement(count: number, { offsetDeltas, span }: SegmentPlacement): void {
  if (offsetDeltas.length !== count) throw new Error(`${count} records but ${offsetDeltas.length} offset deltas`);
  if (!Number.isInteger(span) || span < 0 || span > 0xffffffff) throw new Error(`bad segment span ${span}`);
  let previous = -1;
  for (const delta of offsetDeltas) {
    if (!Number.isInteger(delta) || delta <= previous || delta >= span) throw new Error(`offset deltas must increase strictly within the span ${span}`);
    previous = delta;
  }
}

class Reader {
  private pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}
  private need(n: number) {
    if (this.pos + n > this.buf.byteLength) throw new CorruptSegmentError(this.what, 'record runs past the payload');
  }
  u8() {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }
  u16() {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32() {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  i32() {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  i64() {
    this.need(8);
    const v = Number(this.buf.readBigInt64BE(this.pos));
    this.pos += 8;
    return v;
  }
  bytes(n: number): Uint8Array {
    if (n < 0) throw new CorruptSegmentError(this.what, 'negative length');
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  nullableBytes(): Uint8Array | null {
    const n = this.i32();
    return n === -1 ? null : this.bytes(n);
  }
  text(n: number): string {
    try {
      return utf8Decoder.decode(this.bytes(n));
    } catch (e) {
      if (e instanceof CorruptSegmentError) throw e;
      throw new CorruptSegmentError(this.what, 'header is not UTF-8');
    }
  }
  get done() {
    return this.pos === this.buf.byteLength;
  }
}

/** Decodes and verifies a segment. `what` names the object in errors. Throws CorruptSegmentError, never returns garbage. */
export function decodeSegment(bytes: Uint8Array, what = 'object'): DecodedSegment {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.byteLength < HEADER_BYTES) throw new CorruptSegmentError(what, 'shorter than its header');
  if (buf.readUInt32BE(0) !== SEGMENT_MAGIC) throw new CorruptSegmentError(what, 'bad magic');
  const version = buf.readUInt8(4);
  if (version !== SEGMENT_VERSION && version !== SEGMENT_VERSION_SPARSE) throw new CorruptSegmentError(what, `unknown version ${version}`);
  const sparse = version === SEGMENT_VERSION_SPARSE;
  const headerBytes = sparse ? HEADER_BYTES_V2 : HEADER_BYTES;
  if (buf.byteLength < headerBytes) throw new CorruptSegmentError(what, 'shorter than its header');
  const flags = buf.readUInt8(5);
  const count = buf.readUInt32BE(8);
  const payloadLength = buf.readUInt32BE(28);
  if (headerBytes + payloadLength !== buf.byteLength) throw new CorruptSegmentError(what, 'length mismatch');
  if (buf.readUInt32BE(32) !== checksum(buf, headerBytes)) throw new CorruptSegmentError(what, 'checksum mismatch');
  const span = sparse ? buf.readUInt32BE(40) : count;
  let payload = buf.subarray(headerBytes);
  if (flags & FLAG_GZIP) {
    try {
      payload = gunzipSync(payload);
    } catch {
      throw new CorruptSegmentError(what, 'gzip payload does not inflate');
    }
  }
  const reader = new Reader(payload, what);
  const records: StoredRecord[] = [];
  const offsetDeltas: number[] | undefined = sparse ? [] : undefined;
  for (let i = 0; i < count; i++) {
    if (offsetDeltas) {
      const delta = reader.u32();
      if (delta <= (offsetDeltas.at(-1) ?? -1) || delta >= span) throw new CorruptSegmentError(what, 'offset deltas out of order or past the span');
      offsetDeltas.push(delta);
    }
    const attrs = reader.u8();
    const timestamp = reader.i64();
    const key = reader.nullableBytes();
    const value = reader.nullableBytes();
    const headerCount = reader.u16();
    const headers: Array<[string, string]> = [];
    for (let h = 0; h < headerCount; h++) {
      const k = reader.text(reader.u16());
      const v = reader.text(reader.i32());
      headers.push([k, v]);
    }
    records.push({
      timestamp,
      key,
      keyIsBinary: (attrs & ATTR_KEY_BINARY) !== 0,
      value,
      valueIsBinary: (attrs & ATTR_VALUE_BINARY) !== 0,
      headers,
    });
  }
  if (!reader.done) throw new CorruptSegmentError(what, 'trailing bytes after the last record');
  return offsetDeltas ? { records, offsetDeltas, span } : { records, span };
}
