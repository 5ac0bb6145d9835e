import type { StoredRecord } from '../codec/record.js';

/**
 * The event a subscription delivers: the shape of Lambda's self-managed Apache Kafka trigger, so that a
 * handler written for that trigger (or Powertools' Kafka consumer utility) takes it unchanged. Webhooks
 * receive the same JSON.
 */
export interface KafkaTriggerEvent {
  eventSource: 'SelfManagedKafka';
  /** A comma-separated list of brokers in Kafka's trigger; Runnel has none, and says where the records came from (`runnel` by default). */
  bootstrapServers: string;
  /** Keyed `"<topic>-<partition>"`, as the trigger keys them. */
  records: Record<string, KafkaTriggerRecord[]>;
}

export interface KafkaTriggerRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  /** Runnel keeps the producer's timestamp (or the time the server received a record that had none), Kafka's default. */
  timestampType: 'CREATE_TIME';
  /** Base64 of the key's bytes; null for a record without a key. */
  key: string | null;
  /** Base64 of the value's bytes (a JSON value's UTF-8 text); null for a tombstone. */
  value: string | null;
  /**
   * One object per header, its value as the UTF-8 bytes of the header value. Lambda sends them as
   * Java bytes, signed (-128..127), and handlers (Powertools among them) read them that way.
   */
  headers: Array<Record<string, number[]>>;
}

/** A stored record together with its place in the partition. */
export type OffsetRecord = StoredRecord & { offset: number };

/** The key a partition's records have in `records`, and the `partition` of a batchItemFailures identifier. */
export function triggerRecordsKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Bytes as Java's signed `byte[]`, which is how the Kafka trigger spells header values. */
export function signedBytes(bytes: Uint8Array): number[] {
  return Array.from(bytes, (b) => (b > 127 ? b - 256 : b));
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

export function toTriggerRecord(topic: string, partition: number, r: OffsetRecord): KafkaTriggerRecord {
  return {
    topic,
    partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: 'CREATE_TIME',
    key: r.key === null ? null : base64(r.key),
    value: r.value === null ? null : base64(r.value),
    headers: r.headers.map(([name, value]) => ({ [name]: signedBytes(Buffer.from(value, 'utf8')) })),
  };
}

/** One partition's batch as a trigger event. A subscription delivers one partition per event, in offset order. */
export function batchEvent(input: { source: string; topic: string; partition: number; records: readonly OffsetRecord[] }): KafkaTriggerEvent {
  const { source, topic, partition, records } = input;
  return {
    eventSource: 'SelfManagedKafka',
    bootstrapServers: source,
    records: { [triggerRecordsKey(topic, partition)]: records.map((r) => toTriggerRecord(topic, partition, r)) },
  };
}

/**
 * The event's JSON text for as many of `records` (from the first) as fit in `maxBytes`, and how many
 * that is: at least one, so that a large record is delivered alone rather than never. Each record is
 * serialized once, which is what makes fitting cheap.
 */
export function encodeBatchEvent(input: { source: string; topic: string; partition: number; records: readonly OffsetRecord[]; maxBytes: number }): {
  json: string;
  count: number;
} {
  const { source, topic, partition, records, maxBytes } = input;
  const head = `{"eventSource":"SelfManagedKafka","bootstrapServers":${JSON.stringify(source)},"records":{${JSON.stringify(triggerRecordsKey(topic, partition))}:[`;
  const tail = ']}}';
  let bytes = Buffer.byteLength(head, 'utf8') + tail.length;
  const parts: string[] = [];
  for (const r of records) {
    const part = JSON.stringify(toTriggerRecord(topic, partition, r));
    const add = Buffer.byteLength(part, 'utf8') + (parts.length ? 1 : 0);
    if (parts.length && bytes + add > maxBytes) break;
    parts.push(part);
    bytes += add;
  }
  return { json: head + parts.join(',') + tail, count: parts.length };
}
