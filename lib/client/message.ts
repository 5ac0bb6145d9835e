import { CborWriter } from '../codec/cbor.js';
import { encodedRecordSize } from '../codec/record.js';
import type { ProducerIdentity } from '../contract/records.js';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Bytes travel as base64; anything else as a JSON value (a string stays a string). `null` is a tombstone. */
export type MessageValue = Uint8Array | string | number | boolean | null | readonly unknown[] | { readonly [key: string]: unknown };

export type HeaderValue = string | Uint8Array;

/** A message as KafkaJS users write it; values may also be any JSON value. */
export interface Message {
  key?: string | Uint8Array | null;
  value: MessageValue;
  /** Header values are strings; bytes are decoded as UTF-8. */
  headers?: Record<string, HeaderValue | undefined>;
  partition?: number;
  /** Milliseconds since the epoch, as a number, a numeric string (KafkaJS) or a Date. Default: when the server receives it. */
  timestamp?: number | string | Date;
}

/**
 * How the producer sends its records: `cbor` (the default) carries keys and values that are bytes as
 * they are, in a CBOR body (`application/cbor`, docs/produce-cbor.md); `json` as base64 in a JSON body,
 * for a proxy or gateway that passes only JSON.
 */
export type BodyFormat = 'cbor' | 'json';

/** A message ready for the wire: its record, encoded for the body, its size there, and the size `max.message.bytes` limits. */
export interface EncodedMessage {
  /** The record's JSON text, or its CBOR map. */
  encoded: string | Uint8Array;
  /** Bytes this record adds to a request body. */
  wireBytes: number;
  /** The server's measure of the record, which `max.message.bytes` limits. */
  recordBytes: number;
}

/** Key bytes as the partitioner hashes them: a string key as UTF-8, as the server does. */
export function keyBytes(key: Message['key']): Uint8Array | null {
  if (key === undefined || key === null) return null;
  if (key instanceof Uint8Array) return key;
  if (typeof key === 'string') return utf8.encode(key);
  throw new TypeError(`key must be a string, bytes or null, not ${typeof key}`);
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function timestampOf(t: Message['timestamp'], field: string): number | undefined {
  if (t === undefined) return undefined;
  const ms = t instanceof Date ? t.getTime() : typeof t === 'string' && /^\d+$/.test(t) ? Number(t) : t;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) throw new TypeError(`${field}.timestamp must be milliseconds since the epoch, not ${String(t)}`);
  return ms;
}

function headersOf(headers: Message['headers'], field: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    if (typeof value === 'string') out.push([name, value]);
    else if (value instanceof Uint8Array) out.push([name, utf8Decoder.decode(value)]);
    else throw new TypeError(`${field}.headers.${name} must be a string or bytes (Runnel headers hold one value each)`);
  }
  return out;
}

/** A JSON value as JSON.parse would give it back from `json` (its JSON.stringify): what the server reads from a JSON body. */
function jsonModel(value: unknown, json: string): unknown {
  // A finite number, a string or a boolean is its own JSON value; anything else is read back from the text.
  const plain = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
  return plain ? value : JSON.parse(json);
}

/** Encodes a message to a wire record with an explicit partition (see lib/api/wire-record.ts), for a body of `format`. */
export function encodeMessage(m: Message, partition: number, field: string, format: BodyFormat = 'cbor'): EncodedMessage {
  if (m === null || typeof m !== 'object') throw new TypeError(`${field} must be an object with a value`);
  if (m.value === undefined) throw new TypeError(`${field}.value is required (use null for a tombstone)`);
  const key = keyBytes(m.key);
  const headers = headersOf(m.headers, field);
  const timestamp = timestampOf(m.timestamp, field);
  const valueIsBytes = m.value instanceof Uint8Array;
  // Serialised once, for both the body and its size.
  const valueJson = valueIsBytes ? undefined : JSON.stringify(m.value);
  if (!valueIsBytes && valueJson === undefined) throw new TypeError(`${field}.value cannot be encoded as JSON (${typeof m.value})`);
  const value = valueIsBytes ? (m.value as Uint8Array) : m.value === null ? null : utf8.encode(valueJson!);
  const recordBytes = encodedRecordSize({ timestamp: 0, key, keyIsBinary: false, value, valueIsBinary: false, headers });
  if (format === 'cbor') {
    const cbor = new CborWriter(64 + (key?.length ?? 0) + (value?.length ?? 0) + headers.reduce((n, [k, v]) => n + 3 * (k.length + v.length) + 10, 0));
    cbor.head(5, 2 + (key === null ? 0 : 1) + (headers.length ? 1 : 0) + (timestamp === undefined ? 0 : 1));
    cbor.text('partition').number(partition);
    if (key !== null) {
      cbor.text('key');
      if (m.key instanceof Uint8Array) cbor.bytes(key);
      else cbor.text(m.key as string);
    }
    cbor.text('value');
    if (valueIsBytes) cbor.bytes(value!);
    else cbor.json(jsonModel(m.value, valueJson!));
    if (headers.length) {
      cbor.text('headers').head(5, headers.length);
      for (const [name, v] of headers) cbor.text(name).text(v);
    }
    if (timestamp !== undefined) cbor.text('timestamp').number(timestamp);
    const encoded = cbor.written;
    return { encoded, wireBytes: encoded.length, recordBytes };
  }
  // Built by hand so that a JSON value is serialised once, for both the body and its size.
  const fields = [`"partition":${partition}`];
  if (key !== null) {
    fields.push(m.key instanceof Uint8Array ? `"key":"${base64(key)}","keyEncoding":"base64"` : `"key":${JSON.stringify(m.key)}`);
  }
  fields.push(valueIsBytes ? `"value":"${base64(value!)}","valueEncoding":"base64"` : `"value":${valueJson}`);
  if (headers.length) fields.push(`"headers":${JSON.stringify(Object.fromEntries(headers))}`);
  if (timestamp !== undefined) fields.push(`"timestamp":${timestamp}`);
  const json = `{${fields.join(',')}}`;
  return { encoded: json, wireBytes: Buffer.byteLength(json) + 1, recordBytes };
}

/**
 * A produce request's body from its records, each encoded by `encodeMessage` in one format: JSON text
 * joined, or the CBOR map of the same request with the records' CBOR copied in.
 */
export function produceRequestBody(records: Array<string | Uint8Array>, producer: ProducerIdentity | undefined): string | Uint8Array {
  if (records.every((r) => typeof r === 'string')) {
    return `{"records":[${records.join(',')}]${producer ? `,"producer":${JSON.stringify(producer)}` : ''}}`;
  }
  const head = new CborWriter(32).head(5, producer ? 2 : 1).text('records').head(4, records.length).written;
  const parts = [head, ...(records as Uint8Array[])];
  if (producer) parts.push(new CborWriter(64).text('producer').json(producer).written);
  return Buffer.concat(parts);
}
