import { describe, expect, it } from 'vitest';
import { countMatching } from '../support/faults.js';
import { BACKENDS, createTestStack, type TestStack } from '../support/stack.js';

const fetchMany = (stack: TestStack, topic: string, body: unknown) => stack.request('POST', `/v1/topics/${topic}/fetch`, body);

async function produceTo(stack: TestStack, topic: string, partition: number, values: unknown[]) {
  const res = await stack.request('POST', `/v1/topics/${topic}/records`, { records: values.map((value) => ({ value, partition })) });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe.each(BACKENDS)('multi-partition fetch (%s)', (backend) => {
  it('answers many partitions in one request, in the order named, within limit and maxBytes for the whole answer', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 4 });
    for (let p = 0; p < 4; p++) await produceTo(stack, 'orders', p, Array.from({ length: 3 }, (_, i) => `p${p}-${i}`));
    const all = await fetchMany(stack, 'orders', { partitions: [3, 1, 0, 2].map((partition) => ({ partition, offset: 1 })) });
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body.topicId).toBe((await stack.request('GET', '/v1/topics/orders')).body.topicId);
    expect(all.body.partitions.map((p: any) => [p.partition, p.records.map((r: any) => r.value), p.nextOffset, p.highWatermark, p.logStartOffset])).toEqual([
      [3, ['p3-1', 'p3-2'], 3, 3, 0],
      [1, ['p1-1', 'p1-2'], 3, 3, 0],
      [0, ['p0-1', 'p0-2'], 3, 3, 0],
      [2, ['p2-1', 'p2-2'], 3, 3, 0],
    ]);
    // limit counts records across partitions: the first partitions fill it, the rest answer none and
    // keep the offset asked for.
    const limited = await fetchMany(stack, 'orders', { partitions: [0, 1, 2].map((partition) => ({ partition, offset: 0 })), limit: 4 });
    expect(limited.body.partitions.map((p: any) => [p.records.length, p.nextOffset])).toEqual([[3, 3], [1, 1], [0, 0]]);
    // maxBytes too; the first record is always answered, however large.
    const tiny = await fetchMany(stack, 'orders', { partitions: [2, 0].map((partition) => ({ partition, offset: 0 })), maxBytes: 1 });
    expect(tiny.body.partitions.map((p: any) => [p.records.length, p.nextOffset])).toEqual([[1, 1], [0, 0]]);
    // The same records as the single-partition route.
    const single = await stack.request('GET', '/v1/topics/orders/partitions/1/records?offset=1');
    expect(all.body.partitions[1].records).toEqual(single.body.records);
  });

  it("gives an offset outside a partition's log its own error and answers the others", async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 2 });
    await produceTo(stack, 'orders', 0, ['a']);
    const res = await fetchMany(stack, 'orders', { partitions: [{ partition: 1, offset: 5 }, { partition: 0, offset: 0 }], waitMs: 5000 });
    expect(res.status).toBe(200);
    expect(res.body.partitions[0]).toMatchObject({ partition: 1, records: [], nextOffset: 5, highWatermark: 0, logStartOffset: 0, error: { code: 'offset_out_of_range' } });
    expect(res.body.partitions[1].records.map((r: any) => r.value)).toEqual(['a']);
    // An out-of-range partition is news: the answer does not wait.
    const alone = await fetchMany(stack, 'orders', { partitions: [{ partition: 1, offset: 5 }], waitMs: 20_000 });
    expect(alone.body.partitions[0].error.code).toBe('offset_out_of_range');
  });

  it('refuses bad requests with a 400 naming the field', async () => {
    const stack = await createTestStack(backend);
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 2 });
    const cases: Array<[unknown, string]> = [
      [{ partitions: [] }, 'partitions'],
      [{ partitions: [{ partition: 0, offset: 0 }, { partition: 0, offset: 1 }] }, 'partitions[1].partition'],
      [{ partitions: [{ partition: 2, offset: 0 }] }, 'partitions[0].partition'],
      [{ partitions: [{ partition: 0, offset: -1 }] }, 'partitions[0].offset'],
      [{ partitions: [{ partition: 0, offset: 0 }], waitMs: 20_001 }, 'waitMs'],
      [{ partitions: [{ partition: 0, offset: 0 }], limit: 0 }, 'limit'],
      [{ partitions: [{ partition: 0, offset: 0 }], extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await fetchMany(stack, 'orders', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.field, JSON.stringify(res.body)).toBe(field);
    }
    expect((await fetchMany(stack, 'nope', { partitions: [{ partition: 0, offset: 0 }] })).status).toBe(404);
    expect((await stack.request('POST', '/v1/topics/orders/fetch', 'not json')).body.error.code).toBe('invalid_json');
  });

  it('answers as soon as any partition has records: at once for an append in this process, at a re-read for another', async () => {
    const stack = await createTestStack(backend, { log: { firstRereadMs: 50 } });
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 12 });
    const all = Array.from({ length: 12 }, (_, partition) => ({ partition, offset: 0 }));
    const local = fetchMany(stack, 'orders', { partitions: all, waitMs: 20_000 });
    await new Promise((r) => setTimeout(r, 100));
    await produceTo(stack, 'orders', 7, ['here']);
    const answered = (await local).body.partitions.filter((p: any) => p.records.length);
    expect(answered.map((p: any) => [p.partition, p.records[0].value])).toEqual([[7, 'here']]);

    const remote = fetchMany(stack, 'orders', { partitions: all.map((p) => (p.partition === 7 ? { partition: 7, offset: 1 } : p)), waitMs: 20_000 });
    await new Promise((r) => setTimeout(r, 100));
    await produceTo(stack.another(), 'orders', 3, ['there']);
    const seen = (await remote).body.partitions.filter((p: any) => p.records.length);
    expect(seen.map((p: any) => [p.partition, p.records[0].value])).toEqual([[3, 'there']]);
  });

  it('waiting on idle partitions re-reads their heads a bounded number of times, at growing gaps', async () => {
    const stack = await createTestStack(backend, { log: { firstRereadMs: 100, maxRereadGapMs: 400 } });
    await stack.request('POST', '/v1/topics', { name: 'orders', partitions: 6 });
    const headReads = countMatching(stack.runnel.clients.dynamo, (command, input) => command === 'GetItemCommand' && input.TableName === stack.config.logTable);
    const waitMs = 2000;
    const res = await fetchMany(stack, 'orders', { partitions: Array.from({ length: 6 }, (_, partition) => ({ partition, offset: 0 })), waitMs });
    expect(res.body.partitions.every((p: any) => p.records.length === 0)).toBe(true);
    // One read of each head on arrival, then re-reads at 100, 300, 700, 1100, 1500 and 1900 ms (gaps
    // 100, 200, 400, then 400 each): 7 reads of each of the 6 heads, where a 100 ms loop would make 21.
    const rereads = 6;
    expect(headReads()).toBeGreaterThanOrEqual(6 * 2);
    expect(headReads()).toBeLessThanOrEqual(6 * (1 + rereads));
  });
});
