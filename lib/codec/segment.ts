import { crc32, gunzipSync, gzipSync } from 'node:zlib';
import { RunnelError } from '../errors.js';
import { encodedRecordSize, type StoredRecord } from './record.js';

/**
 * One segment object holds one produced batch for one partition. It carries no absolute offsets: a
 * record's offset is its index entry's base plus its position, which is what lets writers PUT before
 * they know their offsets. Layout: docs/segment-format.md.
 */
export const SEGMENT_MAGIC = 0x524e4c53; // "RNLS"
export const SEGMENT_VERSION = 1;
export const HEADER_BYTES = 40;
const FLAG_GZIP = 1;
const ATTR_KEY_BINARY = 1;
const ATTR_VALUE_BINARY = 2;

export type Compression = 'none' | 'gzip';

export interface DecodedSegment {
  records: StoredRecord[];
}

export class CorruptSegmentError extends RunnelError {
  constructor(what: string, detail: string) {
    super(502, 'corrupt_segment', `segment ${what} is corrupt: ${detail}`);
  }
}

// ignoreBOM: a header that starts with U+FEFF keeps it (by default TextDecoder strips it).
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Writes every record into one buffer sized up front, after `room` bytes left for the header: one
 * allocation and no copy per segment, where a 100 KB batch would otherwise be copied again.
 */
function encodePayload(records: StoredRecord[], room: number): Buffer {
  let size = room;
  for (const r of records) size += encodedRecordSize(r);
  const buf = Buffer.allocUnsafe(size);
  let pos = room;
  const bytes = (b: Uint8Array) => {
    buf.set(b, pos);
    pos += b.byteLength;
  };
  for (const r of records) {
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

export function encodeSegment(records: StoredRecord[], compression: Compression = 'none'): Uint8Array {
  let segment = encodePayload(records, HEADER_BYTES);
  if (compression === 'gzip') {
    const compressed = gzipSync(segment.subarray(HEADER_BYTES));
    segment = Buffer.concat([Buffer.alloc(HEADER_BYTES), compressed]);
  }
  let minTs = Number.MAX_SAFE_INTEGER;
  let maxTs = 0;
  for (const r of records) {
    if (r.timestamp < minTs) minTs = r.timestamp;
    if (r.timestamp > maxTs) maxTs = r.timestamp;
  }
  const header = segment.subarray(0, HEADER_BYTES);
  header.writeUInt32BE(SEGMENT_MAGIC, 0);
  header.writeUInt8(SEGMENT_VERSION, 4);
  header.writeUInt8(compression === 'gzip' ? FLAG_GZIP : 0, 5);
  header.writeUInt16BE(0, 6);
  header.writeUInt32BE(records.length, 8);
  header.writeBigInt64BE(BigInt(records.length ? minTs : 0), 12);
  header.writeBigInt64BE(BigInt(maxTs), 20);
  header.writeUInt32BE(segment.byteLength - HEADER_BYTES, 28);
  // Bytes 32..35 hold the checksum of everything else, header and payload; 36..39 are reserved.
  header.writeUInt32BE(0, 36);
  const crc = crc32(segment.subarray(HEADER_BYTES), crc32(header.subarray(36, 40), crc32(header.subarray(0, 32))));
  header.writeUInt32BE(crc >>> 0, 32);
  return segment;
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
  if (version !== SEGMENT_VERSION) throw new CorruptSegmentError(what, `unknown version ${version}`);
  const flags = buf.readUInt8(5);
  const count = buf.readUInt32BE(8);
  const payloadLength = buf.readUInt32BE(28);
  if (HEADER_BYTES + payloadLength !== buf.byteLength) throw new CorruptSegmentError(what, 'length mismatch');
  const stored = buf.readUInt32BE(32);
  const actual = crc32(buf.subarray(HEADER_BYTES), crc32(buf.subarray(36, 40), crc32(buf.subarray(0, 32)))) >>> 0;
  if (stored !== actual) throw new CorruptSegmentError(what, 'checksum mismatch');
  let payload = buf.subarray(HEADER_BYTES);
  if (flags & FLAG_GZIP) {
    try {
      payload = gunzipSync(payload);
    } catch {
      throw new CorruptSegmentError(what, 'gzip payload does not inflate');
    }
  }
  const reader = new Reader(payload, what);
  const records: StoredRecord[] = [];
  for (let i = 0; i < count; i++) {
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
  return { records };
}
