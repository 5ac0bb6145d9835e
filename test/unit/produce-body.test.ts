import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cborProduceRequestSchema, produceRequestSchema } from '../../lib/api/produce-request.js';
import { parseOrThrow } from '../../lib/api/validation.js';
import { toStoredRecord } from '../../lib/api/wire-record.js';
import { decodeCbor } from '../../lib/codec/cbor.js';
import { isRunnelError } from '../../lib/errors.js';
import { cborTwin, produceRequest } from '../support/produce-requests.js';

/** What the server makes of a body before it looks at the topic: the records it would store, or the 4xx it answers. */
function outcome(read: () => unknown, schema: typeof produceRequestSchema | typeof cborProduceRequestSchema) {
  try {
    const request = parseOrThrow(schema, read());
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
        const json = outcome(() => JSON.parse(JSON.stringify(request)), produceRequestSchema);
        const cbor = outcome(() => decodeCbor(cborTwin(request, keepEncoding)), cborProduceRequestSchema);
        expect(cbor).toEqual(json);
      }),
      { numRuns: 3000 },
    );
  });
});
