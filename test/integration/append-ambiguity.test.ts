import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { countCommands, countMatching, injectFault } from '../support/faults.js';
import { highWatermark, readAll } from '../support/records.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

const isAppend = (input: any) => typeof input?.UpdateExpression === 'string' && input.UpdateExpression.includes('list_append');

/**
 * An append whose answer is lost (a timeout, a reset connection, a 5xx) may or may not have been
 * applied. Whatever happened, the batch must end up committed exactly once, acknowledged at the
 * offsets it holds, and its segment object must never be deleted while an entry names it.
 */
describe.each(BACKENDS)('ambiguous appends (%s)', (backend) => {
  async function setup(): Promise<TestStack> {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 3 } });
    await stack.request('POST', '/v1/topics', { name: 'c', partitions: 1 });
    for (let i = 0; i < 4; i++) expect((await stack.request('POST', '/v1/topics/c/records', { records: [{ value: { tag: `warm-${i}` } }] })).status).toBe(200);
    return stack;
  }

  const batch = (tag: string, producerId?: string) => ({
    records: [
      { value: { tag }, partition: 0 },
      { value: { tag }, partition: 0 },
    ],
    ...(producerId ? { producer: { id: producerId, sequences: { '0': 0 } } } : {}),
  });

  /** Lets the first append through to DynamoDB, then runs `meanwhile`, then loses the answer with a retryable timeout. */
  function loseFirstAppendAnswer(stack: TestStack, meanwhile: () => Promise<void>): { fired: () => boolean } {
    let fired = false;
    (stack.runnel.clients.dynamo.middlewareStack as any).add(
      (next: any, context: any) => async (args: any) => {
        if (fired || context.commandName !== 'UpdateItemCommand' || !isAppend(args.input)) return next(args);
        fired = true;
        await next(args);
        await meanwhile();
        throw Object.assign(new Error('socket timed out after the append was applied'), { name: 'TimeoutError', code: 'ETIMEDOUT', $metadata: {} });
      },
      { step: 'deserialize', priority: 'low', name: 'lose-first-append-answer' },
    );
    return { fired: () => fired };
  }

  for (const producerId of [undefined, 'prod-roll']) {
    it(`a committed append whose answer is lost while the tail rolls is acknowledged once at its offsets (${producerId ? 'idempotent' : 'plain'})`, async () => {
      const stack = await setup();
      const other = stack.another({ log: { maxTailEntries: 3 } });
      const hwm = await highWatermark(stack, 'c', 0);
      // Three appends from another instance fill the tail (maxTailEntries 3), so it rolls into a chunk.
      const loss = loseFirstAppendAnswer(stack, async () => {
        for (let i = 0; i < 3; i++) expect((await other.request('POST', '/v1/topics/c/records', { records: [{ value: { tag: `other-${i}` } }] })).status).toBe(200);
      });
      const res = await stack.request('POST', '/v1/topics/c/records', batch('lost-answer', producerId));
      expect(loss.fired()).toBe(true);
      expect(res.status).toBe(200);
      expect(res.body.offsets.map((o: any) => o.offset)).toEqual([hwm, hwm + 1]);
      expect(await highWatermark(stack, 'c', 0)).toBe(hwm + 2 + 3);
      const all = await readAll(stack.another(), 'c', 0);
      expect(all[hwm].value).toEqual({ tag: 'lost-answer' });
      expect(all[hwm + 1].value).toEqual({ tag: 'lost-answer' });
      expect(all.filter((r) => r.value.tag === 'lost-answer')).toHaveLength(2);
    });
  }

  it('a lost answer whose entry a merge may have renamed meanwhile is answered 503, never committed a second time', async () => {
    const stack = await setup();
    const other = stack.another({ log: { maxTailEntries: 3 } });
    const hwm = await highWatermark(stack, 'c', 0);
    // The tail rolls with the entry in it, and a merge (no settle time: the guard that prevents this on
    // AWS is off) rewrites that chunk under new segment names before the writer looks for its entry.
    const loss = loseFirstAppendAnswer(stack, async () => {
      for (let i = 0; i < 3; i++) expect((await other.request('POST', '/v1/topics/c/records', { records: [{ value: { tag: `other-${i}` } }] })).status).toBe(200);
      expect((await other.runnel.maintain({ cleaner: { settleMs: 0, mergeAfterMs: 0, minMergeEntries: 2 } })).cleaning.swaps).toBeGreaterThan(0);
    });
    const res = await stack.request('POST', '/v1/topics/c/records', batch('lost-answer'));
    expect(loss.fired()).toBe(true);
    expect(res.status).toBe(503);
    // It did commit, once: a client's retry would write it again under a new segment (at-least-once).
    const all = await readAll(stack.another(), 'c', 0);
    expect(all.filter((r) => r.value.tag === 'lost-answer').map((r) => r.offset)).toEqual([hwm, hwm + 1]);
  });

  it('an instance that has not written for a minute still resolves a lost answer after retention passed its last view of the log', async () => {
    const stack = await setup();
    const other = stack.another({ log: { maxTailEntries: 3 } });
    // The other instance writes on and rolls; retention then moves the log start past every tail
    // base this instance has seen.
    for (let i = 0; i < 6; i++) expect((await other.request('POST', '/v1/topics/c/records', { records: [{ value: { tag: `later-${i}` } }] })).status).toBe(200);
    await other.runnel.maintain({ now: Date.now() + 8 * 24 * 60 * 60 * 1000 });
    const { logStartOffset, highWatermark: hwm } = (await stack.request('GET', '/v1/topics/c')).body.partitionStates[0];
    expect(logStartOffset).toBeGreaterThan(4);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 61_000);
      loseFirstAppendAnswer(stack, async () => {
        for (let i = 0; i < 3; i++) expect((await other.request('POST', '/v1/topics/c/records', { records: [{ value: { tag: `roll-${i}` } }] })).status).toBe(200);
      });
      const res = await stack.request('POST', '/v1/topics/c/records', batch('after-a-pause'));
      expect(res.status).toBe(200);
      expect(res.body.offsets.map((o: any) => o.offset)).toEqual([hwm, hwm + 1]);
    } finally {
      vi.useRealTimers();
    }
    expect(await highWatermark(stack, 'c', 0)).toBe(hwm + 2 + 3);
  });

  it('an append that timed out before reaching DynamoDB is appended exactly once', async () => {
    const stack = await setup();
    const hwm = await highWatermark(stack, 'c', 0);
    const fault = injectFault(stack.runnel.clients.dynamo, { command: 'UpdateItemCommand', phase: 'before', layer: 'insideRetry', match: isAppend });
    const res = await stack.request('POST', '/v1/topics/c/records', batch('never-sent'));
    expect(fault.count()).toBe(1);
    expect(res.status).toBe(200);
    expect(res.body.offsets.map((o: any) => o.offset)).toEqual([hwm, hwm + 1]);
    expect(await highWatermark(stack, 'c', 0)).toBe(hwm + 2);
    const all = await readAll(stack.another(), 'c', 0);
    expect(all.filter((r) => r.value.tag === 'never-sent').map((r) => r.offset)).toEqual([hwm, hwm + 1]);
  });

  it('an append whose outcome cannot be found out fails without deleting its committed segment', async () => {
    const stack = await setup();
    const hwm = await highWatermark(stack, 'c', 0);
    loseFirstAppendAnswer(stack, async () => undefined);
    // Every read of the head fails from now on, so the writer cannot tell whether its append committed.
    const blind = injectFault(stack.runnel.clients.dynamo, {
      command: 'GetItemCommand',
      phase: 'before',
      times: Number.POSITIVE_INFINITY,
      match: (input) => input.TableName === stack.config.logTable,
    });
    const res = await stack.request('POST', '/v1/topics/c/records', batch('unknown-outcome'));
    blind.remove();
    expect(res.status).toBeGreaterThanOrEqual(500);
    // Committed without an acknowledgement (at-least-once), and readable: the segment was kept.
    expect(await highWatermark(stack, 'c', 0)).toBe(hwm + 2);
    const all = await readAll(stack.another(), 'c', 0);
    expect(all.filter((r) => r.value.tag === 'unknown-outcome').map((r) => r.offset)).toEqual([hwm, hwm + 1]);
  });

  it('a throttled append is retried by the SDK, with no need to find out whether it committed', async () => {
    const stack = await setup();
    const hwm = await highWatermark(stack, 'c', 0);
    let throttled = 0;
    (stack.runnel.clients.dynamo.middlewareStack as any).add(
      (next: any, context: any) => async (args: any) => {
        if (throttled > 0 || context.commandName !== 'UpdateItemCommand' || !isAppend(args.input)) return next(args);
        throttled++;
        throw new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: { httpStatusCode: 400 } });
      },
      { step: 'deserialize', priority: 'low', name: 'throttle-first-append' },
    );
    const counts = countCommands(stack.runnel.clients.dynamo);
    const headReads = countMatching(stack.runnel.clients.dynamo, (command, input) => command === 'GetItemCommand' && input.TableName === stack.config.logTable);
    const res = await stack.request('POST', '/v1/topics/c/records', batch('throttled'));
    expect(throttled).toBe(1);
    expect(res.status).toBe(200);
    expect(res.body.offsets[0].offset).toBe(hwm);
    // One UpdateItem call from the caller's side (the SDK retried inside it); no head read to resolve an ambiguity.
    expect(counts.get('UpdateItemCommand')).toBe(1);
    expect(headReads()).toBe(0);
    expect(await highWatermark(stack, 'c', 0)).toBe(hwm + 2);
  });
});
