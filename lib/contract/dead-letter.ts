/**
 * The dead-letter record: the record given up on, with headers saying where it came from and why. The
 * client's consumer and the server's subscriptions both write it, so both import this one builder. Pure
 * code: it imports nothing from the server or the client.
 */

/** Header names a dead-letter record carries besides the original record's own headers. */
export const DEAD_LETTER_HEADERS = {
  topic: 'runnel.dlq.topic',
  partition: 'runnel.dlq.partition',
  offset: 'runnel.dlq.offset',
  /** The consumer group that gave up; a subscription's group is the subscription. */
  group: 'runnel.dlq.group',
  /** Set only when a push subscription gave up. */
  subscription: 'runnel.dlq.subscription',
  error: 'runnel.dlq.error',
  attempts: 'runnel.dlq.attempts',
} as const;

/** Error texts are cut to this many characters: a header is for telling what happened, not for stack dumps. */
export const MAX_DEAD_LETTER_ERROR_CHARS = 1000;

/** The record as it was consumed. Bytes are sent as base64; anything else as the JSON value it is. */
export interface DeadRecord {
  key: string | Uint8Array | null;
  value: unknown;
  headers?: Readonly<Record<string, string>>;
}

export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: number | string;
  /** The consumer: a client consumer's group, or a push subscription (which is a group of the same name). */
  consumer: { group: string } | { subscription: string };
  error: unknown;
  /** How many times delivery was tried, when the consumer counts them. */
  attempts?: number;
}

/** A record as the produce API takes it (see lib/api/wire-record.ts). */
export interface DeadLetterRecord {
  key?: string;
  keyEncoding?: 'base64';
  value: unknown;
  valueEncoding?: 'base64';
  headers: Record<string, string>;
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** An error's message, cut, and made safe for a header: a lone surrogate (or one a cut split) cannot be stored. */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // In unicode mode a paired surrogate is one code point, so this matches only lone halves.
  return text.slice(0, MAX_DEAD_LETTER_ERROR_CHARS).replace(/\p{Surrogate}/gu, '\uFFFD');
}

export function deadLetterRecord(record: DeadRecord, source: DeadLetterSource): DeadLetterRecord {
  const out: DeadLetterRecord = { value: null, headers: {} };
  if (record.key instanceof Uint8Array) {
    out.key = base64(record.key);
    out.keyEncoding = 'base64';
  } else if (record.key !== null) {
    out.key = record.key;
  }
  if (record.value instanceof Uint8Array) {
    out.value = base64(record.value);
    out.valueEncoding = 'base64';
  } else {
    out.value = record.value;
  }
  // The record's own headers first; ours win a clash, so the origin is always told truly.
  const headers: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, record.headers);
  headers[DEAD_LETTER_HEADERS.topic] = source.topic;
  headers[DEAD_LETTER_HEADERS.partition] = String(source.partition);
  headers[DEAD_LETTER_HEADERS.offset] = String(source.offset);
  if ('group' in source.consumer) {
    headers[DEAD_LETTER_HEADERS.group] = source.consumer.group;
  } else {
    headers[DEAD_LETTER_HEADERS.group] = source.consumer.subscription;
    headers[DEAD_LETTER_HEADERS.subscription] = source.consumer.subscription;
  }
  headers[DEAD_LETTER_HEADERS.error] = errorText(source.error);
  if (source.attempts !== undefined) headers[DEAD_LETTER_HEADERS.attempts] = String(source.attempts);
  out.headers = headers;
  return out;
}
