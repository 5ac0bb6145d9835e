import { describe, expect, it } from 'vitest';
import { injectFault } from '../support/faults.js';
import { BACKENDS, createTestStack } from '../support/stack.js';

/**
 * Retention's deletion step lists a chunk that a roll has written but not yet reset past (it lost its
 * reset to an append), while the log start is inside the tail. Between that Query and the DeleteItem,
 * another roll replaces the chunk with a longer one (holding records above the log start) and resets.
 * The unconditional deleteChunk then removes the final chunk.
 */
describe.each(BACKENDS)('retention racing a roll (%s)', (backend) => {
  it('an acknowledged record above the log start stays readable', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 8 } });
    const other = stack.another({ log: { maxTailEntries: 8 } });
    expect((await stack.request('POST', '/v1/topics', { name: 'r', partitions: 1, config: { 'retention.ms': 1000 } })).status).toBe(201);
    const produce = async (s: typeof stack, tag: string, timestamp?: number) => {
      const res = await s.request('POST', '/v1/topics/r/records', { records: [{ partition: 0, value: { tag }, ...(timestamp ? { timestamp } : {}) }] });
      expect(res.status).toBe(200);
      return res.body.offsets[0].offset as number;
    };
    for (let i = 1; i <= 8; i++) await produce(stack, `a${i}`);
    // The 8th append filled the tail, so this instance's next append rolls first (alongside its PUT);
    // an append from another instance lands between the roll's chunk PutItem and its reset.
    let raced = false;
    (stack.runnel.clients.dynamo.middlewareStack as any).add(
      (next: any) => async (args: any) => {
        if (!raced && String(args.input?.UpdateExpression ?? '').includes('tailBase = :newBase')) {
          raced = true;
          await produce(other, 'x');
        }
        return next(args);
      },
      { step: 'initialize', name: 'race-the-reset' },
    );
    await produce(stack, 'a9');
    expect(raced).toBe(true);
    // Everything so far expires: the log start moves to the high watermark, inside the tail. The
    // maintenance pass would roll the tail (it is past the threshold); its chunk write is throttled,
    // so the short chunk stays.
    const now1 = Date.now() + 10_000;
    const maintenanceRoll = injectFault(stack.runnel.clients.dynamo, { command: 'PutItemCommand', phase: 'before', error: 'throttle', layer: 'outside', match: (i) => i.Item?.entries !== undefined });
    await stack.runnel.maintain({ now: now1 });
    expect(maintenanceRoll.count()).toBe(1);
    let desc = await stack.request('GET', '/v1/topics/r');
    expect(desc.body.partitionStates[0]).toMatchObject({ logStartOffset: 10, highWatermark: 10 });
    // The next run deletes below the mark; while it deletes the objects, a record (kept by retention:
    // its timestamp is half an hour ahead) is acknowledged, and then the first instance's next append
    // rolls the tail, the kept record's entry with it, into a longer chunk at the same base.
    let acked = -1;
    (stack.runnel.clients.s3.middlewareStack as any).add(
      (next: any, context: any) => async (args: any) => {
        if (acked < 0 && context.commandName === 'DeleteObjectsCommand') {
          acked = await produce(stack.another({ log: { maxTailEntries: 8 } }), 'kept', Date.now() + 30 * 60_000);
          await produce(stack, 'later', Date.now() + 30 * 60_000);
        }
        return next(args);
      },
      { step: 'initialize', name: 'append-during-deletion' },
    );
    await stack.runnel.maintain({ now: now1 + 61_000 });
    expect(acked).toBe(10);
    const topicId = (await stack.runnel.topics.get('r')).topicId;
    expect((await stack.runnel.log.head({ topicId, partition: 0 })).tailBase).toBe(11);
    desc = await stack.request('GET', '/v1/topics/r');
    expect(desc.body.partitionStates[0]).toMatchObject({ logStartOffset: 10, highWatermark: 12 });
    const res = await stack.another().request('GET', '/v1/topics/r/partitions/0/records?offset=10');
    expect(res.status).toBe(200); // on main: 500 internal_error (IndexGapError), on both backends
    expect(res.body.records.map((r: any) => r.value.tag)).toEqual(['kept', 'later']);
    // An hour on, the orphan sweep finds the record's segment unreferenced (on main it deletes it: orphansDeleted 2).
    const sweep = await stack.runnel.maintain({ now: Date.now() + 2 * 3600_000, sweepOrphans: true });
    expect(sweep.orphansDeleted).toBe(0);
  });
});
