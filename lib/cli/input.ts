import type { Message } from '../client/message.js';

export type InputFormat = 'json' | 'kv';

export interface LineOptions {
  format: InputFormat;
  /** Between key and value in `kv` lines (default a tab). */
  separator: string;
  /** In `kv` lines, read the value as JSON rather than as a string. */
  jsonValues: boolean;
}

const RECORD_FIELDS = new Set(['key', 'value', 'headers', 'partition', 'timestamp', 'keyEncoding', 'valueEncoding', 'topic', 'offset']);

function fromBase64(text: unknown, what: string): Buffer {
  if (typeof text !== 'string' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
    throw new Error(`${what} must be base64 when its encoding is "base64"`);
  }
  return Buffer.from(text, 'base64');
}

/**
 * A JSON record line: `{"key","value","headers","partition","timestamp"}`, with `keyEncoding` or
 * `valueEncoding` "base64" for bytes. This is also what `consume --format json` prints, so its output
 * can be produced again (`topic` and `offset` are ignored).
 */
function parseJsonRecord(line: string, where: string): Message {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (e) {
    throw new Error(`${where}: not valid JSON (${(e as Error).message}); use --format kv for key<TAB>value lines`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !('value' in parsed)) {
    throw new Error(`${where}: expected a JSON object with a "value" field, e.g. {"key":"k","value":{"n":1}}`);
  }
  const r = parsed as Record<string, unknown>;
  const unknown = Object.keys(r).find((k) => !RECORD_FIELDS.has(k));
  if (unknown) throw new Error(`${where}: unknown field "${unknown}" (a record has key, value, headers, partition, timestamp)`);
  const m: Message = { value: r.value as Message['value'] };
  if (r.valueEncoding === 'base64' && r.value !== null) m.value = fromBase64(r.value, `${where}: value`);
  if (r.key !== undefined && r.key !== null) {
    if (typeof r.key !== 'string') throw new Error(`${where}: key must be a string or null`);
    m.key = r.keyEncoding === 'base64' ? fromBase64(r.key, `${where}: key`) : r.key;
  }
  if (r.headers !== undefined) {
    if (r.headers === null || typeof r.headers !== 'object' || Object.values(r.headers).some((v) => typeof v !== 'string')) {
      throw new Error(`${where}: headers must be an object of strings`);
    }
    m.headers = r.headers as Record<string, string>;
  }
  if (r.partition !== undefined) {
    if (!Number.isInteger(r.partition) || (r.partition as number) < 0) throw new Error(`${where}: partition must be a non-negative integer`);
    m.partition = r.partition as number;
  }
  if (r.timestamp !== undefined) m.timestamp = r.timestamp as number;
  return m;
}

function parseKeyValue(line: string, where: string, options: LineOptions): Message {
  const at = line.indexOf(options.separator);
  const key = at < 0 ? null : line.slice(0, at);
  const text = at < 0 ? line : line.slice(at + options.separator.length);
  if (!options.jsonValues) return { key, value: text };
  try {
    return { key, value: JSON.parse(text) };
  } catch (e) {
    throw new Error(`${where}: the value is not valid JSON (${(e as Error).message}); drop --json-values to send it as a string`);
  }
}

/** One stdin line as a message; blank lines are skipped (undefined). */
export function parseLine(line: string, lineNumber: number, options: LineOptions): Message | undefined {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.trim() === '') return undefined;
  const where = `line ${lineNumber}`;
  return options.format === 'json' ? parseJsonRecord(text, where) : parseKeyValue(text, where, options);
}
