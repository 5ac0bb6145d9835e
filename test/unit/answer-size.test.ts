import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerBytes, base64AnswerBytes, recordFrameBytes } from '../../lib/api/wire-record.js';
import type { WireRecordIn, WireRecordOut } from '../../lib/contract/records.js';
import { isJsonContentType } from '../../lib/http/json-body.js';

describe('answerBytes', () => {
  it('measures JSON as an HTTP body and as the body of a Lambda result, exactly', () => {
    const anyText = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '\u0000', '\u001f', '\ud800', '\udc00', '\u2028', 'é', '😀'), fc.string({ unit: 'binary', maxLength: 1 })) });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), anyText, fc.dictionary(anyText, anyText)), (value) => {
        const json = JSON.stringify(value);
        // Lambda's runtime JSON-encodes the handler's result, and the body is a string inside it.
        expect(answerBytes(json)).toEqual({ body: Buffer.byteLength(json), lambda: Buffer.byteLength(JSON.stringify(json)) - 2 });
      }),
      { numRuns: 2000 },
    );
  });

  it('sizes a base64 string exactly as answerBytes sizes its JSON', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        const s = Buffer.from(bytes).toString('base64');
        expect(base64AnswerBytes(s.length)).toEqual(answerBytes(JSON.stringify(s)));
      }),
    );
  });

  it('sizes a record frame exactly as JSON-stringifying the frame does, also when the size of a bare frame is reused', () => {
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '\u0000', 'é', '😀'), fc.string({ maxLength: 1 })) });
    // Headers as JSON.parse builds them, so that an own "__proto__" header is a header like any other.
    const headers = fc.dictionary(fc.oneof(text, fc.constant('__proto__')), text, { maxKeys: 3 }).map((h) => JSON.parse(JSON.stringify(h)) as Record<string, string>);
    const record = fc.record(
      {
        key: fc.oneof(fc.constant(null), text),
        keyEncoding: fc.constantFrom('utf8' as const, 'base64' as const),
        value: fc.constant(null),
        valueEncoding: fc.constantFrom('json' as const, 'base64' as const),
        headers,
      },
      { requiredKeys: ['value'] },
    );
    const oracle = (r: WireRecordIn) => {
      const frame: WireRecordOut = { partition: 999, offset: Number.MAX_SAFE_INTEGER, timestamp: 8.64e15, key: (r.key as string | null | undefined) ?? null, value: null, headers: r.headers ?? {} };
      if (r.keyEncoding === 'base64') frame.keyEncoding = 'base64';
      if (r.valueEncoding === 'base64') frame.valueEncoding = 'base64';
      return answerBytes(JSON.stringify(frame));
    };
    fc.assert(
      fc.property(record, (r) => {
        expect(recordFrameBytes(r)).toEqual(oracle(r));
        expect(recordFrameBytes(r)).toEqual(oracle(r));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('isJsonContentType', () => {
  it('accepts application/json with no charset or UTF-8, in any case, and nothing else', () => {
    for (const ok of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'application/json ; charset=utf-8']) {
      expect(isJsonContentType(ok), ok).toBe(true);
    }
    for (const bad of [undefined, '', 'text/plain', 'application/json; charset=utf-16', 'application/jsonx', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=latin1']) {
      expect(isJsonContentType(bad), String(bad)).toBe(false);
    }
  });
});
