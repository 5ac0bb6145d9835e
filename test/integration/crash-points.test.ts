import { describe, expect, it } from 'vitest';
import { injectFault } from '../support/faults.js';
import { highWatermark, readAll } from '../support/records.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

/** Crash points of the produce path (design note "Crash points to test"); after each, L1–L5 must hold. */
describe.each(BACKENDS)('crash points (%s)', (backend) => {
  let tag = 0;
  const acked: Array<{ offset: number; tag: number }> = [];

  async function setup(): Promise<TestStack> {
    acked.length = 0;
    const stack = await createTestStack(backend, { log: { maxTailEntries: 3 } });
    await stack.request('POST', '/v1/topics', { name: 'c', partitions: 1 });
    for (let i = 0; i < 4; i++) await produce(stack);
    return stack;
  }

  async function produce(stack: TestStack, body?: object) {
    const t = ++tag;
    const res = await stack.request('POST', '/v1/topics/c/records', body ?? { records: [{ value: { tag: t } }, { value: { tag: t } }] });
    if (res.status === 200) acked.push({ offset: res.body.offsets[0].offset, tag: t });
    return { ...res, tag: t };
  }

  /** L1: every acknowledged batch is readable at its offsets. L2: offsets unique and contiguous. */
  async function expectIntact(stack: TestStack, unacked: number[] = []) {
    const all = await readAll(stack.another(), 'c', 0);
    for (const a of acked) expect(all[a.offset]?.value).toEqual({ tag: a.tag });
    const tags = all.map((r) => r.value.tag);
    for (const t of new Set(tags)) expect(tags.filter((x) => x === t)).toHaveLength(2);
    const ackedTags = new Set(acked.map((a) => a.tag));
    for (const t of tags) expect(ackedTags.has(t) || unacked.includes(t)).toBe(true);
    // L3: the log still takes writes and a fresh reader answers at once.
    expect((await produce(stack)).status).toBe(200);
  }

  it('throw before the PUT: rejected, nothing visible', async () => {
    const stack = await setup();
    const hwm = await highWatermark(stack, 'c', 0);
    injectFault(stack.runnel.clients.s3, { command: 'PutObjectCommand', phase: 'before' });
    const res = await produce(stack);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.body.error.code).toBeTypeOf('string');
    expect(await highWatermark(stack, 'c', 0)).toBe(hwm);
    await expectIntact(stack);
  });

  it('throw after the PUT: the object is garbage, nothing visible', async () => {
    const stack = await setup();
    const hwm = await highWatermark(stack, 'c', 0);
    injectFault(stack.runnel.clients.s3, { command: 'PutObjectCommand', phase: 'after' });
    expect((await produce(stack)).status).toBeGreaterThanOrEqual(500);
    expect(await highWatermark(stack, 'c', 0)).toBe(hwm);
    await expectIntact(stack);
  });

  it('throw after the append: committed without an ack (at-least-once), no hole', async () => {
    const stack = await setup();
    const hwm = await highWatermark(stack, 'c', 0);
    injectFault(stack.runnel.clients.dynamo, { command: 'UpdateItemCommand', phase: 'after', match: (i) => i.UpdateExpression.includes('list_append') });
    const res = await produce(stack);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(await highWatermark(stack, 'c', 0)).toBe(hwm + 2);
    await expectIntact(stack, [res.tag]);
  });

  it('throw before the response: committed without an ack, no hole', async () => {
    const stack = await setup();
    const produceOnce = stack.runnel.produce.produce.bind(stack.runnel.produce);
    stack.runnel.produce.produce = async (...args) => {
      await produceOnce(...args);
      throw new Error('the process died before responding');
    };
    const res = await produce(stack);
    expect(res.status).toBe(500);
    stack.runnel.produce.produce = produceOnce;
    await expectIntact(stack, [res.tag]);
  });

  it("a dropped append response is resolved by reading the log: the batch commits once", async () => {
    const stack = await setup();
    const hwm = await highWatermark(stack, 'c', 0);
    const fault = injectFault(stack.runnel.clients.dynamo, {
      command: 'UpdateItemCommand',
      phase: 'after',
      layer: 'insideRetry',
      match: (i) => i.UpdateExpression.includes('list_append'),
    });
    const res = await produce(stack);
    expect(fault.count()).toBe(1);
    expect(res.status).toBe(200);
    expect(res.body.offsets[0].offset).toBe(hwm);
    expect(await highWatermark(stack, 'c', 0)).toBe(hwm + 2);
    await expectIntact(stack);
  });

  it('an idempotent producer retrying after a dropped response gets its original offsets, one copy', async () => {
    const stack = await setup();
    const body = { records: [{ value: { tag: 9000 }, partition: 0 }, { value: { tag: 9000 }, partition: 0 }], producer: { id: 'prod-1', sequences: { '0': 0 } } };
    injectFault(stack.runnel.clients.dynamo, { command: 'UpdateItemCommand', phase: 'after', match: (i) => i.UpdateExpression.includes('list_append') });
    expect((await stack.request('POST', '/v1/topics/c/records', body)).status).toBeGreaterThanOrEqual(500);
    const hwm = await highWatermark(stack, 'c', 0);
    // The retry lands on another instance, as it would behind API Gateway.
    const retry = await stack.another().request('POST', '/v1/topics/c/records', body);
    expect(retry.status).toBe(200);
    expect(retry.body.offsets.map((o: any) => o.offset)).toEqual([hwm - 2, hwm - 1]);
    expect(await highWatermark(stack, 'c', 0)).toBe(hwm);
    acked.push({ offset: hwm - 2, tag: 9000 });
    const older = await stack.request('POST', '/v1/topics/c/records', { ...body, producer: { id: 'prod-1', sequences: { '0': 0 } } });
    expect(older.status).toBe(200);
    const next = await stack.request('POST', '/v1/topics/c/records', {
      records: [{ value: { tag: 9001 }, partition: 0 }, { value: { tag: 9001 }, partition: 0 }],
      producer: { id: 'prod-1', sequences: { '0': 2 } },
    });
    expect(next.status).toBe(200);
    acked.push({ offset: next.body.offsets[0].offset, tag: 9001 });
    const stale = await stack.request('POST', '/v1/topics/c/records', { ...body, producer: { id: 'prod-1', sequences: { '0': 1 } } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('out_of_order_sequence');
    await expectIntact(stack);
  });

  it('rolls that die after writing their chunk block nobody', async () => {
    const stack = await setup();
    const topicId = (await stack.runnel.topics.get('c')).topicId;
    const tailLength = async () => (await stack.runnel.log.head({ topicId, partition: 0 })).tail.length;
    // Every roll dies between its chunk write and its reset. Appends go on regardless (acknowledged),
    // each dead roll having left a chunk that the next, longer roll replaces.
    const fault = injectFault(stack.runnel.clients.dynamo, {
      command: 'UpdateItemCommand',
      phase: 'before',
      times: Number.POSITIVE_INFINITY,
      match: (i) => i.UpdateExpression.startsWith('SET tail = :empty'),
    });
    while ((await tailLength()) < 6) expect((await produce(stack)).status).toBe(200);
    expect(fault.count()).toBeGreaterThanOrEqual(2);
    // At twice the roll threshold appends are refused; this writer's own roll dies too, so it fails cleanly.
    const refused = await produce(stack);
    expect(refused.status).toBeGreaterThanOrEqual(500);
    expect(await tailLength()).toBe(6);
    fault.remove();
    await expectIntact(stack);
    expect(await tailLength()).toBeLessThan(6);
  });

  it('a slow writer blocks neither other writers nor readers', async () => {
    const stack = await setup();
    const slow = stack.another({ log: { maxTailEntries: 3 } });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    (slow.runnel.clients.dynamo.middlewareStack as any).add(
      (next: any, ctx: any) => async (args: any) => {
        if (ctx.commandName === 'UpdateItemCommand' && args.input.UpdateExpression.includes('list_append')) await gate;
        return next(args);
      },
      { step: 'initialize', name: 'gate' },
    );
    let slowDone = false;
    const slowWrite = produce(slow).then((r) => ((slowDone = true), r));
    for (let i = 0; i < 5; i++) expect((await produce(stack)).status).toBe(200);
    const read = await stack.request('GET', '/v1/topics/c/partitions/0/records?offset=0');
    expect(read.status).toBe(200);
    expect(slowDone).toBe(false);
    release();
    expect((await slowWrite).status).toBe(200);
    await expectIntact(stack);
  });
});
