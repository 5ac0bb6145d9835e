import { encode as cborEncode } from 'cbor2';
import fc from 'fast-check';
import { isBase64 } from '../../lib/api/base64.js';
import { MAX_TIMESTAMP, MAX_VALUE_DEPTH } from '../../lib/contract/limits.js';

/**
 * Produce requests, valid and invalid, as JSON would carry them, and their CBOR twins: the two bodies
 * of one request, which the server must answer alike. Text holds no lone surrogate: JSON can escape one,
 * UTF-8 (CBOR's text) cannot carry it, so that request has no CBOR twin.
 */

const text = fc.string({ maxLength: 12 });
const base64 = fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b).toString('base64'));
const nested = (depth: number) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
};
const jsonValue = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

const good = (partitions: number) =>
  fc.record(
    {
      key: fc.oneof(
        fc.record({ key: fc.constant(null) }),
        fc.record({ key: text, keyEncoding: fc.constantFrom('utf8') }, { requiredKeys: ['key'] }),
        fc.record({ key: base64, keyEncoding: fc.constant('base64') }),
      ),
      value: fc.oneof(
        fc.record({ value: jsonValue, valueEncoding: fc.constant('json') }, { requiredKeys: ['value'] }),
        fc.record({ value: base64, valueEncoding: fc.constant('base64') }),
        fc.record({ value: fc.constant(null) }),
      ),
      rest: fc.record(
        {
          headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), text, { maxKeys: 3 }),
          partition: fc.integer({ min: 0, max: partitions - 1 }),
          timestamp: fc.integer({ min: 0, max: 1_700_000_000_000 }),
        },
        { requiredKeys: [] },
      ),
    },
  ).map(({ key, value, rest }) => ({ ...key, ...value, ...rest }) as Record<string, unknown>);

/** Each a change that makes a record invalid, or invalid for a topic of `partitions` partitions. */
const defect = (partitions: number) =>
  fc.constantFrom<Array<(r: Record<string, unknown>) => void>>(
    (r) => (r.key = 5),
    (r) => ((r.key = 'not base64!'), (r.keyEncoding = 'base64')),
    (r) => (r.keyEncoding = 'hex'),
    (r) => (r.value = nested(MAX_VALUE_DEPTH + 1)),
    (r) => (r.value = nested(MAX_VALUE_DEPTH)),
    (r) => ((r.value = 'AB=='), (r.valueEncoding = 'base64')),
    (r) => delete r.value,
    (r) => (r.valueEncoding = 'raw'),
    (r) => (r.headers = { n: 1 }),
    (r) => (r.headers = 'h'),
    (r) => (r.headers = { ok: 'x', bad: null }),
    (r) => (r.partition = -1),
    (r) => (r.partition = 1.5),
    (r) => (r.partition = '0'),
    (r) => (r.partition = partitions),
    (r) => (r.timestamp = -1),
    (r) => (r.timestamp = 2.5),
    (r) => (r.timestamp = MAX_TIMESTAMP + 1),
    // Beyond message.timestamp.after.max.ms (a day by default): refused by the topic, not the schema.
    (r) => (r.timestamp = Date.now() + 10 * 365 * 86_400_000),
    (r) => (r.extra = true),
  );

const record = (partitions: number) =>
  fc
    .tuple(good(partitions), fc.oneof({ weight: 8, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(defect(partitions), { minLength: 1, maxLength: 2 }) }))
    .map(([r, defects]) => {
      for (const d of defects) d(r);
      return r;
    });

/** An idempotent producer's identity for `records`: mostly right, sometimes missing, naming, or mis-spelling a partition. */
const producerFor = (records: Array<Record<string, unknown>>) =>
  fc
    .record({
      id: fc.oneof({ weight: 8, arbitrary: fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/) }, { weight: 1, arbitrary: fc.constantFrom('', 'has space', 7) }),
      first: fc.nat({ max: 3 }),
      defect: fc.oneof({ weight: 6, arbitrary: fc.constant('none') }, { weight: 1, arbitrary: fc.constantFrom('drop', 'extra', 'padded', 'negative', 'fraction', 'x') }),
    })
    .map(({ id, first, defect }) => {
      const sequences: Record<string, unknown> = {};
      for (const r of records) if (typeof r.partition === 'number') sequences[String(r.partition)] = first;
      const names = Object.keys(sequences);
      if (defect === 'drop' && names.length) delete sequences[names[0]!];
      if (defect === 'extra') sequences['7'] = 0;
      if (defect === 'padded') sequences['01'] = 0;
      if (defect === 'x') sequences.x = 0;
      if (defect === 'negative' && names.length) sequences[names[0]!] = -1;
      if (defect === 'fraction' && names.length) sequences[names[0]!] = 0.5;
      return { id, sequences };
    });

/** A produce request in JSON's data model, for a topic of `partitions` partitions. */
export const produceRequest = (partitions: number): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .oneof({ weight: 20, arbitrary: fc.array(record(partitions), { minLength: 1, maxLength: 5 }) }, { weight: 1, arbitrary: fc.constantFrom([], 'x', [1]) })
    .chain((records) =>
      fc
        .tuple(
          fc.option(Array.isArray(records) ? producerFor(records as Array<Record<string, unknown>>) : fc.constant({ id: 'p', sequences: {} }), { nil: undefined }),
          fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
        )
        .map(([producer, other]) => ({ records, ...(producer && { producer }), ...(other && { other: 1 }) })),
    );

/**
 * The request's CBOR: the same map, where a key or value given as canonical base64 with its encoding
 * "base64" goes as a byte string (its encoding field kept or left out, by `keepEncoding`) rather than text.
 */
export function cborTwin(request: Record<string, unknown>, keepEncoding: boolean): Uint8Array {
  const records = Array.isArray(request.records)
    ? request.records.map((r: unknown) => {
        if (r === null || typeof r !== 'object') return r;
        const out: Record<string, unknown> = { ...r };
        for (const [field, encoding] of [['key', 'keyEncoding'], ['value', 'valueEncoding']] as const) {
          const v = out[field];
          if (out[encoding] === 'base64' && typeof v === 'string' && isBase64(v)) {
            out[field] = new Uint8Array(Buffer.from(v, 'base64'));
            if (!keepEncoding) delete out[encoding];
          }
        }
        return out;
      })
    : request.records;
  return cborEncode({ ...request, records });
}
