import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { FILE_DELETE_DELAY_MS } from '../../lib/log/retention.js';
import { countMatching } from '../support/faults.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

/** S3's own sizes of a partition's segment objects: the oracle for the describe answer's bytes. */
async function objectBytes(stack: TestStack, topic: string, partition: number): Promise<number> {
  const { topicId } = await stack.runnel.topics.get(topic);
  const res = await stack.runnel.clients.s3.send(new ListObjectsV2Command({ Bucket: stack.config.bucket, Prefix: `${topicId}/${partition}/` }));
  return (res.Contents ?? []).reduce((sum, o) => sum + (o.Size ?? 0), 0);
}

async function produce(stack: TestStack, topic: string, partition: number, records: Array<{ key?: string; value: unknown; timestamp?: number }>) {
  const res = await stack.request('POST', `/v1/topics/${topic}/records`, { records: records.map((r) => ({ ...r, partition })) });
  expect(res.status).toBe(200);
}

const described = async (stack: TestStack, topic: string) => (await stack.request('GET', `/v1/topics/${topic}`)).body;

describe.each(BACKENDS)('topic size in describe (%s)', (backend) => {
  it('each partition reports the bytes of its segments, and the topic their sum, exact after every produce', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 3 } });
    await stack.request('POST', '/v1/topics', { name: 's', partitions: 3 });
    expect(await described(stack, 's')).toMatchObject({ bytes: 0, partitionStates: [{ bytes: 0 }, { bytes: 0 }, { bytes: 0 }] });
    // Partition 0 rolls chunks (3 entries each), partition 1 stays in its tail, partition 2 stays empty.
    for (let i = 0; i < 10; i++) {
      await produce(stack, 's', 0, [{ key: `k${i}`, value: { i, pad: 'x'.repeat(i * 10) } }]);
      if (i % 3 === 0) await produce(stack, 's', 1, [{ value: i }, { value: 'y'.repeat(i) }]);
      const d = await described(stack, 's');
      const expected = [await objectBytes(stack, 's', 0), await objectBytes(stack, 's', 1), 0];
      expect(d.partitionStates.map((p: any) => p.bytes)).toEqual(expected);
      expect(d.bytes).toBe(expected[0]! + expected[1]!);
    }
    expect((await described(stack, 's')).bytes).toBeGreaterThan(0);
  });

  it('costs one BatchGetItem for the heads, and one Query per partition whose log reaches below its tail', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 's', partitions: 3 });
    for (let i = 0; i < 5; i++) await produce(stack, 's', 0, [{ value: i }]);
    await produce(stack, 's', 1, [{ value: 'tail only' }]);
    const reader = stack.another();
    await described(reader, 's'); // warms the topic cache
    const requests = countMatching(reader.runnel.clients.dynamo, () => true);
    const queries = countMatching(reader.runnel.clients.dynamo, (name) => name === 'QueryCommand');
    const batchGets = countMatching(reader.runnel.clients.dynamo, (name) => name === 'BatchGetItemCommand');
    await described(reader, 's');
    expect([batchGets(), queries(), requests()]).toEqual([1, 1, 2]);
  });

  it('shrinks when retention moves the log start, and stays equal to the objects once they are deleted', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'r', config: { 'retention.ms': 60_000 } });
    const now = Date.now();
    for (let i = 0; i < 6; i++) await produce(stack, 'r', 0, [{ value: { i }, timestamp: now - 10 * 60_000 }]);
    for (let i = 0; i < 3; i++) await produce(stack, 'r', 0, [{ value: { i, fresh: true }, timestamp: now }]);
    const full = (await described(stack, 'r')).bytes;
    expect(full).toBe(await objectBytes(stack, 'r', 0));

    await stack.runnel.maintain({ now });
    const moved = await described(stack, 'r');
    expect(moved.partitionStates[0].logStartOffset).toBe(6);
    expect(moved.bytes).toBeLessThan(full);
    // The expired objects are still there during the deletion delay; once gone, the objects are what remains.
    await stack.runnel.maintain({ now: now + FILE_DELETE_DELAY_MS });
    expect((await described(stack, 'r')).bytes).toBe(moved.bytes);
    expect(moved.bytes).toBe(await objectBytes(stack, 'r', 0));
  });

  it('after a compaction, is the bytes of the segments now holding the kept records', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'c', config: { 'cleanup.policy': 'compact' } });
    const now = Date.now();
    for (let i = 0; i < 12; i++) await produce(stack, 'c', 0, [{ key: `k${i % 3}`, value: { i, pad: 'p'.repeat(50) }, timestamp: now }]);
    await produce(stack, 'c', 0, [{ key: 'k0', value: 'in the tail', timestamp: now }]);
    const before = (await described(stack, 'c')).bytes;
    expect(before).toBe(await objectBytes(stack, 'c', 0));

    const report = await stack.runnel.maintain({ now, cleaner: { settleMs: 0, mergeAfterMs: 0, minMergeEntries: 1_000_000 } });
    expect(report.cleaning).toMatchObject({ swaps: 1 });
    const after = (await described(stack, 'c')).bytes;
    expect(after).toBeLessThan(before);
    // Replaced segments wait out the deletion delay; then the objects left are exactly those the size counts.
    await stack.runnel.maintain({ now: now + FILE_DELETE_DELAY_MS, cleaner: { settleMs: 0, mergeAfterMs: 0, minMergeEntries: 1_000_000 } });
    expect((await described(stack, 'c')).bytes).toBe(after);
    expect(after).toBe(await objectBytes(stack, 'c', 0));
  });
});
