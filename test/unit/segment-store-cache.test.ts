import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { StoredRecord } from '../../lib/codec/record.js';
import { SegmentStore } from '../../lib/log/segment-store.js';

const record = (key: Uint8Array | null, value: Uint8Array | null): StoredRecord => ({ timestamp: 1, key, keyIsBinary: true, value, valueIsBinary: true, headers: [] });

// A remembered segment is served from memory: the store never builds its S3 client here.
const store = () =>
  new SegmentStore(() => {
    throw new Error('no S3 request is expected');
  }, 'bucket');

describe('a segment this process wrote, remembered for tail reads', () => {
  it('keeps no view of a larger buffer (a CBOR request body): the cache counts only the record’s own bytes', async () => {
    const body = new Uint8Array(4 * 1024 * 1024).map((_, i) => i & 0xff);
    const segments = store();
    segments.remember('t/0/a', { records: [record(body.subarray(10, 13), body.subarray(100, 200))], span: 1 });
    const [cached] = (await segments.get('t/0/a')).records;
    expect(cached!.key).toEqual(body.subarray(10, 13));
    expect(cached!.value).toEqual(body.subarray(100, 200));
    expect([cached!.key!.buffer.byteLength, cached!.value!.buffer.byteLength]).toEqual([3, 100]);
  });

  it('keeps bytes that are (most of) their own buffer as they are, without a copy', async () => {
    const whole = new Uint8Array(50_000);
    const pooled = Buffer.from('small, from Node’s buffer pool');
    const segments = store();
    const records = [record(null, whole), record(pooled, whole.subarray(0, 30_000))];
    segments.remember('t/0/b', { records, span: 2 });
    const cached = (await segments.get('t/0/b')).records;
    expect(cached[0]!.value).toBe(whole);
    expect(cached[1]!.key).toBe(pooled);
    expect(cached[1]!.value!.buffer).toBe(whole.buffer);
  });
});
