import type { StoredRecord } from '../codec/record.js';
import { LAMBDA_RESPONSE_LIMIT, MAX_HEADER_NAME_BYTES, MAX_HEADERS, MAX_TIMESTAMP, MAX_VALUE_DEPTH } from '../contract/limits.js';
import type { WireRecordIn, WireRecordOut } from '../contract/records.js';
import { tooLarge } from '../errors.js';
import { isBase64 } from './base64.js';
import * as z from './zod.js';

// ignoreBOM keeps a leading U+FEFF as part of the key: by default TextDecoder strips it.
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The most a fetch answer's records may weigh once Lambda has wrapped the body in its result: the limit
 * less room for the result's other fields, the response headers and the answer's own framing.
 */
export const MAX_RECORDS_LAMBDA_BYTES = LAMBDA_RESPONSE_LIMIT - 16 * 1024;

/** A lone surrogate cannot be encoded as UTF-8: storing it would silently turn it into U+FFFD. */
const LONE_SURROGATE = /\p{Surrogate}/u;
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);
const NOT_WELL_FORMED = 'must be well-formed Unicode (it holds a lone surrogate, which UTF-8 cannot carry)';

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/**
 * Nesting depth of a JSON value, walked without recursion so that no depth can overflow the stack. A
 * value that is bytes (a CBOR byte string) is not walked: it has no depth.
 */
function exceedsDepth(value: unknown, max: number): boolean {
  if (isBytes(value)) return false;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** Bytes (a CBOR byte string) inside a JSON value, where JSON has nothing to turn them into. */
function holdsBytes(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || isBytes(value)) return false;
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop()!;
    for (const child of Array.isArray(v) ? v : Object.values(v as object)) {
      if (isBytes(child)) return true;
      if (child !== null && typeof child === 'object') stack.push(child);
    }
  }
  return false;
}

/**
 * Headers, checked and passed on as the very object the request held: a JSON object's own `__proto__`
 * key is a header like any other, and copying it into a fresh object (as a record schema would) would drop it.
 */
const headersSchema = /* @__PURE__ */ z.pipe(
  z.unknown().check(
    z.superRefine((input, ctx) => {
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        ctx.addIssue({ code: 'custom', message: 'must be an object of string header values' });
        return;
      }
      const entries = Object.entries(input as Record<string, unknown>);
      if (entries.length > MAX_HEADERS) {
        ctx.addIssue({ code: 'custom', message: `must hold at most ${MAX_HEADERS} headers` });
        return;
      }
      for (const [name, value] of entries) {
        if (!wellFormed(name)) ctx.addIssue({ code: 'custom', message: `header names ${NOT_WELL_FORMED}` });
        else if (Buffer.byteLength(name, 'utf8') > MAX_HEADER_NAME_BYTES) ctx.addIssue({ code: 'custom', message: `header names must be at most ${MAX_HEADER_NAME_BYTES} bytes of UTF-8` });
        else if (typeof value !== 'string') ctx.addIssue({ code: 'custom', path: [name], message: 'header values must be strings' });
        else if (!wellFormed(value)) ctx.addIssue({ code: 'custom', path: [name], message: NOT_WELL_FORMED });
        else continue;
        return;
      }
    }),
  ),
  // The check above makes it headers; say so, for the type.
  z.transform((input) => input as Record<string, string>),
);

const base64String = /* @__PURE__ */ z.string().check(z.refine(isBase64, 'must be base64 (RFC 4648, padded)'));

/** A CBOR byte string, as the decoder gives it. */
export const bytesSchema = /* @__PURE__ */ z.instanceof(Uint8Array);

const textKey = /* @__PURE__ */ z.string().check(z.refine(wellFormed, NOT_WELL_FORMED));

/**
 * A record's schema, given what its key may be: JSON carries text only, CBOR text or bytes. The schemas
 * are marked pure so that a bundle that validates no produce (fetch reads this module for its answers)
 * leaves them out.
 */
function recordSchema<K extends z.ZodMiniType<string | Uint8Array, unknown>>(key: K) {
  return z
    .strictObject({
      key: z.optional(z.nullable(key)),
      keyEncoding: z.optional(z.enum(['utf8', 'base64'])),
      value: z
        .unknown()
        .check(
          z.refine((v) => v !== undefined, 'is required (use null for a tombstone)'),
          z.refine((v) => !exceedsDepth(v, MAX_VALUE_DEPTH), `must not nest arrays and objects more than ${MAX_VALUE_DEPTH} levels deep`),
          z.refine((v) => !holdsBytes(v), 'may be a byte string as a whole, not hold one inside a JSON value'),
        ),
      valueEncoding: z.optional(z.enum(['json', 'base64'])),
      headers: z.optional(headersSchema),
      partition: z.optional(z.number().check(z.int('must be an integer'), z.minimum(0, 'must be ≥ 0'))),
      timestamp: z.optional(z.number().check(z.int('must be an integer'), z.minimum(0, 'must be ≥ 0'), z.maximum(MAX_TIMESTAMP))),
    })
    .check(
      z.superRefine((r, ctx) => {
        if (r.keyEncoding === 'base64' && typeof r.key === 'string' && !isBase64(r.key)) {
          ctx.addIssue({ code: 'custom', path: ['key'], message: 'must be base64 (RFC 4648, padded) when keyEncoding is "base64"' });
        }
        if (isBytes(r.key) && r.keyEncoding === 'utf8') {
          ctx.addIssue({ code: 'custom', path: ['keyEncoding'], message: 'must be "base64" or left out when the key is a byte string' });
        }
        if (isBytes(r.value)) {
          if (r.valueEncoding === 'json') ctx.addIssue({ code: 'custom', path: ['valueEncoding'], message: 'must be "base64" or left out when the value is a byte string' });
        } else if (r.valueEncoding === 'base64' && r.value !== null) {
          if (!base64String.safeParse(r.value).success) {
            ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a base64 string (RFC 4648, padded) when valueEncoding is "base64"' });
          }
        }
      }),
    );
}

/**
 * A record as producers send it in JSON. Keys are UTF-8 strings and values any JSON value, unless
 * `keyEncoding`/`valueEncoding` is "base64", in which case they are base64 strings of raw bytes.
 * A `null` value is a tombstone.
 */
export const wireRecordInSchema = /* @__PURE__ */ recordSchema(textKey);

/**
 * The same record in a CBOR body (docs/produce-cbor.md): a key or value may also be a byte string,
 * which means the bytes themselves, as base64 with keyEncoding/valueEncoding "base64" does in JSON.
 */
export const cborRecordInSchema = /* @__PURE__ */ recordSchema(/* @__PURE__ */ z.union([bytesSchema, textKey]));

wireRecordInSchema satisfies z.ZodMiniType<WireRecordIn, unknown>;
cborRecordInSchema satisfies z.ZodMiniType<WireRecordIn, unknown>;

/** Bytes a JSON text takes in an HTTP body, and once Lambda has put that body in its own JSON result. */
export interface AnswerBytes {
  body: number;
  lambda: number;
}

/**
 * Sizes of `json`, a JSON.stringify output. Such text holds no control character and no lone
 * surrogate, so wrapping it in a JSON string again escapes only `"` and `\`, one more byte each.
 */
export function answerBytes(json: string): AnswerBytes {
  let escapes = 0;
  for (let i = json.indexOf('"'); i !== -1; i = json.indexOf('"', i + 1)) escapes++;
  for (let i = json.indexOf('\\'); i !== -1; i = json.indexOf('\\', i + 1)) escapes++;
  const body = Buffer.byteLength(json, 'utf8');
  return { body, lambda: body + escapes };
}

const NO_BYTES: AnswerBytes = { body: 0, lambda: 0 };

/**
 * `answerBytes(JSON.stringify(s))` for a base64 string `s` of `length` characters, without building that string: JSON escapes none
 * of base64's characters, and Lambda's result escapes the two quotes around it.
 */
export const base64AnswerBytes = (length: number): AnswerBytes => ({ body: length + 2, lambda: length + 4 });

/** The frames of records with no key and no headers, by their encodings: each the same for every such record. */
const bareFrames = new Map<string, AnswerBytes>();

const hasNoHeaders = (headers: Record<string, string> | undefined) => headers === undefined || Object.keys(headers).length === 0;

/** Whether a fetch returns the key and the value as base64: given so in JSON, or as byte strings in CBOR. */
const keyIsBytes = (r: WireRecordIn) => r.keyEncoding === 'base64' || isBytes(r.key);
const valueIsBytes = (r: WireRecordIn) => r.valueEncoding === 'base64' || isBytes(r.value);

const base64Of = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/**
 * Sizes of the record as a fetch would send it, its value left out (null), with the widest partition,
 * offset and timestamp. A record with neither key nor headers (most of them) gets the size computed once
 * for its encodings.
 */
export function recordFrameBytes(r: WireRecordIn): AnswerBytes {
  const keyIsBinary = keyIsBytes(r);
  const valueIsBinary = valueIsBytes(r);
  const bare = r.key == null && hasNoHeaders(r.headers);
  const cacheKey = `${keyIsBinary}|${valueIsBinary}`;
  const cached = bare ? bareFrames.get(cacheKey) : undefined;
  if (cached) return cached;
  const frame: WireRecordOut = {
    partition: 999,
    offset: Number.MAX_SAFE_INTEGER,
    timestamp: 8.64e15,
    key: isBytes(r.key) ? base64Of(r.key) : (r.key ?? null),
    value: null,
    headers: r.headers ?? {},
  };
  if (keyIsBinary) frame.keyEncoding = 'base64';
  if (valueIsBinary) frame.valueEncoding = 'base64';
  const framed = answerBytes(JSON.stringify(frame));
  if (bare) bareFrames.set(cacheKey, framed);
  return framed;
}

/** A fetch returns at least one record, so a record must fit a Lambda response on its own. */
function checkAnswerSize(r: WireRecordIn, value: AnswerBytes, index: number): void {
  const lambda = recordFrameBytes(r).lambda + value.lambda;
  if (lambda > MAX_RECORDS_LAMBDA_BYTES) {
    throw tooLarge(
      'record_too_large',
      `records[${index}]: a fetch would take ${lambda} bytes to return this record, more than the ${MAX_RECORDS_LAMBDA_BYTES} a Lambda response can carry`,
      { field: `records[${index}]` },
    );
  }
}

/** Length of the base64 of `n` bytes, padded. */
const base64Length = (n: number) => Math.ceil(n / 3) * 4;

/** How the value is sized in a fetch answer, and stored. */
function valueBytes(r: WireRecordIn): { answer: AnswerBytes; stored: Uint8Array | null } {
  const v = r.value;
  if (v === null) return { answer: NO_BYTES, stored: null };
  // Bytes are stored as they came (a view of the request body, which the segment encoder copies).
  if (isBytes(v)) return { answer: base64AnswerBytes(base64Length(v.length)), stored: v };
  // A base64 value is sized without copying it into a JSON string: the schema has checked it is base64.
  // Buffer.from is markedly faster than TextEncoder in Node, and this runs for every produced record.
  if (r.valueEncoding === 'base64') return { answer: base64AnswerBytes((v as string).length), stored: Buffer.from(v as string, 'base64') };
  const json = JSON.stringify(v);
  return { answer: answerBytes(json), stored: Buffer.from(json, 'utf8') };
}

function keyBytes(r: WireRecordIn): Uint8Array | null {
  const k = r.key;
  if (k == null) return null;
  return isBytes(k) ? k : Buffer.from(k, r.keyEncoding === 'base64' ? 'base64' : 'utf8');
}

/** `index` is the record's place in the request, for the error that names it. */
export function toStoredRecord(r: WireRecordIn, now: number, index = 0): StoredRecord {
  const value = valueBytes(r);
  checkAnswerSize(r, value.answer, index);
  return {
    timestamp: r.timestamp ?? now,
    key: keyBytes(r),
    keyIsBinary: keyIsBytes(r),
    value: value.stored,
    valueIsBinary: valueIsBytes(r),
    // Own entries of the object as given, `__proto__` included.
    headers: Object.entries(r.headers ?? {}),
  };
}

export function toWireRecord(r: StoredRecord & { offset: number }, partition: number): WireRecordOut {
  const out: WireRecordOut = {
    partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : r.keyIsBinary ? Buffer.from(r.key).toString('base64') : utf8Decoder.decode(r.key),
    value:
      r.value === null ? null : r.valueIsBinary ? Buffer.from(r.value).toString('base64') : JSON.parse(utf8Decoder.decode(r.value)),
    headers: Object.fromEntries(r.headers),
  };
  if (r.keyIsBinary) out.keyEncoding = 'base64';
  if (r.valueIsBinary) out.valueEncoding = 'base64';
  return out;
}
