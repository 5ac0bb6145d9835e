import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFormat, renderFormat, type FormatField, type FormatToken } from '../../lib/cli/format-string.js';
import type { OutputRecord } from '../../lib/cli/record-format.js';

const FIELDS: FormatField[] = ['t', 'p', 'o', 'T', 'k', 'K', 's', 'S', 'R', 'h'];

/** Text with no `%` and no `\`, which a format string carries through as it is. */
const plainText = fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('%') && !s.includes('\\'));

/** A format string built from known pieces, with the bytes each piece must print as a literal. */
const piece = fc.oneof(
  plainText.map((s) => ({ source: s, literal: Buffer.from(s, 'utf8') })),
  fc.constantFrom(...FIELDS).map((f) => ({ source: `%${f}`, field: f })),
  fc.constantFrom(['\\n', 0x0a], ['\\t', 0x09], ['\\r', 0x0d], ['\\\\', 0x5c], ['%%', 0x25]).map(([source, byte]) => ({ source: source as string, literal: Buffer.from([byte as number]) })),
  fc.integer({ min: 0, max: 255 }).map((b) => ({ source: `\\x${b.toString(16).padStart(2, '0')}`, literal: Buffer.from([b]) })),
);

/** Adjacent literals merged, empty ones dropped: the parser's normal form. */
function normalize(pieces: Array<{ literal?: Buffer; field?: FormatField }>): FormatToken[] {
  const out: FormatToken[] = [];
  for (const p of pieces) {
    if (p.field) out.push({ field: p.field });
    else if (p.literal!.length) {
      const last = out.at(-1);
      if (last && 'literal' in last) out[out.length - 1] = { literal: Buffer.concat([last.literal, p.literal!]) };
      else out.push({ literal: p.literal! });
    }
  }
  return out;
}

const jsonValue = fc.jsonValue({ maxDepth: 2 });
const record: fc.Arbitrary<OutputRecord> = fc.record({
  topic: fc.stringMatching(/^[a-zA-Z0-9._-]{1,20}$/),
  partition: fc.nat(999),
  offset: fc.nat(),
  timestamp: fc.nat(),
  key: fc.option(fc.string(), { nil: null }),
  value: fc.oneof(fc.string(), jsonValue, fc.constant(null)),
  headers: fc.dictionary(fc.string({ minLength: 1 }).filter((s) => !s.includes('=') && !s.includes(',')), fc.string().filter((s) => !s.includes(','))),
});
const bytesRecord: fc.Arbitrary<OutputRecord> = fc
  .record({ r: record, key: fc.uint8Array({ maxLength: 40 }), value: fc.uint8Array({ maxLength: 40 }) })
  .map(({ r, key, value }) => ({ ...r, key: Buffer.from(key).toString('base64'), keyEncoding: 'base64', value: Buffer.from(value).toString('base64'), valueEncoding: 'base64' }));

const render = (format: string, r: OutputRecord) => renderFormat(parseFormat(format), r);

describe('kcat format strings', () => {
  it('parses any string of literals, fields and escapes into exactly those pieces', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        expect(parseFormat(pieces.map((p) => p.source).join(''))).toEqual(normalize(pieces));
      }),
    );
  });

  it('prints plain text as it is, and renders a concatenation as the concatenation of the renders', () => {
    fc.assert(
      fc.property(plainText, record, (text, r) => {
        expect(render(text, r).toString('utf8')).toBe(text);
      }),
    );
    fc.assert(
      fc.property(fc.array(piece), fc.array(piece), record, (a, b, r) => {
        const [fa, fb] = [a, b].map((ps) => ps.map((p) => p.source).join(''));
        expect(render(fa! + fb!, r)).toEqual(Buffer.concat([render(fa!, r), render(fb!, r)]));
      }),
    );
  });

  it('prints each field as kcat does: %K and %S are the byte lengths of %k and %s, -1 for null; %R is %S as 4 big-endian bytes', () => {
    fc.assert(
      fc.property(fc.oneof(record, bytesRecord), (r) => {
        const key = render('%k', r);
        const value = render('%s', r);
        expect(render('%K', r).toString()).toBe(String(r.key === null ? -1 : key.length));
        expect(render('%S', r).toString()).toBe(String(r.value === null ? -1 : value.length));
        expect(render('%R', r).readInt32BE()).toBe(r.value === null ? -1 : value.length);
        expect(render('%t|%p|%o|%T', r).toString()).toBe(`${r.topic}|${r.partition}|${r.offset}|${r.timestamp}`);
        if (r.valueEncoding === 'base64') expect(value).toEqual(Buffer.from(r.value as string, 'base64'));
        else if (typeof r.value === 'string') expect(value.toString('utf8')).toBe(r.value);
        else if (r.value !== null) expect(JSON.parse(value.toString('utf8'))).toEqual(r.value);
        const headers = render('%h', r).toString('utf8');
        expect(Object.fromEntries(headers === '' ? [] : headers.split(',').map((h) => [h.slice(0, h.indexOf('=')), h.slice(h.indexOf('=') + 1)]))).toEqual(r.headers);
      }),
    );
  });

  it('refuses a % before anything but a known field or %, and a trailing %, naming it in one line', () => {
    fc.assert(
      fc.property(plainText, fc.string({ minLength: 1, maxLength: 1 }).filter((c) => !FIELDS.includes(c as FormatField) && c !== '%'), (prefix, c) => {
        expect(() => parseFormat(`${prefix}%${c}`)).toThrow(`unknown field %${c}`);
        expect(() => parseFormat(`${prefix}%`)).toThrow('ends with a lone %');
      }),
    );
  });

  it("prints kcat's example line", () => {
    const r: OutputRecord = { topic: 'orders', partition: 0, offset: 7, timestamp: 1767225600000, key: 'customer-1', value: { item: 'book' }, headers: { source: 'web', trace: 't1' } };
    expect(render('%t %p %o %k %s\\n', r).toString()).toBe('orders 0 7 customer-1 {"item":"book"}\n');
    expect(render('%k=%K %S %h\\t100%%\\x21', r).toString()).toBe('customer-1=10 15 source=web,trace=t1\t100%!');
    // A lone trailing backslash is literal, as in kcat.
    expect(render('%o\\', r).toString()).toBe('7\\');
  });
});
