/**
 * CBOR (RFC 8949) for the data the HTTP API carries: JSON's data model (maps with text keys, arrays,
 * text, numbers, true, false, null) plus byte strings, which is what lets a produce body carry a
 * record's bytes as they are instead of as base64 (docs/produce-cbor.md). Both directions are here so
 * that the client and the server agree on one reading; each side's bundle keeps the half it imports.
 *
 * The decoder accepts any well-formed CBOR of that data model, definite or indefinite lengths, any
 * integer and float width, and the self-describe tag 55799. It refuses, as a `CborError`, what JSON
 * cannot carry (undefined, NaN, infinities, other tags and simple values, non-text map keys,
 * duplicate keys), text that is not UTF-8, bytes left after the item, more arrays, maps and byte
 * strings than a JSON body could hold (MAX_CBOR_OBJECTS), and any truncation: a body is taken whole
 * or not at all. Byte strings decode to views of the input, not copies.
 */

import { MAX_BODY_BYTES } from '../contract/limits.js';

export class CborError extends Error {
  override name = 'CborError';
}

/** Beyond this, nesting (of arrays, maps and tags) is refused rather than recursed into: the decoder recurses, and the stack is finite. */
export const MAX_CBOR_NESTING = 1000;

/**
 * The most arrays, maps, byte strings and chunks of indefinite-length strings one item may hold. Each
 * takes one byte of CBOR but 40-110 bytes of heap once decoded (a byte string is a Uint8Array view):
 * a 6 MiB body of empty byte strings decoded to 650 MB, enough to kill a Lambda function rather than
 * be answered. In JSON each array, object or string takes at least 2 bytes (`[]`, `{}`, `""`), so no
 * body's JSON twin under the body limit holds more than this: a CBOR body that does is refused.
 */
export const MAX_CBOR_OBJECTS = Math.floor(MAX_BODY_BYTES / 2);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();
const BREAK = 0xff;

class Reader {
  pos = 0;
  private objects = 0;
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new CborError(`truncated at byte ${this.bytes.length}: an item needs ${n} more byte(s) from ${this.pos}`);
  }

  /** Counts an array, map, byte string or string chunk against MAX_CBOR_OBJECTS. */
  object(at: number): void {
    if (++this.objects > MAX_CBOR_OBJECTS) throw new CborError(`more than ${MAX_CBOR_OBJECTS} arrays, maps and byte strings (at byte ${at}), more than a JSON body can hold`);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  /** The argument of an initial byte's additional information: the length, count or value that follows it. */
  argument(info: number): number {
    if (info < 24) return info;
    const at = this.pos;
    switch (info) {
      case 24:
        return this.u8();
      case 25:
        this.need(2);
        this.pos += 2;
        return this.view.getUint16(at);
      case 26:
        this.need(4);
        this.pos += 4;
        return this.view.getUint32(at);
      case 27: {
        this.need(8);
        this.pos += 8;
        // Past 2^53 the number rounds, as JSON.parse rounds a long integer literal.
        return this.view.getUint32(at) * 0x1_0000_0000 + this.view.getUint32(at + 4);
      }
      default:
        throw new CborError(`reserved additional information ${info} at byte ${at - 1}`);
    }
  }

  /** A negative integer's value, -1 - n, rounded once as JSON.parse rounds a long literal: -(hi·2^32) - (lo + 1) is one rounding, -1 - n two. */
  negative(info: number): number {
    if (info !== 27) return -1 - this.argument(info);
    this.need(8);
    const at = this.pos;
    this.pos += 8;
    return -(this.view.getUint32(at) * 0x1_0000_0000) - (this.view.getUint32(at + 4) + 1);
  }

  take(length: number): Uint8Array {
    this.need(length);
    const start = this.pos;
    this.pos += length;
    return this.bytes.subarray(start, this.pos);
  }
}

/** RFC 8949 appendix D. */
function halfFloat(half: number): number {
  const exponent = (half >> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  const sign = half & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

function text(bytes: Uint8Array): string {
  // Short ASCII (map keys, most header names) is decoded without TextDecoder's per-call cost.
  if (bytes.length <= 32) {
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) (ascii = false), (i = bytes.length);
    if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new CborError('a text string is not valid UTF-8');
  }
}

/** The chunks of an indefinite-length string, each a definite string of the same major type. */
function chunks(r: Reader, major: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (;;) {
    const initial = r.u8();
    if (initial === BREAK) return parts;
    if (initial >> 5 !== major || (initial & 0x1f) === 31) throw new CborError(`a chunk of an indefinite-length string is not a definite string of the same type at byte ${r.pos - 1}`);
    // Each chunk is a view held until the string is whole.
    r.object(r.pos - 1);
    parts.push(r.take(r.argument(initial & 0x1f)));
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}

function setKey(map: Record<string, unknown>, key: string, value: unknown): void {
  if (Object.prototype.hasOwnProperty.call(map, key)) throw new CborError(`a map holds the key ${JSON.stringify(key)} twice`);
  // As JSON.parse does: `__proto__` is a key like any other, not the object's prototype.
  if (key === '__proto__') Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  else map[key] = value;
}

function item(r: Reader, depth: number): unknown {
  const at = r.pos;
  const initial = r.u8();
  const major = initial >> 5;
  const info = initial & 0x1f;
  const indefinite = info === 31;
  if (indefinite && (major < 2 || major === 6)) throw new CborError(`major type ${major} cannot have an indefinite length (byte ${at})`);
  switch (major) {
    case 0:
      return r.argument(info);
    case 1:
      return r.negative(info);
    case 2:
      r.object(at);
      return indefinite ? concat(chunks(r, 2)) : r.take(r.argument(info));
    case 3:
      return text(indefinite ? concat(chunks(r, 3)) : r.take(r.argument(info)));
    case 4: {
      if (depth >= MAX_CBOR_NESTING) throw new CborError(`arrays and maps nest more than ${MAX_CBOR_NESTING} deep`);
      r.object(at);
      if (indefinite) {
        const out: unknown[] = [];
        while (r.bytes[r.pos] !== BREAK) {
          r.need(1);
          out.push(item(r, depth + 1));
        }
        r.pos++;
        return out;
      }
      const count = r.argument(info);
      // Every item takes at least a byte: a count beyond the bytes left is a lie, refused before allocating.
      r.need(count);
      const out = new Array<unknown>(count);
      for (let i = 0; i < count; i++) out[i] = item(r, depth + 1);
      return out;
    }
    case 5: {
      if (depth >= MAX_CBOR_NESTING) throw new CborError(`arrays and maps nest more than ${MAX_CBOR_NESTING} deep`);
      r.object(at);
      const out: Record<string, unknown> = {};
      const count = indefinite ? Infinity : r.argument(info);
      if (!indefinite) r.need(count * 2);
      for (let i = 0; i < count; i++) {
        if (indefinite) {
          r.need(1);
          if (r.bytes[r.pos] === BREAK) {
            r.pos++;
            break;
          }
        }
        const keyAt = r.pos;
        const key = item(r, depth + 1);
        if (typeof key !== 'string') throw new CborError(`a map key at byte ${keyAt} is not a text string`);
        setKey(out, key, item(r, depth + 1));
      }
      return out;
    }
    case 6: {
      const tag = r.argument(info);
      // Self-described CBOR (RFC 8949 §3.4.6) marks the data as CBOR and means nothing else.
      if (tag !== 55799) throw new CborError(`tag ${tag} at byte ${at} is not part of this API's data`);
      // A tag counts as a level: a body of nothing but tags (3 bytes each) would otherwise recurse past the stack.
      if (depth >= MAX_CBOR_NESTING) throw new CborError(`items nest more than ${MAX_CBOR_NESTING} deep`);
      return item(r, depth + 1);
    }
    default: {
      switch (info) {
        case 20:
          return false;
        case 21:
          return true;
        case 22:
          return null;
        case 25:
        case 26:
        case 27: {
          const width = info === 25 ? 2 : info === 26 ? 4 : 8;
          r.need(width);
          const view = new DataView(r.bytes.buffer, r.bytes.byteOffset + r.pos, width);
          r.pos += width;
          const n = width === 2 ? halfFloat(view.getUint16(0)) : width === 4 ? view.getFloat32(0) : view.getFloat64(0);
          if (!Number.isFinite(n)) throw new CborError(`the float at byte ${at} is ${n}, which JSON cannot carry`);
          return n;
        }
        case 31:
          throw new CborError(`a break at byte ${at} ends nothing`);
        default:
          throw new CborError(`simple value ${info < 24 ? info : `(byte ${at})`} is not part of this API's data (only false, true and null are)`);
      }
    }
  }
}

/** The one CBOR data item that `bytes` holds, whole. */
export function decodeCbor(bytes: Uint8Array): unknown {
  const r = new Reader(bytes);
  if (bytes.length === 0) throw new CborError('the body is empty');
  const value = item(r, 0);
  if (r.pos !== bytes.length) throw new CborError(`${bytes.length - r.pos} byte(s) follow the item, which ends at byte ${r.pos}`);
  return value;
}

/** Writes CBOR in RFC 8949's preferred serialisation: definite lengths, shortest arguments; floats as float64. */
export class CborWriter {
  private buf: Uint8Array;
  private view: DataView;
  private length = 0;

  /** `capacity`: the bytes expected, so that the buffer need not grow. */
  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
    this.view = new DataView(bigger.buffer);
  }

  /** An initial byte of `major` with the argument `n` (a length, count or non-negative integer up to 2^53). */
  head(major: number, n: number): this {
    this.room(9);
    const type = major << 5;
    if (n < 24) this.buf[this.length++] = type | n;
    else if (n < 0x100) (this.buf[this.length++] = type | 24), (this.buf[this.length++] = n);
    else if (n < 0x1_0000) (this.buf[this.length++] = type | 25), this.view.setUint16(this.length, n), (this.length += 2);
    else if (n < 0x1_0000_0000) (this.buf[this.length++] = type | 26), this.view.setUint32(this.length, n), (this.length += 4);
    else {
      this.buf[this.length++] = type | 27;
      this.view.setUint32(this.length, Math.floor(n / 0x1_0000_0000));
      this.view.setUint32(this.length + 4, n >>> 0);
      this.length += 8;
    }
    return this;
  }

  number(n: number): this {
    if (Number.isSafeInteger(n)) return n >= 0 ? this.head(0, n) : this.head(1, -1 - n);
    if (!Number.isFinite(n)) throw new TypeError(`${n} cannot be sent: JSON has no such number`);
    this.room(9);
    this.buf[this.length++] = 0xfb;
    this.view.setFloat64(this.length, n);
    this.length += 8;
    return this;
  }

  /** UTF-8 can carry no lone surrogate, so a string holding one is refused rather than altered. */
  text(s: string): this {
    if (!(s as string & { isWellFormed(): boolean }).isWellFormed()) throw new TypeError(`${JSON.stringify(s.slice(0, 40))} holds a lone surrogate, which UTF-8 cannot carry`);
    const size = Buffer.byteLength(s, 'utf8');
    this.head(3, size);
    this.room(size);
    utf8Encoder.encodeInto(s, this.buf.subarray(this.length, this.length + size));
    this.length += size;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.head(2, b.length);
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** A value of JSON's data model, as JSON.parse would return it (plain objects, arrays, strings, finite numbers, booleans, null). */
  json(v: unknown): this {
    if (v === null) return this.simple(22);
    switch (typeof v) {
      case 'boolean':
        return this.simple(v ? 21 : 20);
      case 'number':
        return this.number(v);
      case 'string':
        return this.text(v);
      case 'object':
        if (Array.isArray(v)) {
          this.head(4, v.length);
          for (const e of v) this.json(e);
          return this;
        } else {
          const entries = Object.entries(v as object);
          this.head(5, entries.length);
          for (const [k, e] of entries) this.text(k).json(e);
          return this;
        }
      default:
        throw new TypeError(`a ${typeof v} is not part of JSON's data model`);
    }
  }

  private simple(value: number): this {
    this.room(1);
    this.buf[this.length++] = 0xe0 | value;
    return this;
  }

  /** What was written: a view of the writer's buffer, valid until the next write. */
  get written(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}
