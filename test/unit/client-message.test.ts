import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cborRecordInSchema, toStoredRecord, toWireRecord, wireRecordInSchema } from '../../lib/api/wire-record.js';
import { encodeMessage, type Message, type MessageValue } from '../../lib/client/message.js';
import { decodeCbor } from '../../lib/codec/cbor.js';
import { encodedRecordSize } from '../../lib/codec/record.js';

// As JSON carries them: a -0 anywhere inside comes back 0.
const jsonValue = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as MessageValue).filter((v) => v !== null);
const bytes = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b));

const message: fc.Arbitrary<Message> = fc.record(
  {
    key: fc.oneof(fc.string(), bytes, fc.constant(null)),
    value: fc.oneof(jsonValue, bytes, fc.constant(null)),
    headers: fc.dictionary(fc.string({ minLength: 1 }).filter((k) => k !== '__proto__'), fc.oneof(fc.string(), fc.string().map((s) => Buffer.from(s)))),
    timestamp: fc.integer({ min: 0, max: 8.64e15 }),
  },
  { requiredKeys: ['value'] },
);

describe('client message encoding', () => {
  it('produces a wire record the server accepts, stores and returns as sent, at the size it measures', () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 0, max: 999 }), (m, partition) => {
        const encoded = encodeMessage(m, partition, 'messages[0]', 'json');
        const wire = wireRecordInSchema.parse(JSON.parse(encoded.encoded as string));
        expect(wire.partition).toBe(partition);
        expect(encoded.wireBytes).toBe(Buffer.byteLength(encoded.encoded as string) + 1);
        const stored = toStoredRecord(wire, 0);
        expect(encoded.recordBytes).toBe(encodedRecordSize(stored));
        const back = toWireRecord({ ...stored, offset: 0 }, partition);
        if (m.value instanceof Uint8Array) expect(Buffer.from(back.value as string, 'base64')).toEqual(m.value);
        else expect(back.value).toEqual(m.value);
        if (m.key instanceof Uint8Array) expect(Buffer.from(back.key!, 'base64')).toEqual(m.key);
        else expect(back.key).toEqual(m.key ?? null);
        for (const [name, value] of Object.entries(m.headers ?? {})) expect(back.headers[name]).toBe(String(value));
        if (m.timestamp !== undefined) expect(back.timestamp).toBe(m.timestamp);
      }),
    );
  });

  it('encodes a message in CBOR to the very record its JSON encoding stores, at the size it measures', () => {
    fc.assert(
      fc.property(message, fc.integer({ min: 0, max: 999 }), (m, partition) => {
        const json = encodeMessage(m, partition, 'messages[0]', 'json');
        const cbor = encodeMessage(m, partition, 'messages[0]', 'cbor');
        const bytes = cbor.encoded as Uint8Array;
        expect(cbor.wireBytes).toBe(bytes.length);
        expect(cbor.recordBytes).toBe(json.recordBytes);
        const wire = cborRecordInSchema.parse(decodeCbor(bytes));
        const fromJson = toStoredRecord(wireRecordInSchema.parse(JSON.parse(json.encoded as string)), 0);
        const fromCbor = toStoredRecord(wire, 0);
        expect({ ...fromCbor, key: fromCbor.key && Buffer.from(fromCbor.key), value: fromCbor.value && Buffer.from(fromCbor.value) }).toEqual({
          ...fromJson,
          key: fromJson.key && Buffer.from(fromJson.key),
          value: fromJson.value && Buffer.from(fromJson.value),
        });
      }),
    );
  });

  it('names the field of a message it cannot encode', () => {
    expect(() => encodeMessage({ value: undefined as never }, 0, 'messages[3]')).toThrow('messages[3].value is required');
    expect(() => encodeMessage({ value: 1, headers: { h: ['a', 'b'] as never } }, 0, 'messages[1]')).toThrow('messages[1].headers.h');
    expect(() => encodeMessage({ value: 1, timestamp: 'yesterday' }, 0, 'messages[2]')).toThrow('messages[2].timestamp');
    expect(() => encodeMessage({ value: 1, key: 5 as never }, 0, 'messages[0]')).toThrow('key must be a string');
  });
});
