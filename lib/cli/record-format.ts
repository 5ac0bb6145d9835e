import { InvalidArgumentError } from 'commander';
import type { WireRecordOut } from '../contract/records.js';
import type { KafkaMessage } from '../client/consumer-partition.js';
import { isFormatString, parseFormat, renderFormat } from './format-string.js';

/** `text`, `json`, or a kcat format string such as `%t %p %o %k %s\n` (see format-string.ts). */
export type OutputFormat = string;

/** What `consume` prints per record: the fetch API's record plus its topic. */
export type OutputRecord = WireRecordOut & { topic: string };

/**
 * json: one object per line, which `produce --format json` takes back. text: `key<TAB>value` (just the
 * value when there is no key), the value as-is when it is a string and as JSON otherwise — the
 * mirror of `produce --format kv`.
 */
export function formatRecord(r: OutputRecord, format: 'json' | 'text'): string {
  if (format === 'json') {
    const { topic, partition, offset, timestamp, key, value, headers, keyEncoding, valueEncoding } = r;
    return JSON.stringify({ topic, partition, offset, timestamp, key, value, headers, keyEncoding, valueEncoding });
  }
  const value = typeof r.value === 'string' ? r.value : JSON.stringify(r.value);
  return r.key === null ? value : `${r.key}\t${value}`;
}

/** What to write per record: a line for text and json, and exactly the format string's bytes otherwise. */
export function recordPrinter(format: OutputFormat): (r: OutputRecord) => string | Buffer {
  if (format === 'text' || format === 'json') return (r) => `${formatRecord(r, format)}\n`;
  const tokens = parseFormat(format);
  return (r) => renderFormat(tokens, r);
}

/** Commander parser for --format: a built-in name, or a format string checked now rather than at the first record. */
export function outputFormat(value: string): OutputFormat {
  if (value === 'text' || value === 'json') return value;
  if (!isFormatString(value)) throw new InvalidArgumentError(`expected text, json or a format string with % fields such as '%k %s\\n'`);
  try {
    parseFormat(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return value;
}

const base64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/** A group consumer's message in the same shape as a fetched record. */
export function fromKafkaMessage(topic: string, partition: number, m: KafkaMessage): OutputRecord {
  const out: OutputRecord = {
    topic,
    partition,
    offset: Number(m.offset),
    timestamp: Number(m.timestamp),
    key: m.key instanceof Uint8Array ? base64(m.key) : m.key,
    value: m.value instanceof Uint8Array ? base64(m.value) : m.value,
    headers: m.headers,
  };
  if (m.key instanceof Uint8Array) out.keyEncoding = 'base64';
  if (m.value instanceof Uint8Array) out.valueEncoding = 'base64';
  return out;
}
