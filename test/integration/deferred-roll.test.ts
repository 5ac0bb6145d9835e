import { describe, expect, it, vi } from 'vitest';
import { HeadStore } from '../../lib/log/head-store.js';
import { injectFault } from '../support/faults.js';
import { highWatermark, readAll } from '../support/records.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

/**
 * The roll off the produce path (docs/log-protocol.md, *Roll*): an append that finds the tail at
 * `maxTailEntries` answers at once, and its instance's next append to the partition rolls first,
 * alongside its segment PUT. Every interleaving the doc argues, on both backends.
 */
const MAX = 6;
/** What `fill` writes: MAX records, a0 … a5. */
const FILLED = Array.from({ length: MAX }, (_, i) => `a${i}`);
const isReset = (input: any) => String(input?.UpdateExpression ?? '').startsWith('SET tail = :empty');
const isAppend = (input: any) => String(input?.UpdateExpression ?? '').includes('list_append');
const isChunkWrite = (input: any) => input?.Item !== undefined && input.Item.entries !== undefined && input.Item.gen === undefined;

interface Call {
  command: string;
  input: any;
  sent: number;
  answered?: number;
}

/** Records, in order, every log-table and S3 call a stack makes: what was sent and answered before what. */
function trace(stack: TestStack): Call[] {
  const calls: Call[] = [];
  let tick = 0;
  for (const client of [stack.runnel.clients.dynamo, stack.runnel.clients.s3]) {
    (client.middlewareStack as any).add(
      (next: any, context: any) => async (args: any) => {
        const table = args.input?.TableName;
        if (table !== undefined && table !== stack.config.logTable) return next(args);
        const call: Call = { command: String(context.commandName).replace(/Command$/, ''), input: args.input, sent: tick++ };
        calls.push(call);
        try {
          return await next(args);
        } finally {
          call.answered = tick++;
        }
      },
      { step: 'initialize', name: `trace-${Math.random().toString(36).slice(2)}` },
    );
  }
  return calls;
}

/** Holds the first call `match` picks until `release()`; `reached` settles when it is held. */
function hold(stack: TestStack, match: (command: string, input: any) => boolean): { reached: Promise<void>; release: () => void } {
  let release!: () => void;
  let reachedNow!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const reached = new Promise<void>((r) => (reachedNow = r));
  let held = false;
  (stack.runnel.clients.dynamo.middlewareStack as any).add(
    (next: any, context: any) => async (args: any) => {
      if (!held && match(context.commandName, args.input)) {
        held = true;
        reachedNow();
        await gate;
      }
      return next(args);
    },
    { step: 'initialize', name: `hold-${Math.random().toString(36).slice(2)}` },
  );
  return { reached, release };
}

describe.each(BACKENDS)('the roll off the produce path (%s)', (backend) => {
  async function setup(config: Record<string, unknown> = {}) {
    const stack = await createTestStack(backend, { log: { maxTailEntries: MAX } });
    expect((await stack.request('POST', '/v1/topics', { name: 'c', partitions: 1, config })).status).toBe(201);
    const topicId = (await stack.runnel.topics.get('c')).topicId;
    // Its own clients, so that the traces and holds on the stack's see only the writers' calls.
    const heads = new HeadStore(stack.another().runnel.clients.dynamo, stack.config.logTable);
    const pk = `${topicId}#0`;
    const instance = () => stack.another({ log: { maxTailEntries: MAX } });
    const head = async () => (await heads.read(pk))!;
    return { stack, heads, pk, instance, head };
  }

  const produce = async (s: TestStack, tag: string, timestamp?: number) => {
    const res = await s.request('POST', '/v1/topics/c/records', { records: [{ partition: 0, value: { tag }, ...(timestamp ? { timestamp } : {}) }] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.offsets[0].offset as number;
  };

  /** Fills the tail from one instance, whose next append then rolls it. */
  const fill = async (s: TestStack) => {
    for (const tag of FILLED) await produce(s, tag);
  };

  const tags = async (s: TestStack, from = 0) => (await readAll(s, 'c', 0, from)).map((r) => r.value.tag);

  it('the append that fills the tail answers without rolling; the next one rolls alongside its PUT, before its own append', async () => {
    const { stack, head } = await setup();
    for (const tag of FILLED.slice(0, -1)) await produce(stack, tag);
    const calls = trace(stack);
    await produce(stack, FILLED.at(-1)!);
    expect(calls.map((c) => c.command)).toEqual(['PutObject', 'UpdateItem']);
    expect((await head()).tail).toHaveLength(MAX);
    calls.length = 0;
    expect(await produce(stack, 'next')).toBe(MAX);
    const put = calls.find((c) => c.command === 'PutObject')!;
    const read = calls.find((c) => c.command === 'GetItem')!;
    const chunk = calls.find((c) => c.command === 'PutItem')!;
    const reset = calls.find((c) => c.command === 'UpdateItem' && isReset(c.input))!;
    const append = calls.find((c) => c.command === 'UpdateItem' && isAppend(c.input))!;
    expect(calls).toHaveLength(5);
    // The roll starts before the PUT is sent and the append waits for the roll: with AWS's service
    // times the three roll calls fit inside the PUT, so the request pays one PUT and one UpdateItem.
    expect(read.sent).toBeLessThan(put.sent);
    expect(chunk.sent).toBeGreaterThan(read.answered!);
    expect(reset.sent).toBeGreaterThan(chunk.answered!);
    expect(append.sent).toBeGreaterThan(Math.max(reset.answered!, put.answered!));
    expect(await head()).toMatchObject({ tailBase: MAX, nextOffset: MAX + 1 });
    expect(await tags(stack.another())).toEqual([...FILLED, 'next']);
  });

  it('one writer: the tail never passes the threshold, and a roll costs one head read and two writes, none refused', async () => {
    const { stack, head } = await setup();
    await produce(stack, 'first'); // its anchor read (a head read once per partition and process) is not a roll's
    const calls = trace(stack);
    const lengths: number[] = [];
    for (let i = 1; i < 4 * MAX; i++) {
      await produce(stack, `r${i}`);
      lengths.push((await head()).tail.length);
    }
    // Rolled at the appends after the MAX-th, 2·MAX-th and 3·MAX-th: the tail held MAX entries at most, as when
    // the filling writer rolled before answering, so an append rewrites a head no larger than before.
    expect(Math.max(...lengths)).toBe(MAX);
    const count = (command: string) => calls.filter((c) => c.command === command).length;
    expect([count('GetItem'), count('PutItem'), count('UpdateItem'), count('PutObject')]).toEqual([3, 3, 4 * MAX - 1 + 3, 4 * MAX - 1]);
    expect(await head()).toMatchObject({ tailBase: 3 * MAX, nextOffset: 4 * MAX });
  });

  it('writers of one process refused at the hard limit share one roll', async () => {
    const { stack, instance, head } = await setup();
    // Every reset dies until the tail is at the hard limit (twice the threshold).
    const resets = injectFault(stack.runnel.clients.dynamo, { command: 'UpdateItemCommand', phase: 'before', times: Number.POSITIVE_INFINITY, match: isReset });
    for (let i = 0; i < 2 * MAX; i++) await produce(stack, `a${i}`);
    resets.remove();
    expect(await head()).toMatchObject({ tailBase: 0, nextOffset: 2 * MAX });
    // A process with no roll due sends four appends at once; all are refused, and each reads the head.
    // The first to get there rolls; its chunk write is held until all four have read the head, so the
    // other three find its roll in flight and wait for it instead of rolling the same tail.
    const fresh = instance();
    // Its anchor first (docs/log-protocol.md, *Ambiguous appends*), so that its only head reads below
    // are those that follow refused appends.
    await fresh.runnel.log.head({ topicId: (await fresh.runnel.topics.get('c')).topicId, partition: 0 });
    const calls = trace(fresh);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let headReads = 0;
    (fresh.runnel.clients.dynamo.middlewareStack as any).add(
      (next: any, context: any) => async (args: any) => {
        if (context.commandName === 'PutItemCommand' && isChunkWrite(args.input)) await gate;
        const result = await next(args);
        if (context.commandName === 'GetItemCommand' && args.input.TableName === stack.config.logTable && ++headReads === 4) release();
        return result;
      },
      { step: 'initialize', name: 'hold-chunk-until-all-refused' },
    );
    const offsets = await Promise.all([0, 1, 2, 3].map((w) => produce(fresh, `w${w}`)));
    expect(offsets.sort((x, y) => x - y)).toEqual([0, 1, 2, 3].map((w) => 2 * MAX + w));
    expect(calls.filter((c) => c.command === 'UpdateItem' && isAppend(c.input)).length).toBeGreaterThanOrEqual(8);
    expect(calls.filter((c) => c.command === 'PutItem')).toHaveLength(1);
    expect(calls.filter((c) => c.command === 'UpdateItem' && isReset(c.input))).toHaveLength(1);
    expect(await head()).toMatchObject({ tailBase: 2 * MAX });
  });

  it('a reader between the chunk write and the reset reads every record from the tail', async () => {
    const { stack, instance } = await setup();
    await fill(stack);
    const reset = hold(stack, (command, input) => command === 'UpdateItemCommand' && isReset(input));
    const writing = produce(stack, 'next');
    await reset.reached;
    expect(await tags(instance())).toEqual(FILLED);
    reset.release();
    expect(await writing).toBe(MAX);
    expect(await tags(instance())).toEqual([...FILLED, 'next']);
  });

  it('a slow roller whose chunk write arrives after another roll reset past it changes nothing', async () => {
    const { stack, heads, pk, instance, head } = await setup();
    const [b, c] = [instance(), instance()];
    await fill(stack);
    await produce(c, 'c0'); // the tail is at MAX + 1; stack's roll is due, and now c's too
    // stack's roll reads MAX + 1 entries, then its chunk write is held while b appends (finding MAX + 2,
    // so its roll is due) and then, at its next append, rolls the longer tail.
    const chunk = hold(stack, (command, input) => command === 'PutItemCommand' && isChunkWrite(input));
    const slow = produce(stack, 'slow');
    await chunk.reached;
    await produce(b, 'b0');
    await produce(b, 'b1');
    expect(await head()).toMatchObject({ tailBase: MAX + 2 });
    chunk.release();
    expect(await slow).toBe(MAX + 3);
    const rolled = (await heads.chunkAt(pk, 0))!;
    expect(rolled.entries).toHaveLength(MAX + 2);
    expect(rolled.nextBase).toBe(MAX + 2);
    expect(await tags(instance())).toEqual([...FILLED, 'c0', 'b0', 'b1', 'slow']);
  });

  it('a roll whose reset is overtaken by a longer roll at the same base fails harmlessly', async () => {
    const { stack, heads, pk, instance, head } = await setup();
    const [b, c] = [instance(), instance()];
    await fill(stack);
    await produce(b, 'b0'); // b's roll is due
    // stack's roll writes a chunk of MAX + 1 entries; while its reset is held, c appends and b's
    // roll copies MAX + 2 entries over that chunk and resets.
    const reset = hold(stack, (command, input) => command === 'UpdateItemCommand' && isReset(input));
    const slow = produce(stack, 'slow');
    await reset.reached;
    expect((await heads.chunkAt(pk, 0))!.entries).toHaveLength(MAX + 1);
    await produce(c, 'c0');
    await produce(b, 'b1');
    reset.release();
    expect(await slow).toBe(MAX + 3);
    expect((await heads.chunkAt(pk, 0))!.entries).toHaveLength(MAX + 2);
    expect(await head()).toMatchObject({ tailBase: MAX + 2, nextOffset: MAX + 4 });
    expect(await tags(instance())).toEqual([...FILLED, 'b0', 'c0', 'b1', 'slow']);
  });

  it('a chunk write that arrives after retention deleted its chunk leaves only garbage below the log start, which retention removes', async () => {
    const { stack, heads, pk, instance, head } = await setup({ 'retention.ms': 1000 });
    const [b, c] = [instance(), instance()];
    await fill(stack);
    await produce(c, 'c0');
    const chunk = hold(stack, (command, input) => command === 'PutItemCommand' && isChunkWrite(input));
    const slow = produce(stack, 'slow', Date.now() + 30 * 60_000);
    await chunk.reached;
    await produce(b, 'b0');
    await produce(b, 'b1'); // b rolls MAX + 2 entries: the chunk at 0 now ends at MAX + 2
    const now = Date.now() + 10_000;
    await stack.runnel.maintain({ now }); // everything so far expires: the log start is MAX + 3
    await stack.runnel.maintain({ now: now + 61_000 }); // and the chunk at 0 goes, with its segments
    expect(await heads.chunkAt(pk, 0)).toBeUndefined();
    chunk.release();
    expect(await slow).toBe(MAX + 3);
    // The late write put back a chunk of MAX + 1 entries at 0, wholly below the log start: no read,
    // index search or describe below the tail reaches it.
    expect((await heads.chunkAt(pk, 0))?.nextBase).toBe(MAX + 1);
    expect(await head()).toMatchObject({ logStartOffset: MAX + 3, nextOffset: MAX + 4 });
    expect(await tags(instance(), MAX + 3)).toEqual(['slow']);
    const desc = await stack.request('GET', '/v1/topics/c');
    expect(desc.body.partitionStates[0]).toMatchObject({ logStartOffset: MAX + 3, highWatermark: MAX + 4 });
    // The next pass deletes it as it deletes any chunk below the mark; the live record stays.
    await stack.runnel.maintain({ now: now + 62_000 });
    expect(await heads.chunkAt(pk, 0)).toBeUndefined();
    expect(await tags(instance(), MAX + 3)).toEqual(['slow']);
  });

  it('a chunk write that arrives after a merge rewrote its chunk is refused', async () => {
    const { stack, heads, pk, instance, head } = await setup();
    const [b, c] = [instance(), instance()];
    await fill(stack);
    await produce(c, 'c0');
    const chunk = hold(stack, (command, input) => command === 'PutItemCommand' && isChunkWrite(input));
    const slow = produce(stack, 'slow');
    await chunk.reached;
    await produce(b, 'b0');
    await produce(b, 'b1');
    expect((await head()).tailBase).toBe(MAX + 2);
    // A merge (no settle time: on AWS segments younger than 15 minutes are left alone) rewrites the
    // chunk at 0 into one of fewer entries than the held write carries.
    expect((await b.runnel.maintain({ cleaner: { settleMs: 0, mergeAfterMs: 0, minMergeEntries: 2 } })).cleaning.swaps).toBeGreaterThan(0);
    const merged = (await heads.chunkAt(pk, 0))!;
    expect(merged.gen).toBeDefined();
    expect(merged.entries.length).toBeLessThan(MAX + 1);
    chunk.release();
    expect(await slow).toBe(MAX + 3);
    expect(await heads.chunkAt(pk, 0)).toEqual(merged);
    expect(await tags(instance())).toEqual([...FILLED, 'c0', 'b0', 'b1', 'slow']);
  });

  it('a chunk write that arrives after a merge deleted its chunk (the cleaner rolled an idle tail of old entries and merged it at once) leaves every offset readable', async () => {
    const { stack, instance } = await setup();
    const c = instance();
    const cleaner = { settleMs: 10 * 60_000, mergeAfterMs: 10 * 60_000, minMergeEntries: 2 };
    await fill(stack);
    const second = ['r', 's1', 's2', 's3', 's4', 's5'];
    for (const tag of second) await produce(stack, tag); // 'r' rolled the chunk at 0; the tail at MAX is full again
    await produce(c, 'c0'); // MAX + 1 entries at MAX: stack's roll is due
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      // The writers go quiet for 20 minutes: every entry is old enough to merge.
      vi.setSystemTime(Date.now() + 20 * 60_000);
      // stack's next append reads the head to roll it, and its chunk write is held, while maintenance
      // rolls the same tail (the chunk at MAX, reset to 2 × MAX + 1) and merges the chunks below the tail.
      const chunk = hold(stack, (command, input) => command === 'PutItemCommand' && isChunkWrite(input));
      const slow = produce(stack, 'slow');
      await chunk.reached;
      await instance().runnel.maintain({ cleaner });
      chunk.release();
      expect(await slow).toBe(2 * MAX + 1);
      // Past the deletion delay, the segments a merge replaced are gone.
      vi.setSystemTime(Date.now() + 2 * 60_000);
      await instance().runnel.maintain({ cleaner });
      const all = [...FILLED, ...second, 'c0', 'slow'];
      expect(await tags(instance())).toEqual(all);
      for (const from of [MAX, MAX + 3, 2 * MAX]) expect(await tags(instance(), from)).toEqual(all.slice(from));
      // Once no roll's chunk write for it can still arrive, the chunk at MAX is merged too.
      vi.setSystemTime(Date.now() + cleaner.settleMs);
      expect((await instance().runnel.maintain({ cleaner })).cleaning.swaps).toBeGreaterThan(0);
      vi.setSystemTime(Date.now() + 2 * 60_000);
      await instance().runnel.maintain({ cleaner });
      for (const from of [0, MAX, MAX + 3, 2 * MAX]) expect(await tags(instance(), from)).toEqual(all.slice(from));
    } finally {
      vi.useRealTimers();
    }
  });

  it('a reader whose head read is overtaken by the cleaner rolling that tail and merging it gets each offset once', async () => {
    const { stack, instance } = await setup();
    await fill(stack);
    const second = ['r', 's1', 's2', 's3', 's4', 's5'];
    for (const tag of second) await produce(stack, tag); // 'r' rolled the chunk at 0; the tail at MAX is full again
    // The reader has read the head (tail base MAX) when maintenance rolls the tail and merges it with
    // the chunk at 0 (no settle time: on AWS a chunk rolled less than 15 minutes ago is left alone).
    const reader = instance();
    const query = hold(reader, (command) => command === 'QueryCommand');
    const reading = reader.request('GET', '/v1/topics/c/partitions/0/records?offset=0');
    await query.reached;
    expect((await stack.runnel.maintain({ cleaner: { settleMs: 0, mergeAfterMs: 0, minMergeEntries: 2 } })).cleaning.swaps).toBeGreaterThan(0);
    query.release();
    const res = await reading;
    expect(res.status).toBe(200);
    expect(res.body.records.map((r: any) => r.offset)).toEqual(Array.from({ length: 2 * MAX }, (_, i) => i));
    expect(res.body.records.map((r: any) => r.value.tag)).toEqual([...FILLED, ...second]);
  });

  it('a roll that dies after its chunk write: the append commits, and the next roll finishes the job', async () => {
    const { stack, instance, head } = await setup();
    await fill(stack);
    const fault = injectFault(stack.runnel.clients.dynamo, { command: 'UpdateItemCommand', phase: 'before', match: isReset });
    expect(await produce(stack, 'after-dead-roll')).toBe(MAX);
    expect(fault.count()).toBe(1);
    expect(await head()).toMatchObject({ tailBase: 0, nextOffset: MAX + 1 });
    expect(await produce(stack, 'next')).toBe(MAX + 1);
    expect(await head()).toMatchObject({ tailBase: MAX + 1, nextOffset: MAX + 2 });
    expect(await tags(instance())).toEqual([...FILLED, 'after-dead-roll', 'next']);
  });

  it('a roll whose reset applied but whose answer was lost: the append commits after it', async () => {
    const { stack, instance, head } = await setup();
    await fill(stack);
    injectFault(stack.runnel.clients.dynamo, { command: 'UpdateItemCommand', phase: 'after', match: isReset });
    expect(await produce(stack, 'next')).toBe(MAX);
    expect(await head()).toMatchObject({ tailBase: MAX, nextOffset: MAX + 1 });
    expect(await tags(instance())).toEqual([...FILLED, 'next']);
  });

  it('a request that dies after its roll, before its append, leaves nothing visible and the roll in place', async () => {
    const { stack, instance, head } = await setup();
    await fill(stack);
    injectFault(stack.runnel.clients.dynamo, { command: 'UpdateItemCommand', phase: 'before', match: isAppend });
    const res = await stack.request('POST', '/v1/topics/c/records', { records: [{ partition: 0, value: { tag: 'died' } }] });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(await head()).toMatchObject({ tailBase: MAX, nextOffset: MAX, tail: [] });
    expect(await produce(stack, 'next')).toBe(MAX);
    expect(await tags(instance())).toEqual([...FILLED, 'next']);
  });

  it('a roll in flight when its topic is deleted touches nothing the re-created topic holds', async () => {
    const { stack, instance } = await setup();
    await fill(stack);
    const chunk = hold(stack, (command, input) => command === 'PutItemCommand' && isChunkWrite(input));
    const slow = stack.request('POST', '/v1/topics/c/records', { records: [{ partition: 0, value: { tag: 'slow' } }] });
    await chunk.reached;
    const other = instance();
    expect((await other.request('DELETE', '/v1/topics/c')).status).toBeLessThan(300);
    await other.runnel.purge();
    expect((await other.request('POST', '/v1/topics', { name: 'c', partitions: 1 })).status).toBe(201);
    chunk.release();
    // Refused by the fence, or written to the new topic after re-reading it: never to the old log.
    const late = await slow;
    expect([200, 404]).toContain(late.status);
    await produce(other, 'new');
    const expected = late.status === 200 ? ['slow', 'new'] : ['new'];
    expect(await tags(instance())).toEqual(expected);
  });

  it('concurrent writers over several partitions with rolls racing: every acknowledged offset readable once, no gaps', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 3 } });
    expect((await stack.request('POST', '/v1/topics', { name: 'hot', partitions: 3 })).status).toBe(201);
    const instances = [stack, ...Array.from({ length: 3 }, () => stack.another({ log: { maxTailEntries: 3 } }))];
    // Slow chunk writes on two instances, so that rolls overlap appends and one another.
    for (const s of instances.slice(0, 2)) {
      injectFault(s.runnel.clients.dynamo, { command: 'PutItemCommand', phase: 'before', delayMs: 15, times: Number.POSITIVE_INFINITY, match: isChunkWrite });
    }
    const acked = new Map<string, string>();
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        const s = instances[w % instances.length]!;
        for (let n = 0; n < 12; n++) {
          const records = [0, 1, 2].map((partition) => ({ partition, value: { w, n, partition } }));
          const res = await s.request('POST', '/v1/topics/hot/records', { records });
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          res.body.offsets.forEach((o: any) => acked.set(`${o.partition}:${o.offset}`, `${w}:${n}`));
        }
      }),
    );
    for (const partition of [0, 1, 2]) {
      const all = await readAll(stack.another(), 'hot', partition);
      expect(all.map((r) => r.offset)).toEqual(all.map((_, i) => i));
      expect(all).toHaveLength(8 * 12);
      for (const r of all) expect(acked.get(`${partition}:${r.offset}`)).toBe(`${r.value.w}:${r.value.n}`);
      expect(await highWatermark(stack, 'hot', partition)).toBe(8 * 12);
    }
  });
});
