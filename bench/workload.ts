import { randomBytes } from 'node:crypto';
import { encodeMessage, produceRequestBody, type BodyFormat } from '../lib/client/message.js';
import { DEFAULT_PRODUCER_CONFIG } from '../lib/client/producer.js';
import { decodeCbor } from '../lib/codec/cbor.js';
import { encodeSegment } from '../lib/codec/segment.js';
import type { ProduceRequest } from '../lib/contract/records.js';
import type { StoredRecord } from '../lib/codec/record.js';
import { callApi } from './http.js';
import type { LoadOperation } from './processes.js';

/** The record shape of issue 2: 1 KiB values, 100 records per produce request. */
export const RECORD_BYTES = 1024;
export const RECORDS_PER_REQUEST = 100;

/** Random bytes, so that nothing along the way can compress them. */
const values = (n: number) => Array.from({ length: n }, () => randomBytes(RECORD_BYTES));

/** The body the client sends by default (CBOR); `--body json` and the like measure the other. */
export const DEFAULT_BODY_FORMAT: BodyFormat = DEFAULT_PRODUCER_CONFIG.bodyFormat;

/**
 * One produce request body, serialised once and re-sent: the bench measures Runnel, not the encoder in
 * the load generator. Built by the client's own encoder, in the client's default format unless told:
 * the values go as CBOR byte strings, or as base64 in JSON, a record carrying exactly RECORD_BYTES of value.
 */
export function produceBody(partition: number, format: BodyFormat = DEFAULT_BODY_FORMAT): string | Uint8Array {
  const records = values(RECORDS_PER_REQUEST).map((value, i) => encodeMessage({ value }, partition, `messages[${i}]`, format).encoded);
  return produceRequestBody(records, undefined);
}

/** A body as the produce service takes it, read as the route reads it but not validated (the in-process load skips HTTP and the schema). */
export const parseProduceBody = (body: string | Uint8Array): ProduceRequest => (typeof body === 'string' ? JSON.parse(body) : decodeCbor(body)) as ProduceRequest;

/** A segment object as the log writes it for one such request: the body size the storage floor PUTs. */
export function segmentBody(): Uint8Array {
  const now = Date.now();
  const records: StoredRecord[] = values(RECORDS_PER_REQUEST).map((value) => ({
    timestamp: now,
    key: null,
    keyIsBinary: false,
    value,
    valueIsBinary: true,
    headers: [],
  }));
  return encodeSegment(records);
}

/**
 * Producers POSTing to the HTTP API, each its next request when the previous one is acknowledged:
 * producer i writes to partition i mod partitions. A load for the load generator process.
 */
export async function httpProduce({ url, partitions, producers }: { url: string; partitions: number; producers: number }): Promise<LoadOperation> {
  const bodies = Array.from({ length: producers }, (_, i) => produceBody(i % partitions));
  return { op: async (w) => void (await callApi(url, { method: 'POST', body: bodies[w]! })) };
}
