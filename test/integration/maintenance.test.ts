import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { FILE_DELETE_DELAY_MS } from '../../lib/log/retention.js';
import { newSegmentId } from '../../lib/log/segment-id.js';
import { HeadStore } from '../../lib/log/head-store.js';
import { partitionKey } from '../../lib/log/partition-log.js';
import { describe, expect, it } from 'vitest';
import { countCommands, injectFault } from '../support/faults.js';
import { readAll } from '../support/records.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

const DAY = 24 * 60 * 60 * 1000;

async function batch(stack: TestStack, topic: string, timestamp: number, value = 'x') {
  const records = [0, 1, 2].map(() => ({ value, timestamp, partition: 0 }));
  expect((await stack.request('POST', `/v1/topics/${topic}/records`, { records })).status).toBe(200);
}

async function objectCount(stack: TestStack): Promise<number> {
  const res = await stack.runnel.clients.s3.send(new ListObjectsV2Command({ Bucket: stack.config.bucket }));
  return res.KeyCount ?? 0;
}

describe.each(BACKENDS)('retention (%s)', (backend) => {
  it('retention.ms drops whole expired segments from the oldest, stopping at the first to keep', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'r', config: { 'retention.ms': DAY } });
    const now = Date.now();
    for (let i = 0; i < 5; i++) await batch(stack, 'r', now - 3 * DAY);
    await batch(stack, 'r', now, 'fresh');
    // An old record after a fresh one stays: deletion stops at the first segment that must stay.
    await batch(stack, 'r', now - 3 * DAY, 'late');
    expect(await objectCount(stack)).toBe(7);

    const report = await stack.runnel.maintain({ now });
    expect(report.partitionsChecked).toBe(1);
    const described = await stack.request('GET', '/v1/topics/r');
    expect(described.body.partitionStates[0]).toMatchObject({ partition: 0, logStartOffset: 15, highWatermark: 21 });
    const below = await stack.request('GET', '/v1/topics/r/partitions/0/records?offset=3');
    expect(below.status).toBe(416);
    expect(below.body.error).toMatchObject({ logStartOffset: 15, highWatermark: 21 });
    expect((await readAll(stack.another(), 'r', 0, 15)).map((r) => r.value)).toEqual(['fresh', 'fresh', 'fresh', 'late', 'late', 'late']);
    expect((await stack.request('GET', '/v1/topics/r/partitions/0/offsets?spec=earliest')).body.offset).toBe(15);
    // Nothing is deleted until the log start has been past it for the delay, so reads in flight finish.
    expect(report.segmentsDeleted).toBe(0);
    expect(await objectCount(stack)).toBe(7);
    // Then segments whose index entries were rolled into chunks go; the rest wait for their roll.
    expect((await stack.runnel.maintain({ now: now + FILE_DELETE_DELAY_MS })).segmentsDeleted).toBe(4);
    expect(await objectCount(stack)).toBe(3);
    // Running again changes nothing.
    expect((await stack.runnel.maintain({ now: now + 2 * FILE_DELETE_DELAY_MS })).segmentsDeleted).toBe(0);
    expect((await stack.request('POST', '/v1/topics/r/records', { records: [{ value: 'after' }] })).status).toBe(200);
  });

  it('retention.bytes keeps the partition under its size, oldest segments first', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'b', config: { 'retention.bytes': 300 } });
    for (let i = 0; i < 6; i++) await batch(stack, 'b', Date.now(), 'v'.repeat(20));
    await stack.runnel.maintain();
    const state = (await stack.request('GET', '/v1/topics/b')).body.partitionStates[0];
    expect(state.highWatermark).toBe(18);
    // Each segment is 40 header bytes + 3 × (19 + 22) = 163 bytes: two would be 326 > 300, so one stays.
    expect(state.logStartOffset).toBe(15);
    expect((await readAll(stack, 'b', 0, 15)).map((r) => r.offset)).toEqual([15, 16, 17]);
  });

  it('cleanup.policy=compact alone is not trimmed by time', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'c', config: { 'retention.ms': 1, 'cleanup.policy': 'compact' } });
    const keyed = [{ key: 'k', value: 'x', timestamp: Date.now() - DAY }];
    expect((await stack.request('POST', '/v1/topics/c/records', { records: keyed })).status).toBe(200);
    await stack.runnel.maintain();
    expect((await stack.request('GET', '/v1/topics/c')).body.partitionStates[0].logStartOffset).toBe(0);
  });

  it('the orphan sweep deletes segments that were written but never committed, once they are old', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'o', config: { 'retention.ms': -1 } });
    for (let i = 0; i < 3; i++) await batch(stack, 'o', Date.now());
    injectFault(stack.runnel.clients.dynamo, { command: 'UpdateItemCommand', phase: 'before', match: (i) => i.UpdateExpression.includes('list_append') });
    expect((await stack.request('POST', '/v1/topics/o/records', { records: [{ value: 'lost' }] })).status).toBe(500);
    await batch(stack, 'o', Date.now());
    expect(await objectCount(stack)).toBe(5);
    expect((await stack.runnel.maintain({ sweepOrphans: true })).orphansDeleted).toBe(0);
    const later = await stack.runnel.maintain({ sweepOrphans: true, now: Date.now() + 2 * 60 * 60 * 1000 });
    expect(later.orphansDeleted).toBe(1);
    expect(await objectCount(stack)).toBe(4);
    expect((await readAll(stack.another(), 'o', 0)).map((r) => r.offset)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });
});

describe.each(BACKENDS)('maintenance at scale (%s)', (backend) => {
  const HOUR = 60 * 60 * 1000;

  /** Objects written straight to the bucket under a partition's prefix: fast, and no index entry names them. */
  async function putSegments(stack: TestStack, topicId: string, count: number, writtenAt: number): Promise<void> {
    const keys = Array.from({ length: count }, () => `${topicId}/0/${newSegmentId(writtenAt)}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((Key) => stack.runnel.clients.s3.send(new PutObjectCommand({ Bucket: stack.config.bucket, Key, Body: 'x' }))));
    }
  }

  it('the orphan sweep and the purge handle more than 1,000 segments in one partition, with DeleteObjects', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'many', config: { 'retention.ms': -1 } });
    await stack.request('POST', '/v1/topics', { name: 'doomed' });
    await batch(stack, 'many', Date.now(), 'kept');
    const now = Date.now();
    await putSegments(stack, (await stack.runnel.topics.get('many')).topicId, 1100, now - 2 * HOUR);
    await putSegments(stack, (await stack.runnel.topics.get('doomed')).topicId, 1100, now);
    expect((await stack.request('DELETE', '/v1/topics/doomed')).status).toBe(204);
    const calls = countCommands(stack.runnel.clients.s3);
    const report = await stack.runnel.maintain({ sweepOrphans: true, now });
    expect(report).toMatchObject({ purgedTopics: 1, orphansDeleted: 1100, partitionsFailed: 0, purgesFailed: 0 });
    expect(await objectCount(stack)).toBe(1);
    expect((await readAll(stack, 'many', 0)).map((r) => r.value)).toEqual(['kept', 'kept', 'kept']);
    expect(calls.get('DeleteObjectCommand') ?? 0).toBe(0);
    expect(calls.get('DeleteObjectsCommand')).toBeLessThanOrEqual(6);
  });

  it('a failing purge does not stop retention, and a failing sweep does not stop the other partitions', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'doomed' });
    await stack.request('POST', '/v1/topics', { name: 'old', partitions: 2, config: { 'retention.ms': DAY } });
    expect((await stack.request('DELETE', '/v1/topics/doomed')).status).toBe(204);
    const now = Date.now();
    for (let i = 0; i < 3; i++) await batch(stack, 'old', now - 3 * DAY);
    const oldId = (await stack.runnel.topics.get('old')).topicId;
    // The purge's first LIST fails, and so does the sweep's LIST of partition 1.
    injectFault(stack.runnel.clients.s3, { command: 'ListObjectsCommand', phase: 'before', match: (i) => !i.Prefix.startsWith(oldId) });
    injectFault(stack.runnel.clients.s3, { command: 'ListObjectsCommand', phase: 'before', match: (i) => i.Prefix === `${oldId}/1/` });
    const report = await stack.runnel.maintain({ sweepOrphans: true, now });
    expect(report).toMatchObject({ purgedTopics: 0, purgesFailed: 1, partitionsFailed: 1 });
    expect((await stack.request('GET', '/v1/topics/old')).body.partitionStates[0].logStartOffset).toBe(9);
    expect((await stack.runnel.maintain({ now })).purgedTopics).toBe(1);
  });

  it('retention deletes with DeleteObjects, 1,000 keys a call, and a run out of time resumes where it stopped', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'busy', config: { 'retention.ms': DAY } });
    const heads = new HeadStore(stack.runnel.clients.dynamo, stack.config.logTable);
    const pk = partitionKey({ topicId: (await stack.runnel.topics.get('busy')).topicId, partition: 0 });
    const now = Date.now();
    // 1,100 expired batches committed straight to the index, rolled at 16 entries as appends roll
    // (68 chunks); their objects need not exist, as deleting a missing key succeeds.
    for (let i = 0; i < 1100; i++) {
      const entry = { segmentId: newSegmentId(now - 3 * DAY), count: 1, bytes: 10, maxTimestamp: now - 3 * DAY };
      const result = await heads.append({ pk, entry, maxTail: 32 });
      if (result.kind === 'appended' && result.head.tail.length === 16) await heads.roll(pk, result.head);
    }
    await batch(stack, 'busy', now, 'fresh');
    const calls = countCommands(stack.runnel.clients.s3);
    expect((await stack.runnel.maintain({ now })).segmentsDeleted).toBe(0);
    // With no time to spare, each run deletes one batch: whole chunks up to 1,000 keys, then the rest.
    const later = now + FILE_DELETE_DELAY_MS;
    expect((await stack.runnel.maintain({ now: later, budgetMs: 0 })).segmentsDeleted).toBe(62 * 16);
    expect((await stack.runnel.maintain({ now: later, budgetMs: 0 })).segmentsDeleted).toBe(6 * 16);
    expect((await stack.runnel.maintain({ now: later })).segmentsDeleted).toBe(0);
    expect(calls.get('DeleteObjectsCommand')).toBe(2);
    expect(calls.get('DeleteObjectCommand') ?? 0).toBe(0);
    expect((await readAll(stack, 'busy', 0, 1100)).map((r) => r.offset)).toEqual([1100, 1101, 1102]);
  });
});
