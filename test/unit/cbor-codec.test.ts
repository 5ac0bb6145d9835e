import { decode as oracleDecode, encode as oracleEncode } from 'cbor2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CborError, CborWriter, decodeCbor, MAX_CBOR_NESTING, MAX_CBOR_OBJECTS } from '../../lib/codec/cbor.js';
import { MAX_BODY_BYTES } from '../../lib/contract/limits.js';

// cbor2, a CBOR library kept to RFC 8949, is the oracle: what it writes, ours reads back; what ours
// writes, it reads back; and whatever ours accepts, it reads to the same value.

/** JSON's data model with byte strings mixed in, as a CBOR produce body carries it. */
const data: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    // -0 is written as 0, as JSON writes it.
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (d === 0 ? 0 : d)),
    fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53 - 1, -(2 ** 53) + 1, 1.5, 65504, 1e300),
    fc.string({ unit: 'binary' }),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** The oracle's reading in this data model: integers past 2^53 come back as bigints there. */
const normalise = (v: unknown): unknown =>
  typeof v === 'bigint'
    ? Number(v)
    : Array.isArray(v)
      ? v.map(normalise)
      : v !== null && typeof v === 'object' && !(v instanceof Uint8Array)
        ? Object.fromEntries(Object.entries(v).map(([k, e]) => [k, normalise(e)]))
        : v;

function write(v: unknown): Uint8Array {
  const w = new CborWriter(8);
  const put = (x: unknown): void => {
    if (x instanceof Uint8Array) w.bytes(x);
    else if (Array.isArray(x)) (w.head(4, x.length), x.forEach(put));
    else if (x !== null && typeof x === 'object') {
      const entries = Object.entries(x);
      w.head(5, entries.length);
      for (const [k, e] of entries) (w.text(k), put(e));
    } else w.json(x);
  };
  put(v);
  return w.written.slice();
}

describe('the CBOR codec', () => {
  it('reads what a CBOR library writes, and writes what it reads back', () => {
    fc.assert(
      fc.property(data, (v) => {
        expect(decodeCbor(oracleEncode(v))).toEqual(v);
        expect(normalise(oracleDecode(write(v)))).toEqual(v);
        expect(decodeCbor(write(v))).toEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it('reads indefinite lengths, every width of integer and float, and the self-describe tag', () => {
    const hex = (h: string) => decodeCbor(Buffer.from(h.replace(/ /g, ''), 'hex'));
    expect(hex('9f 01 82 02 03 9f ff ff')).toEqual([1, [2, 3], []]);
    expect(hex('bf 61 61 01 ff')).toEqual({ a: 1 });
    expect(hex('5f 42 0102 41 03 ff')).toEqual(new Uint8Array([1, 2, 3]));
    expect(hex('7f 62 6869 61 21 ff')).toBe('hi!');
    expect(hex('1b 0000000100000000')).toBe(2 ** 32);
    expect(hex('3b 001fffffffffffff')).toBe(-(2 ** 53));
    // Rounded once, as JSON.parse rounds the literal.
    expect(hex('3b 004000ffffffff52')).toBe(Number(-1n - 0x004000ffffffff52n));
    expect(hex('f9 3e00')).toBe(1.5);
    expect(hex('f9 0001')).toBe(2 ** -24);
    expect(hex('fa 47c35000')).toBe(100000);
    expect(hex('d9d9f7 a1 61 61 f6')).toEqual({ a: null });
  });

  it('keeps `__proto__` as a key, as JSON.parse does', () => {
    const v = decodeCbor(oracleEncode(JSON.parse('{"__proto__":{"x":1}}'))) as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });

  it('refuses what JSON cannot carry, and malformed or truncated items, with a CborError', () => {
    const refused = (h: string) => expect(() => decodeCbor(Buffer.from(h.replace(/ /g, ''), 'hex'))).toThrow(CborError);
    refused(''); // nothing
    refused('f7'); // undefined
    refused('f9 7e00'); // NaN
    refused('fb 7ff0000000000000'); // Infinity
    refused('c2 41 01'); // a bignum tag
    refused('e0'); // simple value 0
    refused('f8 ff'); // simple value 255
    refused('a1 01 02'); // an integer map key
    refused('a2 61 61 01 61 61 02'); // a duplicate key
    refused('62 c328'); // text that is not UTF-8
    refused('01 01'); // bytes after the item
    refused('ff'); // a break outside an indefinite item
    refused('1c'); // reserved additional information
    refused('5f 61 61 ff'); // a text chunk in a byte string
    refused('9b 00000000ffffffff'); // a count far beyond the bytes
    refused('81'.repeat(MAX_CBOR_NESTING + 1) + '01'); // nesting past the bound
    refused('d9d9f7'.repeat(MAX_CBOR_NESTING + 1) + '01'); // self-describe tags nested past the bound
    refused('d9d9f7'.repeat(400_000) + 'f6'); // so many that recursing into each would overflow the stack
    fc.assert(
      fc.property(data, fc.nat(), (v, cut) => {
        const bytes = oracleEncode(v);
        fc.pre(bytes.length > 1);
        expect(() => decodeCbor(bytes.subarray(0, cut % bytes.length))).toThrow(CborError);
      }),
    );
  });

  it('refuses more arrays, maps and byte strings than a JSON body under the body limit could hold', () => {
    // An array of `count` items, each the one byte `item`.
    const arrayOf = (count: number, item: number) => {
      const bytes = new Uint8Array(5 + count).fill(item);
      bytes[0] = 0x9a;
      new DataView(bytes.buffer).setUint32(1, count);
      return bytes;
    };
    // The premise: in JSON each takes at least 2 bytes, so a body under the limit holds no more.
    expect(2 * (MAX_CBOR_OBJECTS + 1)).toBeGreaterThan(MAX_BODY_BYTES);
    expect((decodeCbor(arrayOf(MAX_CBOR_OBJECTS - 1, 0x80)) as unknown[]).length).toBe(MAX_CBOR_OBJECTS - 1);
    expect(() => decodeCbor(arrayOf(MAX_CBOR_OBJECTS, 0x80))).toThrow(CborError);
    expect(() => decodeCbor(arrayOf(MAX_CBOR_OBJECTS, 0x40))).toThrow(CborError);
    // The chunks of an indefinite-length string count too: each is held until the string is whole.
    const chunked = new Uint8Array(MAX_CBOR_OBJECTS + 2).fill(0x40);
    chunked[0] = 0x5f;
    chunked[chunked.length - 1] = 0xff;
    expect(() => decodeCbor(chunked)).toThrow(CborError);
    expect(decodeCbor(Buffer.from('5f4040ff', 'hex'))).toEqual(new Uint8Array(0));
  });

  it('reads any bytes it accepts as the CBOR library does, and refuses the rest with a CborError only', () => {
    const mutated = fc
      .tuple(data, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
      .map(([v, edits]) => {
        const bytes = Buffer.from(oracleEncode(v));
        for (const [at, byte] of edits) bytes[at % bytes.length] = byte;
        return bytes;
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 40 })), (bytes) => {
        let ours: unknown;
        try {
          ours = decodeCbor(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(CborError);
          return;
        }
        expect(ours).toEqual(normalise(oracleDecode(bytes)));
      }),
      { numRuns: 3000 },
    );
  });
});
