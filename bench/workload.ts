import { randomBytes } from 'node:crypto';
import { encodeSegment } from '../lib/codec/segment.js';
import type { StoredRecord } from '../lib/codec/record.js';
import { callApi } from './http.js';
import type { LoadOperation } from './processes.js';

/** The record shape of issue 2: 1 KiB values, 100 records per produce request. */
export const RECORD_BYTES = 1024;
export const RECORDS_PER_REQUEST = 100;

/** Random bytes, so that nothing along the way can compress them. */
const values = (n: number) => Array.from({ length: n }, () => randomBytes(RECORD_BYTES));

/**
 * One produce request body, serialised once and re-sent: the bench measures Runnel, not JSON.stringify
 * in the load generator. Values go as base64 so that a record carries exactly RECORD_BYTES of value.
 */
export function produceBody(partition: number): string {
  const records = values(RECORDS_PER_REQUEST).map((v) => ({ value: v.toString('base64'), valueEncoding: 'base64', partition }));
  return JSON.stringify({ records });
}

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
