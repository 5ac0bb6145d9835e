import { encode as cborEncode } from 'cbor2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cborProduceRequestSchema, parseCborProduceRequest, produceRequestSchema } from '../../lib/api/produce-request.js';
import { parseOrThrow } from '../../lib/api/validation.js';
import { toStoredRecord } from '../../lib/api/wire-record.js';
import { decodeCbor } from '../../lib/codec/cbor.js';
import type { ProduceRequest } from '../../lib/contract/records.js';
import { isRunnelError } from '../../lib/errors.js';
import { cborTwin, produceRequest } from '../support/produce-requests.js';

/** What the server makes of a body before it looks at the topic: the records it would store, or the 4xx it answers. */
function outcome(read: () => unknown, parse: (input: unknown) => ProduceRequest) {
  try {
    const request = parse(read());
    return { records: request.records.map((r, i) => toStoredRecord(r, 0, i)).map((r) => ({ ...r, key: r.key && Buffer.from(r.key), value: r.value && Buffer.from(r.value) })), producer: request.producer };
  } catch (e) {
    if (!isRunnelError(e)) throw e;
    const { code, field } = e.toJSON().error as { code: string; field?: string };
    return { status: e.status, code, field };
  }
}

describe('a produce request in CBOR', () => {
  it('is accepted and stored exactly as its JSON twin is, or refused with the same status, code and field', () => {
    fc.assert(
      fc.property(produceRequest(4), fc.boolean(), (request, keepEncoding) => {
        const json = outcome(() => JSON.parse(JSON.stringify(request)), (input) => parseOrThrow(produceRequestSchema, input));
        const cbor = outcome(() => decodeCbor(cborTwin(request, keepEncoding)), parseCborProduceRequest);
        expect(cbor).toEqual(json);
      }),
      { numRuns: 3000 },
    );
  });

  it('takes a request it finds surely valid (what the client sends) exactly as the schema would, and leaves the rest to the schema', () => {
    // Mostly the client's shape: bytes or null values, text, bytes or no keys, a producer naming its partitions.
    const clientShaped = fc
      .array(
        fc.record(
          {
            key: fc.oneof(fc.string(), fc.uint8Array({ maxLength: 8 }), fc.constant(null)),
            value: fc.oneof(fc.uint8Array({ maxLength: 32 }), fc.constant(null)),
            headers: fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
            partition: fc.oneof({ weight: 9, arbitrary: fc.nat({ max: 3 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 0.5, 2 ** 53) }),
            timestamp: fc.oneof({ weight: 9, arbitrary: fc.nat() }, { weight: 1, arbitrary: fc.constantFrom(-1, 8.64e15, 8.64e15 + 1) }),
          },
          { requiredKeys: ['value'] },
        ),
        { minLength: 1, maxLength: 4 },
      )
      .chain((records) =>
        fc.record(
          {
            records: fc.constant(records),
            producer: fc.record({
              id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/), fc.constantFrom('', 'a b', 'x'.repeat(65))),
              sequences: fc.oneof(
                fc.constant(Object.fromEntries(records.map((r) => [String(r.partition), 0]))),
                fc.dictionary(fc.constantFrom('0', '1', '01', 'x'), fc.oneof(fc.nat(), fc.constant(-1)), { maxKeys: 3 }),
              ),
            }),
          },
          { requiredKeys: ['records'] },
        ),
      );
    const decoded = fc.oneof(clientShaped.map((r) => decodeCbor(cborEncode(r))), fc.tuple(produceRequest(4), fc.boolean()).map(([r, keep]) => decodeCbor(cborTwin(r, keep))));
    fc.assert(
      fc.property(decoded, (input) => {
        const viaSchema = outcome(() => input, (i) => parseOrThrow(cborProduceRequestSchema, i));
        expect(outcome(() => input, parseCborProduceRequest)).toEqual(viaSchema);
      }),
      { numRuns: 3000 },
    );
  });
});
