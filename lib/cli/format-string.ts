import type { OutputRecord } from './record-format.js';

/**
 * kcat's `-f` output format strings: `%t %p %o %k %s\n` and friends. The tokens and their meaning are
 * kcat's (format.c), so a kcat user's format string prints the same here:
 * - `%t` topic, `%p` partition, `%o` offset, `%T` timestamp (ms since the epoch)
 * - `%k` key and `%s` value: nothing for null, raw bytes for base64 ones, a string value as it is and
 *   any other value as JSON
 * - `%K` and `%S`: the byte length of what `%k` and `%s` print, or -1 for null
 * - `%R`: the value's length as a 32-bit big-endian signed integer (binary, -1 for null)
 * - `%h`: headers as `name=value` separated by commas
 * - `%%` a percent sign; `\n`, `\r`, `\t`, `\\` and `\xHH` (a byte in hex) escapes; any other `\c` is `c`
 * Nothing is added at the end: give `\n` to end each record with a newline, as with kcat.
 */
export type FormatField = 't' | 'p' | 'o' | 'T' | 'k' | 'K' | 's' | 'S' | 'R' | 'h';

export type FormatToken = { literal: Buffer } | { field: FormatField };

const FIELDS = new Set<string>(['t', 'p', 'o', 'T', 'k', 'K', 's', 'S', 'R', 'h']);
const ESCAPES: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09 };

/** A format string is one when it holds a `%` field; `text` and `json` name the built-in formats. */
export const isFormatString = (format: string): boolean => format.includes('%');

/** Parses a format string; throws an Error with a one-line reason for `%` followed by anything unknown. */
export function parseFormat(format: string): FormatToken[] {
  const tokens: FormatToken[] = [];
  let literal: number[] = [];
  const flush = () => {
    if (literal.length) tokens.push({ literal: Buffer.from(literal) });
    literal = [];
  };
  const text = (s: string) => literal.push(...Buffer.from(s, 'utf8'));
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '%') {
      const f = format[++i];
      if (f === undefined) throw new Error(`format "${format}" ends with a lone % (use %% for a percent sign)`);
      if (f === '%') literal.push(0x25);
      else if (FIELDS.has(f)) {
        flush();
        tokens.push({ field: f as FormatField });
      } else throw new Error(`format "${format}": unknown field %${f} (known: %t %p %o %T %k %K %s %S %R %h %%)`);
    } else if (c === '\\' && i + 1 < format.length) {
      const e = format[++i]!;
      const hex = e === 'x' ? /^[0-9a-fA-F]{1,2}/.exec(format.slice(i + 1))?.[0] : undefined;
      if (hex !== undefined) {
        literal.push(parseInt(hex, 16));
        i += hex.length;
      } else if (e in ESCAPES) literal.push(ESCAPES[e]!);
      else text(e);
    } else {
      // A code point may be two UTF-16 units: encode it whole.
      const cp = format.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      text(ch);
      i += ch.length - 1;
    }
  }
  flush();
  return tokens;
}

/** A key or value as kcat prints it; null stays null, so the length fields can print -1. */
function bytesOf(data: unknown, encoding: 'base64' | undefined): Buffer | null {
  if (data === null) return null;
  if (encoding === 'base64') return Buffer.from(data as string, 'base64');
  return Buffer.from(typeof data === 'string' ? data : JSON.stringify(data), 'utf8');
}

function renderField(field: FormatField, r: OutputRecord): Buffer {
  const str = (s: string | number) => Buffer.from(String(s), 'utf8');
  switch (field) {
    case 't':
      return str(r.topic);
    case 'p':
      return str(r.partition);
    case 'o':
      return str(r.offset);
    case 'T':
      return str(r.timestamp);
    case 'k':
      return bytesOf(r.key, r.keyEncoding) ?? Buffer.alloc(0);
    case 'K':
      return str(bytesOf(r.key, r.keyEncoding)?.length ?? -1);
    case 's':
      return bytesOf(r.value, r.valueEncoding) ?? Buffer.alloc(0);
    case 'S':
      return str(bytesOf(r.value, r.valueEncoding)?.length ?? -1);
    case 'R': {
      const length = Buffer.alloc(4);
      length.writeInt32BE(bytesOf(r.value, r.valueEncoding)?.length ?? -1);
      return length;
    }
    case 'h':
      return str(Object.entries(r.headers).map(([name, value]) => `${name}=${value}`).join(','));
  }
}

/** One record through a parsed format string. */
export function renderFormat(tokens: FormatToken[], r: OutputRecord): Buffer {
  return Buffer.concat(tokens.map((t) => ('literal' in t ? t.literal : renderField(t.field, r))));
}
