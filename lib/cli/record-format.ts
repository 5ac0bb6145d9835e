import type { WireRecordOut } from '../client/api.js';
import type { KafkaMessage } from '../client/consumer-partition.js';

export type OutputFormat = 'json' | 'text';

/** What `consume` prints per record: the fetch API's record plus its topic. */
export type OutputRecord = WireRecordOut & { topic: string };

/**
 * json: one object per line, which `produce --format json` takes back. text: `key<TAB>value` (just the
 * value when there is no key), the value as-is when it is a string and as JSON otherwise — the
 * mirror of `produce --format kv`.
 */
export function formatRecord(r: OutputRecord, format: OutputFormat): string {
  if (format === 'json') {
    const { topic, partition, offset, timestamp, key, value, headers, keyEncoding, valueEncoding } = r;
    return JSON.stringify({ topic, partition, offset, timestamp, key, value, headers, keyEncoding, valueEncoding });
  }
  const value = typeof r.value === 'string' ? r.value : JSON.stringify(r.value);
  return r.key === null ? value : `${r.key}\t${value}`;
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
