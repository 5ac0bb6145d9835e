import { QueryCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { encodeSegment } from '../../lib/codec/segment.js';
import { HeadStore } from '../../lib/log/head-store.js';
import { applyRetention } from '../../lib/log/retention.js';
import { topicConfigSchema } from '../../lib/topics/topic-config.js';
import { partitionKey } from '../../lib/log/partition-log.js';
import { SegmentStore, segmentKey } from '../../lib/log/segment-store.js';
import { newSegmentId } from '../../lib/log/segment-id.js';
import { HEAD_SORT_KEY } from '../../lib/storage/schema.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

const BATCHES = 50_000;
const PER_CHUNK = 16;
const CHUNKS = BATCHES / PER_CHUNK;
const BYTES = 100;
const T0 = Date.UTC(2026, 0, 1);
/** Batch i holds one record, at offset i, stamped one second after batch i − 1: a week and more at one batch a second. */
const stampOf = (i: number) => T0 + i * 1000;

/**
 * A partition holding BATCHES one-record batches in CHUNKS chunks, written as the rolls would write
 * them: each chunk by HeadStore.roll itself, from the head it would have had (whose own reset then
 * fails its condition, harmlessly), and the head's totals set as the last roll would leave them.
 */
async function weekOfBatches(stack: TestStack, topic: string): Promise<{ topicId: string; segmentIds: string[] }> {
  const { topicId } = await stack.runnel.topics.get(topic);
  const pk = partitionKey({ topicId, partition: 0 });
  const heads = new HeadStore(stack.runnel.clients.dynamo, stack.config.logTable);
  const head = (await heads.read(pk))!;
  const segmentIds = Array.from({ length: BATCHES }, (_, i) => newSegmentId(stampOf(i)));
  const rollChunk = (c: number) => {
    const base = c * PER_CHUNK;
    const tail = segmentIds.slice(base, base + PER_CHUNK).map((segmentId, j) => ({ segmentId, count: 1, bytes: BYTES, maxTimestamp: stampOf(base + j) }));
    return heads.roll(pk, { ...head, tailBase: base, nextOffset: base + PER_CHUNK, tail, bytesBelowTail: base * BYTES, maxTimestampBelowTail: base ? stampOf(base - 1) : 0 });
  };
  for (let c = 0; c < CHUNKS; c += 32) await Promise.all(Array.from({ length: Math.min(32, CHUNKS - c) }, (_, k) => rollChunk(c + k)));
  await stack.runnel.clients.dynamo.send(
    new UpdateItemCommand({
      TableName: stack.config.logTable,
      Key: { p: { S: pk }, b: { N: String(HEAD_SORT_KEY) } },
      UpdateExpression: 'SET nextOffset = :end, tailBase = :end, cumBytes = :bytes, cumMaxTs = :max',
      ExpressionAttributeValues: { ':end': { N: String(BATCHES) }, ':bytes': { N: String(BATCHES * BYTES) }, ':max': { N: String(stampOf(BATCHES - 1)) } },
    }),
  );
  return { topicId, segmentIds };
}

/** Counts the log table's reads and the bucket's GETs a client sends. */
function countReads(dynamo: DynamoDBClient, s3: S3Client, logTable: string): { reads: () => number; byCommand: Map<string, number> } {
  const byCommand = new Map<string, number>();
  const count = (client: DynamoDBClient | S3Client, matches: (name: string, input: any) => boolean) =>
    (client.middlewareStack as any).add(
      (next: any, context: any) => async (args: any) => {
        if (matches(context.commandName, args.input)) byCommand.set(context.commandName, (byCommand.get(context.commandName) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: `count-reads-${Math.random().toString(36).slice(2)}` },
    );
  count(dynamo, (name, input) => ['GetItemCommand', 'QueryCommand'].includes(name) && input.TableName === logTable);
  count(s3, (name) => name === 'GetObjectCommand');
  return { reads: () => [...byCommand.values()].reduce((a, b) => a + b, 0), byCommand };
}

const bound = Math.ceil(Math.log2(CHUNKS)) + 3;

describe.each(BACKENDS)('index lookups at 50,000 batches (%s)', (backend) => {
  it(`offset by timestamp reads about log2(chunks) + 2 items (at most ${bound}) wherever the answer lies, and retention by time and size about twice that`, { timeout: 240_000 }, async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'week', config: { 'retention.ms': -1 } });
    const { topicId, segmentIds } = await weekOfBatches(stack, 'week');
    const cases: Array<[number, number]> = [
      [T0 - 1, 0],
      [stampOf(1), 1],
      [stampOf(12_345) - 500, 12_345],
      [stampOf(37_800), 37_800],
      [stampOf(BATCHES - 1) - 1, BATCHES - 1],
      [stampOf(BATCHES - 1) + 1, BATCHES],
    ];
    for (const [, offset] of cases) {
      if (offset >= BATCHES) continue;
      const record = { timestamp: stampOf(offset), key: null, keyIsBinary: false, value: new TextEncoder().encode('"x"'), valueIsBinary: false, headers: [] };
      await stack.runnel.clients.s3.send(
        new PutObjectCommand({ Bucket: stack.config.bucket, Key: segmentKey(topicId, 0, segmentIds[offset]!), Body: encodeSegment([record]) }),
      );
    }
    const measured: number[] = [];
    for (const [timestamp, offset] of cases) {
      const reader = stack.another();
      await reader.runnel.topics.get('week');
      const counter = countReads(reader.runnel.clients.dynamo, reader.runnel.clients.s3, stack.config.logTable);
      const res = await reader.request('GET', `/v1/topics/week/partitions/0/offsets?timestamp=${timestamp}`);
      expect(res.body).toEqual({ offset });
      measured.push(counter.reads());
      expect(counter.reads(), JSON.stringify([...counter.byCommand])).toBeLessThanOrEqual(bound);
    }
    console.info(`offset by timestamp over ${CHUNKS} chunks (${backend}): reads ${measured.join(', ')}`);

    // Retention on the same index, under a config where time alone would start the log at 20,000 and
    // size alone (25,000 batches of 100 B) at 25,000.
    const day = 24 * 60 * 60 * 1000;
    const config = topicConfigSchema.parse({ 'retention.ms': day, 'retention.bytes': 25_000 * BYTES });
    const heads = new HeadStore(stack.runnel.clients.dynamo, stack.config.logTable);
    const segments = new SegmentStore(stack.runnel.clients.s3, stack.config.bucket);
    const counter = countReads(stack.runnel.clients.dynamo, stack.runnel.clients.s3, stack.config.logTable);
    const ref = { topicId, partition: 0 };
    const now = stampOf(20_000) - 500 + day;
    expect((await applyRetention({ log: stack.runnel.log, heads, segments, ref, config, clock: () => now, deadline: Infinity })).logStartOffset).toBe(25_000);
    console.info(`retention over ${CHUNKS} chunks (${backend}): reads ${counter.reads()} ${JSON.stringify([...counter.byCommand])}`);
    expect(counter.reads()).toBeLessThanOrEqual(2 * bound);
    expect((await stack.request('GET', '/v1/topics/week')).body.partitionStates[0]).toMatchObject({ partition: 0, logStartOffset: 25_000, highWatermark: BATCHES });
  });

  it('a partition whose chunks were rolled before the totals existed is walked, with the same answers', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    const day = 24 * 60 * 60 * 1000;
    await stack.request('POST', '/v1/topics', { name: 'older', config: { 'retention.ms': day } });
    const now = Date.now();
    for (const timestamp of [now - 3 * day, now - 3 * day, now - 3 * day, now, now]) {
      const records = [0, 1, 2].map(() => ({ value: 'v', timestamp, partition: 0 }));
      expect((await stack.request('POST', '/v1/topics/older/records', { records })).status).toBe(200);
    }
    // Take the totals out of every item, as a partition written before them has none.
    const pk = partitionKey({ topicId: (await stack.runnel.topics.get('older')).topicId, partition: 0 });
    const items = await stack.runnel.clients.dynamo.send(
      new QueryCommand({ TableName: stack.config.logTable, KeyConditionExpression: 'p = :p', ExpressionAttributeValues: { ':p': { S: pk } } }),
    );
    for (const item of items.Items!) {
      const totals = item.b!.N === String(HEAD_SORT_KEY) ? 'cumBytes, cumMaxTs, totalsFrom' : 'cumBytes, cumMaxTs';
      await stack.runnel.clients.dynamo.send(new UpdateItemCommand({ TableName: stack.config.logTable, Key: { p: item.p!, b: item.b! }, UpdateExpression: `REMOVE ${totals}` }));
    }
    expect((await stack.another().request('GET', `/v1/topics/older/partitions/0/offsets?timestamp=${now - day}`)).body).toEqual({ offset: 9 });
    await stack.runnel.maintain({ now });
    expect((await stack.request('GET', '/v1/topics/older')).body.partitionStates[0]).toMatchObject({ logStartOffset: 9, highWatermark: 15 });
  });
});
