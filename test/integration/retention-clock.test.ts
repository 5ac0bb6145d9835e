import { describe, expect, it } from 'vitest';
import { HeadStore } from '../../lib/log/head-store.js';
import { partitionKey } from '../../lib/log/partition-log.js';
import { applyRetention, FILE_DELETE_DELAY_MS } from '../../lib/log/retention.js';
import { SegmentStore } from '../../lib/log/segment-store.js';
import { BACKENDS, createTestStack } from '../support/stack.js';

/**
 * The deletion delay is counted from when the log start moves. A maintenance run that reaches a
 * partition late (a long run, many partitions) must not set a mark that is already ripe, or a read that
 * began just before the move would find its data deleted by the next run.
 */
describe.each(BACKENDS)('retention clock (%s)', (backend) => {
  it('times the deletion mark when it is set, not when the run began', async () => {
    const stack = await createTestStack(backend, { log: { maxTailEntries: 2 } });
    await stack.request('POST', '/v1/topics', { name: 'd', partitions: 1, config: { 'retention.ms': 1000 } });
    const old = Date.now() - 3_600_000;
    for (let i = 0; i < 5; i++) expect((await stack.request('POST', '/v1/topics/d/records', { records: [{ value: { i }, timestamp: old }] })).status).toBe(200);
    const topic = await stack.runnel.topics.get('d');
    const ref = { topicId: topic.topicId, partition: 0 };
    const heads = new HeadStore(stack.runnel.clients.dynamo, stack.config.logTable);
    const segments = new SegmentStore(stack.runnel.clients.s3, stack.config.bucket);
    // The run's clock reads 1 000 when the partition's turn comes and 62 000 by the time the mark is set.
    const readings = [1_000 + Date.now(), 62_000 + Date.now()];
    let reads = 0;
    const clock = () => readings[Math.min(reads++, readings.length - 1)]!;
    const result = await applyRetention({ log: stack.runnel.log, heads, segments, ref, config: topic.config, clock, deadline: Infinity });
    expect(result.logStartOffset).toBe(5);
    const head = (await heads.read(partitionKey(ref)))!;
    expect(head.deleteBelow).toBe(5);
    expect(head.deleteAfter).toBe(readings[1]! + FILE_DELETE_DELAY_MS);
  });
});
