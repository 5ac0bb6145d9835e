import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { countCommands } from '../support/faults.js';
import { readAll } from '../support/records.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

async function produceN(stack: TestStack, topic: string, batches: number, perBatch: number, timestamp?: (i: number) => number) {
  let n = 0;
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: perBatch }, () => ({ value: n, partition: 0, ...(timestamp ? { timestamp: timestamp(n) } : {}), ...(n++, {}) }));
    expect((await stack.request('POST', `/v1/topics/${topic}/records`, { records })).status).toBe(200);
  }
  return n;
}

describe.each(BACKENDS)('fetch (%s)', (backend) => {
  it('reads across index chunks and the tail from any offset, honouring limit and maxBytes', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 3 } });
    await stack.request('POST', '/v1/topics', { name: 'f' });
    const total = await produceN(stack, 'f', 11, 5);
    // A fresh instance has no cached chunks, so it walks the chunk items in DynamoDB.
    const reader = stack.another();
    for (const from of [0, 4, 14, 15, 31, 54, 55]) {
      const all = await readAll(reader, 'f', 0, from);
      expect(all.map((r) => r.value)).toEqual(Array.from({ length: total - from }, (_, i) => from + i));
    }
    const limited = await reader.request('GET', '/v1/topics/f/partitions/0/records?offset=7&limit=9');
    expect(limited.body.records.map((r: any) => r.offset)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(limited.body.nextOffset).toBe(16);
    // maxBytes counts each record's JSON as sent: room for two records (and a comma) returns two; maxBytes=1 still returns one.
    const one = await reader.request('GET', '/v1/topics/f/partitions/0/records?offset=20&maxBytes=1');
    expect(one.body.records).toHaveLength(1);
    const two = 2 * (JSON.stringify(one.body.records[0]).length + 1);
    const small = await reader.request('GET', `/v1/topics/f/partitions/0/records?offset=20&maxBytes=${two}`);
    expect(small.body.records.map((r: any) => r.value)).toEqual([20, 21]);
    expect(small.body.nextOffset).toBe(22);
    const atEnd = await reader.request('GET', `/v1/topics/f/partitions/0/records?offset=${total}`);
    expect(atEnd.body).toMatchObject({ records: [], nextOffset: total, highWatermark: total, logStartOffset: 0 });
  });

  it('looks up offsets by timestamp, earliest and latest', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'ts' });
    // Timestamps 1000, 1010, ... but batch 3 is late (CreateTime need not be monotonic).
    await produceN(stack, 'ts', 8, 4, (i) => (i >= 12 && i < 16 ? 500 + i : 1000 + i * 10));
    const lookup = async (q: string) => (await stack.another().request('GET', `/v1/topics/ts/partitions/0/offsets?${q}`)).body.offset;
    expect(await lookup('spec=earliest')).toBe(0);
    expect(await lookup('spec=latest')).toBe(32);
    expect(await lookup('timestamp=0')).toBe(0);
    expect(await lookup('timestamp=1000')).toBe(0);
    expect(await lookup('timestamp=1001')).toBe(1);
    expect(await lookup('timestamp=1115')).toBe(16);
    expect(await lookup('timestamp=1310')).toBe(31);
    expect(await lookup('timestamp=999999')).toBe(32);
  });

  it('long-polls: answers as soon as a record arrives, from this or another instance', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'lp' });
    for (const writer of [stack, stack.another()]) {
      const hwm = (await stack.request('GET', '/v1/topics/lp/partitions/0/offsets?spec=latest')).body.offset;
      let answered = false;
      const poll = stack.request('GET', `/v1/topics/lp/partitions/0/records?offset=${hwm}&waitMs=20000`).then((r) => ((answered = true), r));
      await new Promise((r) => setTimeout(r, 300));
      expect(answered).toBe(false);
      await writer.request('POST', '/v1/topics/lp/records', { records: [{ value: 'hello' }] });
      // Well inside the 20 s wait: the poll must have been woken by the record, not by its timeout.
      const res = await Promise.race([poll, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))]);
      expect(res).not.toBe('timeout');
      expect((res as any).body.records.map((r: any) => r.value)).toEqual(['hello']);
    }
  });

  it('a long poll with nothing to read returns empty when its wait ends', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'idle' });
    const res = await stack.request('GET', '/v1/topics/idle/partitions/0/records?offset=0&waitMs=300');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ records: [], nextOffset: 0, highWatermark: 0 });
  });

  it('many readers of the same data cost one S3 GET per segment', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'shared' });
    await produceN(stack, 'shared', 3, 10);
    const reader = stack.another();
    const counts = countCommands(reader.runnel.clients.s3);
    await Promise.all(Array.from({ length: 12 }, () => readAll(reader, 'shared', 0)));
    expect(counts.get('GetObjectCommand')).toBe(3);
  });

  it('a corrupt segment gives a clear error, never garbage', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'rot' });
    await produceN(stack, 'rot', 2, 3);
    const s3 = stack.runnel.clients.s3;
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: stack.config.bucket }));
    const key = listed.Contents!.map((o) => o.Key!).sort()[1]!;
    const original = await (await s3.send(new GetObjectCommand({ Bucket: stack.config.bucket, Key: key }))).Body!.transformToByteArray();
    const damaged = Buffer.from(original);
    damaged[damaged.length - 3] = damaged[damaged.length - 3]! ^ 0x20;
    await s3.send(new PutObjectCommand({ Bucket: stack.config.bucket, Key: key, Body: damaged }));
    const reader = stack.another();
    const first = await reader.request('GET', '/v1/topics/rot/partitions/0/records?offset=0&limit=3');
    expect(first.status).toBe(200);
    const res = await reader.request('GET', '/v1/topics/rot/partitions/0/records?offset=3');
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('corrupt_segment');
    expect(res.body.error.message).toContain(key);
    expect(res.body.error.message).toContain('checksum');
  });
});
