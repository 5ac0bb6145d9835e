import { MAX_HEADER_NAME_BYTES, MAX_HEADERS, MAX_RECORDS_PER_REQUEST, MAX_TIMESTAMP } from '../contract/limits.js';
import type { ProduceRequest } from '../contract/records.js';
import { parseOrThrow } from './validation.js';
import { cborRecordInSchema, wireRecordInSchema } from './wire-record.js';
import * as z from './zod.js';

const producerSchema = z.strictObject({
  id: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1–64 of [A-Za-z0-9._-]')),
  sequences: z.record(
    z.string().check(z.regex(/^\d+$/, 'keys must be partition numbers')),
    z.number().check(z.int('must be an integer'), z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER)),
  ),
});

const requestSchema = <R extends typeof wireRecordInSchema | typeof cborRecordInSchema>(record: R) =>
  z
    .strictObject({
      records: z
        .array(record, 'must be an array of records')
        .check(z.minLength(1, 'must hold at least one record'), z.maxLength(MAX_RECORDS_PER_REQUEST, `must hold at most ${MAX_RECORDS_PER_REQUEST} records`)),
      producer: z.optional(producerSchema),
    })
    .check(
      z.superRefine((req, ctx) => {
        if (!req.producer) return;
        const present = new Set<string>();
        req.records.forEach((r, i) => {
          if (r.partition === undefined) {
            ctx.addIssue({ code: 'custom', path: ['records', i, 'partition'], message: 'is required when a producer is given' });
          } else present.add(String(r.partition));
        });
        const given = Object.keys(req.producer.sequences);
        for (const p of present) {
          if (!given.includes(p)) ctx.addIssue({ code: 'custom', path: ['producer', 'sequences', p], message: 'is missing for a partition in the request' });
        }
        for (const p of given) {
          if (!present.has(String(Number(p))) || String(Number(p)) !== p) {
            ctx.addIssue({ code: 'custom', path: ['producer', 'sequences', p], message: 'names a partition with no records in the request' });
          }
        }
      }),
    );

/** The body of a produce request. An idempotent producer must name every record's partition, and give a sequence for exactly those partitions. */
export const produceRequestSchema = requestSchema(wireRecordInSchema) satisfies z.ZodMiniType<ProduceRequest, unknown>;

/** The same request in CBOR (docs/produce-cbor.md), where a record's key or value may also be a byte string. */
export const cborProduceRequestSchema = requestSchema(cborRecordInSchema) satisfies z.ZodMiniType<ProduceRequest, unknown>;

const PRODUCER_ID = /^[A-Za-z0-9._-]{1,64}$/;
const RECORD_FIELDS = new Set(['key', 'value', 'headers', 'partition', 'timestamp']);
const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
const isIndex = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/** Headers that the schema surely takes: text names and values (CBOR text is well-formed), within the counts. */
function plainHeaders(headers: unknown): boolean {
  if (!isPlainObject(headers)) return false;
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS) return false;
  for (const [name, value] of entries) if (typeof value !== 'string' || Buffer.byteLength(name, 'utf8') > MAX_HEADER_NAME_BYTES) return false;
  return true;
}

/**
 * Whether a decoded CBOR request is one the schema surely accepts as it is: records of bytes, text or no
 * key, bytes or null values, no encoding fields, and a producer whose sequences name exactly their
 * partitions. Such a request (what the client sends) needs none of zod's work; anything else, or in doubt,
 * goes through the schema, which accepts it or names the field at fault (test/unit/produce-body.test.ts
 * holds the two to the same outcome).
 */
function surelyValid(input: unknown): input is ProduceRequest {
  if (!isPlainObject(input)) return false;
  const { records, producer } = input;
  for (const k in input) if (k !== 'records' && k !== 'producer') return false;
  if (!Array.isArray(records) || records.length < 1 || records.length > MAX_RECORDS_PER_REQUEST) return false;
  const partitions = producer === undefined ? undefined : new Set<string>();
  for (const r of records) {
    if (!isPlainObject(r)) return false;
    for (const k in r) if (!RECORD_FIELDS.has(k)) return false;
    const { key, value, headers, partition, timestamp } = r;
    if (!(value === null || value instanceof Uint8Array)) return false;
    if (!(key === undefined || key === null || typeof key === 'string' || key instanceof Uint8Array)) return false;
    if (partition !== undefined && !isIndex(partition)) return false;
    if (timestamp !== undefined && !(isIndex(timestamp) && (timestamp as number) <= MAX_TIMESTAMP)) return false;
    if (headers !== undefined && !plainHeaders(headers)) return false;
    if (partitions) {
      if (partition === undefined) return false;
      partitions.add(String(partition));
    }
  }
  if (producer === undefined) return true;
  if (!isPlainObject(producer) || Object.keys(producer).length !== 2 || typeof producer.id !== 'string' || !PRODUCER_ID.test(producer.id)) return false;
  const sequences = producer.sequences;
  if (!isPlainObject(sequences)) return false;
  const named = Object.keys(sequences);
  if (named.length !== partitions!.size) return false;
  for (const p of named) if (!partitions!.has(p) || !isIndex(sequences[p])) return false;
  return true;
}

/** A decoded CBOR produce body, checked: as it is when it is surely valid, else by the schema. */
export const parseCborProduceRequest = (input: unknown): ProduceRequest => (surelyValid(input) ? input : parseOrThrow(cborProduceRequestSchema, input));
