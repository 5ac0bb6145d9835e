import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { HeadStore } from '../../lib/log/head-store.js';
import { partitionKey } from '../../lib/log/partition-log.js';
import { FILE_DELETE_DELAY_MS } from '../../lib/log/retention.js';
import type { MaintenanceOptions } from '../../lib/maintenance/maintenance.js';
import { countMatching } from '../support/faults.js';
import { readAll, readThroughGaps } from '../support/records.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
/** Compaction and merging at once: no settle time or merge age (segments here are seconds old). */
const eager = (now: number, more: MaintenanceOptions['cleaner'] = {}): MaintenanceOptions => ({
  now,
  cleaner: { settleMs: 0, mergeAfterMs: 0, minMergeEntries: 1_000_000, ...more },
});

async function produce(stack: TestStack, topic: string, records: Array<{ key?: string; value: unknown; timestamp?: number }>) {
  const res = await stack.request('POST', `/v1/topics/${topic}/records`, { records: records.map((r) => ({ ...r, partition: 0 })) });
  expect(res.status).toBe(200);
  return res.body.offsets.map((o: any) => o.offset as number);
}

async function objectCount(stack: TestStack): Promise<number> {
  const res = await stack.runnel.clients.s3.send(new ListObjectsV2Command({ Bucket: stack.config.bucket }));
  return res.KeyCount ?? 0;
}

async function headOf(stack: TestStack, topic: string) {
  const { topicId } = await stack.runnel.topics.get(topic);
  return (await new HeadStore(stack.runnel.clients.dynamo, stack.config.logTable).read(partitionKey({ topicId, partition: 0 })))!;
}

/** The model of what compaction keeps below `end`: each key's latest record; everything from `end` on. */
function modelKept(all: any[], end: number): number[] {
  const latest = new Map<string, number>();
  for (const r of all) if (r.offset < end) latest.set(r.key, r.offset);
  return all.filter((r) => r.offset >= end || latest.get(r.key) === r.offset).map((r) => r.offset);
}

/** Twelve batches of two records: a key cycling through four, and the key `x` every time. */
async function keyedUpdates(stack: TestStack, topic: string, timestamp: number) {
  for (let i = 0; i < 12; i++) await produce(stack, topic, [{ key: `k${i % 4}`, value: { i }, timestamp }, { key: 'x', value: { i }, timestamp }]);
}

describe.each(BACKENDS)('compaction (%s)', (backend) => {
  it('keeps the latest record of each key at its original offset; a read sees only increasing offsets, with gaps', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'c', config: { 'cleanup.policy': 'compact' } });
    const now = Date.now();
    await keyedUpdates(stack, 'c', now);
    // One more batch stays in the head's tail, the active part, which is never compacted.
    await produce(stack, 'c', [{ key: 'x', value: { i: 12 }, timestamp: now }]);
    const before = await readAll(stack, 'c', 0);
    expect((await headOf(stack, 'c')).tailBase).toBe(24);

    const report = await stack.runnel.maintain(eager(now));
    expect(report.cleaning).toMatchObject({ partitionsCompacted: 1, swaps: 1, recordsRemoved: 24 - 5 });
    const after = await readThroughGaps(stack, 'c', 0);
    // k0..k3 at 16, 18, 20, 22; x at 23 (the latest below the tail) and 24 (in the tail).
    expect(after.map((r) => r.offset)).toEqual(modelKept(before, 24));
    expect(after.map((r) => r.offset)).toEqual([16, 18, 20, 22, 23, 24]);
    // Each kept record reads back exactly as before the swap.
    expect(after).toEqual(before.filter((r) => after.some((a) => a.offset === r.offset)));
    // The bounds do not move; a read inside a gap goes on to the next kept record.
    const described = (await stack.request('GET', '/v1/topics/c')).body.partitionStates[0];
    expect(described).toEqual({ partition: 0, logStartOffset: 0, highWatermark: 25, bytes: expect.any(Number) });
    const inGap = await stack.request('GET', '/v1/topics/c/partitions/0/records?offset=3&limit=1');
    expect(inGap.body.records.map((r: any) => r.offset)).toEqual([16]);
    expect(inGap.body.nextOffset).toBe(17);
  });

  it('a consumer reading through a compaction sees each record once, in offset order, and every kept one', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'c', config: { 'cleanup.policy': 'compact' } });
    const now = Date.now();
    await keyedUpdates(stack, 'c', now);
    const all = await readAll(stack, 'c', 0);
    const reader = stack.another();
    const first = await reader.request('GET', '/v1/topics/c/partitions/0/records?offset=0&limit=9');
    await stack.runnel.maintain(eager(now));
    // The reader's process still has the old chunks cached; their segments go after the delay.
    await stack.runnel.maintain(eager(now + FILE_DELETE_DELAY_MS));
    const rest = await readThroughGaps(reader, 'c', 0, first.body.nextOffset);
    const seen = [...first.body.records, ...rest];
    const offsets = seen.map((r) => r.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(offsets.length);
    for (const r of seen) expect(r).toEqual(all[r.offset]);
    const kept = modelKept(all, 24);
    expect(kept.every((o) => o < 9 || offsets.includes(o))).toBe(true);
  });

  it('keeps a tombstone for delete.retention.ms after its timestamp, then removes it', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 't', config: { 'cleanup.policy': 'compact', 'delete.retention.ms': HOUR } });
    const t = Date.now() - 2 * HOUR;
    await produce(stack, 't', [{ key: 'a', value: 1, timestamp: t }]);
    await produce(stack, 't', [{ key: 'a', value: null, timestamp: t + 1 }]);
    await produce(stack, 't', [{ key: 'b', value: 1, timestamp: t + 2 }]);
    await produce(stack, 't', [{ key: 'c', value: 1, timestamp: t + 3 }]);
    await stack.runnel.maintain(eager(t + HOUR - 1));
    expect((await readThroughGaps(stack, 't', 0)).map((r) => [r.offset, r.key, r.value])).toEqual([
      [1, 'a', null],
      [2, 'b', 1],
      [3, 'c', 1],
    ]);
    // Once compaction is due again (new writes), a tombstone past its retention goes.
    for (let i = 0; i < 4; i++) await produce(stack, 't', [{ key: 'd', value: i, timestamp: t + 4 }]);
    await stack.runnel.maintain(eager(t + HOUR + 1));
    expect((await readThroughGaps(stack, 't', 0)).map((r) => r.offset)).toEqual([2, 3, 7]);
  });

  it('honours min.compaction.lag.ms and min.cleanable.dirty.ratio', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'l', config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': HOUR } });
    const now = Date.now();
    for (let i = 0; i < 4; i++) await produce(stack, 'l', [{ key: 'k', value: i, timestamp: now - 2 * HOUR }]);
    for (let i = 4; i < 8; i++) await produce(stack, 'l', [{ key: 'k', value: i, timestamp: now }]);
    // Only the records older than the lag are compacted: the newer ones stay, though they share the key.
    await stack.runnel.maintain(eager(now));
    expect((await readThroughGaps(stack, 'l', 0)).map((r) => r.offset)).toEqual([3, 4, 5, 6, 7]);
    // Within the lag the newer records are not cleanable yet, so there is nothing dirty to compact.
    expect((await stack.runnel.maintain(eager(now))).cleaning.swaps).toBe(0);
    const due = await stack.runnel.maintain(eager(now + 2 * HOUR));
    expect(due.cleaning.partitionsCompacted).toBe(1);
    expect((await readThroughGaps(stack, 'l', 0)).map((r) => r.offset)).toEqual([7]);
  });

  it('deletes replaced segments only after the delay, and leaves a partition that is not due alone', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'c', config: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.9' } });
    const now = Date.now();
    await keyedUpdates(stack, 'c', now);
    expect(await objectCount(stack)).toBe(12);
    const first = await stack.runnel.maintain(eager(now));
    expect(first.cleaning).toMatchObject({ swaps: 1, segmentsReplaced: 12, segmentsWritten: 1, replacedSegmentsDeleted: 0 });
    expect(await objectCount(stack)).toBe(13);
    expect((await stack.runnel.maintain(eager(now + FILE_DELETE_DELAY_MS - 1))).cleaning.replacedSegmentsDeleted).toBe(0);
    expect((await stack.runnel.maintain(eager(now + FILE_DELETE_DELAY_MS))).cleaning.replacedSegmentsDeleted).toBe(12);
    expect(await objectCount(stack)).toBe(1);
    // Two more batches: 4 dirty records against 5 clean is below 0.9, so nothing is rewritten.
    await produce(stack, 'c', [{ key: 'k0', value: 0, timestamp: now }, { key: 'x', value: 0, timestamp: now }]);
    await produce(stack, 'c', [{ key: 'k1', value: 0, timestamp: now }, { key: 'x', value: 0, timestamp: now }]);
    expect((await stack.runnel.maintain(eager(now + FILE_DELETE_DELAY_MS))).cleaning.swaps).toBe(0);
  });

  it('finds an offset by timestamp after compaction: never past the first kept record at or after it', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'c', config: { 'cleanup.policy': 'compact' } });
    const t0 = Date.now() - HOUR;
    for (let i = 0; i < 12; i++) await produce(stack, 'c', [{ key: `k${i % 3}`, value: i, timestamp: t0 + i * 1000 }]);
    await stack.runnel.maintain(eager(Date.now()));
    const kept = await readThroughGaps(stack, 'c', 0);
    expect(kept.map((r) => r.offset)).toEqual([9, 10, 11]);
    for (const i of [0, 5, 9, 10, 11]) {
      const { offset } = (await stack.request('GET', `/v1/topics/c/partitions/0/offsets?timestamp=${t0 + i * 1000}`)).body;
      const exact = kept.find((r) => r.timestamp >= t0 + i * 1000)!.offset;
      expect(offset).toBeLessThanOrEqual(exact);
      expect(kept.filter((r) => r.offset >= offset)[0].offset).toBe(exact);
    }
  });
});

describe.each(BACKENDS)('merging small segments (%s)', (backend) => {
  it('merges old small segments into one, so a catch-up read costs one GET instead of one per batch', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 4 } });
    await stack.request('POST', '/v1/topics', { name: 'm' });
    for (let i = 0; i < 40; i++) await produce(stack, 'm', [{ key: `k${i}`, value: { i, pad: 'p'.repeat(100) } }]);
    const before = await readAll(stack, 'm', 0);

    const gets = (reader: TestStack) => countMatching(reader.runnel.clients.s3, (name) => name === 'GetObjectCommand');
    const coldBefore = stack.another();
    const getsBefore = gets(coldBefore);
    expect(await readAll(coldBefore, 'm', 0)).toEqual(before);
    expect(getsBefore()).toBe(40);

    const report = await stack.runnel.maintain(eager(Date.now(), { minMergeEntries: 8 }));
    expect(report.cleaning).toMatchObject({ swaps: 1, segmentsReplaced: 40, segmentsWritten: 1, recordsRemoved: 0 });
    const coldAfter = stack.another();
    const getsAfter = gets(coldAfter);
    expect(await readAll(coldAfter, 'm', 0)).toEqual(before);
    expect(getsAfter()).toBe(1);
    // The index shrank too: one chunk where there were ten.
    const head = await headOf(stack, 'm');
    expect(head.tailBase).toBe(40);
    const { topicId } = await stack.runnel.topics.get('m');
    const chunks = await new HeadStore(stack.runnel.clients.dynamo, stack.config.logTable).chunksBelow(partitionKey({ topicId, partition: 0 }), 40);
    expect(chunks.map((c) => [c.base, c.nextBase, c.entries.length])).toEqual([[0, 40, 1]]);
  });

  it('leaves segments younger than the merge age, and runs too short to be worth it, for later', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 4 } });
    await stack.request('POST', '/v1/topics', { name: 'm' });
    for (let i = 0; i < 16; i++) await produce(stack, 'm', [{ value: i }]);
    expect((await stack.runnel.maintain({ cleaner: { settleMs: 0, mergeAfterMs: HOUR, minMergeEntries: 2 } })).cleaning.swaps).toBe(0);
    expect((await stack.runnel.maintain({ cleaner: { settleMs: 0, mergeAfterMs: 0, minMergeEntries: 17 } })).cleaning.swaps).toBe(0);
    expect((await stack.runnel.maintain({ cleaner: { settleMs: 0, mergeAfterMs: 0, minMergeEntries: 16 } })).cleaning.swaps).toBe(1);
    // Merged chunks are not merged again: the next merge starts after them.
    expect((await stack.runnel.maintain({ cleaner: { settleMs: 0, mergeAfterMs: 0, minMergeEntries: 1 } })).cleaning.swaps).toBe(0);
    expect((await readAll(stack, 'm', 0)).map((r) => r.value)).toEqual(Array.from({ length: 16 }, (_, i) => i));
  });

  it('keeps large segments as they are and moves only their entries', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'm' });
    for (let i = 0; i < 4; i++) await produce(stack, 'm', [{ value: 'v'.repeat(2000) }]);
    const report = await stack.runnel.maintain(eager(Date.now(), { minMergeEntries: 2, targetSegmentBytes: 1000 }));
    expect(report.cleaning).toMatchObject({ swaps: 1, segmentsReplaced: 0, segmentsWritten: 0 });
    expect((await readAll(stack, 'm', 0)).length).toBe(4);
  });
});

describe.each(BACKENDS)('produce to a compacted topic (%s)', (backend) => {
  it('refuses a record without a key, writing nothing, as Kafka does', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'c', config: { 'cleanup.policy': 'compact,delete' } });
    const res = await stack.request('POST', '/v1/topics/c/records', { records: [{ key: 'a', value: 1 }, { value: 2 }] });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_record', field: 'records[1].key' });
    expect((await stack.request('GET', '/v1/topics/c')).body.partitionStates[0].highWatermark).toBe(0);
  });
});

describe.each(BACKENDS)('retention on a compact,delete topic (%s)', (backend) => {
  it('retention.bytes still moves the log start past compacted chunks', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'cd', config: { 'cleanup.policy': 'compact,delete', 'retention.bytes': 2000 } });
    const now = Date.now();
    const batch = (i: number) => produce(stack, 'cd', [{ key: `k${i % 2}`, value: 'v'.repeat(200), timestamp: now }]);
    for (let i = 0; i < 8; i++) await batch(i);
    // Size retention first (in the same pass), then compaction of what is left.
    await stack.runnel.maintain(eager(now));
    const first = (await stack.request('GET', '/v1/topics/cd')).body.partitionStates[0];
    for (let i = 8; i < 24; i++) await batch(i);
    await stack.runnel.maintain(eager(now));
    const second = (await stack.request('GET', '/v1/topics/cd')).body.partitionStates[0];
    expect(second.logStartOffset).toBeGreaterThan(first.logStartOffset);
    // What is left reads back as kept records of the log, in order.
    const left = await readThroughGaps(stack, 'cd', 0, second.logStartOffset);
    expect(left.length).toBeGreaterThan(0);
    expect(left.every((r) => r.offset >= second.logStartOffset)).toBe(true);
  });
});
