import { MAX_RECORDS_PER_REQUEST } from '../contract/limits.js';
import type { ProduceRequest } from '../contract/records.js';
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
