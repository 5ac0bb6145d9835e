import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { StoredRecord } from '../../lib/codec/record.js';
import { HeadStore, MAX_PRODUCERS_KEPT, PRODUCER_EXPIRY_MS } from '../../lib/log/head-store.js';
import { DEFAULT_LOG_OPTIONS, PartitionLog, type PartitionRef } from '../../lib/log/partition-log.js';
import { SegmentStore } from '../../lib/log/segment-store.js';
import { TailNotifier } from '../../lib/log/tail-notifier.js';
import { highWatermark, readAll } from '../support/records.js';
import { BACKENDS, createTestStack, freshClients, type TestStack } from '../support/stack.js';

const produce = (stack: TestStack, body: object) => stack.request('POST', '/v1/topics/t/records', body);

/** Idempotent producers: a retry is recognised only when it is the committed batch itself. */
describe.each(BACKENDS)('idempotent producer sequences (%s)', (backend) => {
  async function setup(partitions = 1): Promise<TestStack> {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 't', partitions });
    return stack;
  }

  it('a retry with more records than the committed batch is refused, not acknowledged unwritten', async () => {
    const stack = await setup();
    const first = await produce(stack, { records: [{ partition: 0, value: 'x' }], producer: { id: 'Q', sequences: { '0': 7 } } });
    expect(first.status).toBe(200);
    const grown = await produce(stack, {
      records: [
        { partition: 0, value: 'x' },
        { partition: 0, value: 'y' },
      ],
      producer: { id: 'Q', sequences: { '0': 7 } },
    });
    expect(grown.status).toBe(409);
    expect(grown.body.error.code).toBe('mismatched_retry');
    expect(grown.body.error.message).toMatch(/1 record/);
    expect(await highWatermark(stack, 't', 0)).toBe(1);
    // The true retry is still answered with the original offsets.
    const retry = await produce(stack, { records: [{ partition: 0, value: 'x' }], producer: { id: 'Q', sequences: { '0': 7 } } });
    expect(retry.status).toBe(200);
    expect(retry.body.offsets.map((o: any) => o.offset)).toEqual([0]);
    expect((await readAll(stack, 't', 0)).map((r) => r.value)).toEqual(['x']);
  });

  it('a batch that starts inside the last committed batch is out of order', async () => {
    const stack = await setup();
    const two = { records: [{ partition: 0, value: 'a' }, { partition: 0, value: 'b' }], producer: { id: 'R', sequences: { '0': 7 } } };
    expect((await produce(stack, two)).status).toBe(200);
    // Sequences 7 and 8 are committed; a batch starting at 8 repeats one of them.
    const overlapping = await produce(stack, { records: [{ partition: 0, value: 'c' }], producer: { id: 'R', sequences: { '0': 8 } } });
    expect(overlapping.status).toBe(409);
    expect(overlapping.body.error.code).toBe('out_of_order_sequence');
    expect(await highWatermark(stack, 't', 0)).toBe(2);
    const next = await produce(stack, { records: [{ partition: 0, value: 'c' }], producer: { id: 'R', sequences: { '0': 9 } } });
    expect(next.status).toBe(200);
    expect(next.body.offsets[0].offset).toBe(2);
  });
});

/** L5 across partitions: an idempotent request that one partition refuses writes nothing on any. */
describe.each(BACKENDS)('multi-partition idempotent requests (%s)', (backend) => {
  const request = (sequences: Record<string, number>, counts: Record<string, number>) => ({
    records: Object.entries(counts).flatMap(([p, n]) => Array.from({ length: n }, (_, i) => ({ partition: Number(p), value: `p${p}-${i}` }))),
    producer: { id: 'multi', sequences },
  });

  async function setup(): Promise<TestStack> {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 't', partitions: 3 });
    // Sequences 0 and 1 are committed on partition 1.
    expect((await produce(stack, request({ '1': 0 }, { '1': 2 }))).status).toBe(200);
    return stack;
  }

  async function expectNothingWritten(stack: TestStack) {
    expect([await highWatermark(stack, 't', 0), await highWatermark(stack, 't', 1), await highWatermark(stack, 't', 2)]).toEqual([0, 2, 0]);
    // Refused before any segment was PUT: not even an orphan for the sweep to collect.
    const { topicId } = await stack.runnel.topics.get('t');
    for (const partition of [0, 2]) {
      const listed = await stack.runnel.clients.s3.send(new ListObjectsV2Command({ Bucket: stack.config.bucket, Prefix: `${topicId}/${partition}/` }));
      expect(listed.KeyCount ?? 0).toBe(0);
    }
  }

  it('out of order on one partition: 409, and no partition written', async () => {
    const stack = await setup();
    const res = await produce(stack, request({ '0': 0, '1': 1, '2': 0 }, { '0': 1, '1': 1, '2': 1 }));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('out_of_order_sequence');
    await expectNothingWritten(stack);
  });

  it('a mismatched retry on one partition: 409, and no partition written', async () => {
    const stack = await setup();
    const res = await produce(stack, request({ '0': 0, '1': 0, '2': 0 }, { '0': 1, '1': 3, '2': 1 }));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('mismatched_retry');
    await expectNothingWritten(stack);
  });

  it('a retry whose partitions are partly committed writes only the rest, answering the committed ones with their offsets', async () => {
    const stack = await setup();
    const res = await produce(stack, request({ '0': 0, '1': 0, '2': 0 }, { '0': 1, '1': 2, '2': 1 }));
    expect(res.status).toBe(200);
    expect(res.body.offsets.map((o: any) => [o.partition, o.offset])).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
      [2, 0],
    ]);
    expect([await highWatermark(stack, 't', 0), await highWatermark(stack, 't', 1), await highWatermark(stack, 't', 2)]).toEqual([1, 2, 1]);
  });
});

/** Producer state lives in the head, which every append rewrites: it must stay bounded and cheap. */
describe.each(BACKENDS)('producer state in the head (%s)', (backend) => {
  const record = (i: number): StoredRecord => ({
    key: null,
    keyIsBinary: false,
    value: new TextEncoder().encode(`"v${i}"`),
    valueIsBinary: false,
    headers: [],
    timestamp: 1_767_225_600_000,
  });
  /** 64-character ids, as the report used: the longest the API accepts. */
  const producerId = (i: number) => `producer-${String(i).padStart(6, '0')}-`.padEnd(64, 'x');

  /** A log on its own clients, with a clock the test moves, and the write units of every append by partition. */
  async function setup() {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 't', partitions: 2 });
    const { topicId } = await stack.runnel.topics.get('t');
    const clients = freshClients(stack.config);
    const clock = { now: Date.now() };
    const heads = new HeadStore(clients.dynamo, stack.config.logTable, () => clock.now);
    const log = new PartitionLog({ heads, segments: new SegmentStore(clients.s3, stack.config.bucket), notifier: new TailNotifier(), options: { ...DEFAULT_LOG_OPTIONS, cacheAppends: false } });
    const units = new Map<string, number[]>();
    (clients.dynamo.middlewareStack as any).add(
      (next: any, context: any) => async (args: any) => {
        const append = context.commandName === 'UpdateItemCommand' && args.input.UpdateExpression.includes('list_append');
        if (append) args.input.ReturnConsumedCapacity = 'TOTAL';
        const result = await next(args);
        if (append) {
          const pk = args.input.Key.p.S;
          units.set(pk, [...(units.get(pk) ?? []), result.output.ConsumedCapacity?.CapacityUnits]);
        }
        return result;
      },
      { step: 'initialize', name: 'consumed-write-units' },
    );
    const ref = (partition: number): PartitionRef => ({ topicId, partition });
    const unitsOf = (partition: number) => units.get(`${topicId}#${partition}`) ?? [];
    return { stack, log, clock, ref, unitsOf };
  }

  it('200 expired producer ids leave neither a wedged partition nor dearer appends', async () => {
    const { log, clock, ref, unitsOf } = await setup();
    // 208 producers, one batch each: 13 full tails of 16, so partition 0 ends on a roll, as partition 1 starts.
    for (let i = 0; i < 208; i++) await log.append({ ref: ref(0), records: [record(i)], compression: 'none', producer: { id: producerId(i), sequence: 0 } });
    clock.now += PRODUCER_EXPIRY_MS + 1;
    const before = unitsOf(0).length;
    for (let i = 0; i < 40; i++) {
      await log.append({ ref: ref(0), records: [record(i)], compression: 'none' });
      await log.append({ ref: ref(1), records: [record(i)], compression: 'none' });
    }
    const stale = unitsOf(0).slice(before);
    const control = unitsOf(1);
    expect(stale).toHaveLength(40);
    expect(control).toHaveLength(40);
    expect(control.every((u) => typeof u === 'number' && u > 0)).toBe(true);
    // Expired producers go at the first roll after their expiry (the 16th append); from then on an
    // append costs exactly what it costs on a partition that never saw them.
    expect(stale.slice(16)).toEqual(control.slice(16));
    expect((await log.head(ref(0))).producers.size).toBe(0);
  });

  it('2,000 live producers, one batch each, never wedge the partition', async () => {
    const { log, ref, unitsOf } = await setup();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < 2000; i = next++) await log.append({ ref: ref(0), records: [record(i)], compression: 'none', producer: { id: producerId(i), sequence: 0 } });
      }),
    );
    const head = await log.head(ref(0));
    expect(head.nextOffset).toBe(2000);
    expect(head.producers.size).toBeLessThanOrEqual(MAX_PRODUCERS_KEPT + 2 * DEFAULT_LOG_OPTIONS.maxTailEntries);
    // The head stays a few KB: an append costs a handful of write units (5 measured), not hundreds.
    expect(Math.max(...unitsOf(0))).toBeLessThanOrEqual(8);
    await log.append({ ref: ref(0), records: [record(0)], compression: 'none' });
    await log.append({ ref: ref(0), records: [record(0)], compression: 'none', producer: { id: producerId(0), sequence: 1 } });
  }, 120_000);

  it("a producer evicted by newer ones has its retry appended again: at-least-once, nothing lost", async () => {
    const { stack, log, clock, ref } = await setup();
    const first = await log.append({ ref: ref(0), records: [record(0)], compression: 'none', producer: { id: producerId(0), sequence: 0 } });
    // More producers than a roll keeps, each seen later than the first.
    for (let i = 1; i <= MAX_PRODUCERS_KEPT + 16; i++) {
      clock.now += 1;
      await log.append({ ref: ref(0), records: [record(i)], compression: 'none', producer: { id: producerId(i), sequence: 0 } });
    }
    expect((await log.head(ref(0))).producers.size).toBeLessThanOrEqual(MAX_PRODUCERS_KEPT + 2 * DEFAULT_LOG_OPTIONS.maxTailEntries);
    const retry = await log.append({ ref: ref(0), records: [record(0)], compression: 'none', producer: { id: producerId(0), sequence: 0 } });
    expect(retry.duplicate).toBe(false);
    expect(retry.baseOffset).toBe(MAX_PRODUCERS_KEPT + 17);
    expect(first.baseOffset).toBe(0);
    // Both copies are readable: the first commit's segment was not touched.
    const all = await readAll(stack, 't', 0);
    expect(all[0].value).toBe('v0');
    expect(all[retry.baseOffset].value).toBe('v0');
  });
});
