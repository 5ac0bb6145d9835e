import { describe, expect, it } from 'vitest';
import { readAll } from '../support/records.js';
import { BACKENDS, createTestStack } from '../support/stack.js';

describe.each(BACKENDS)('many writers on one partition (%s)', (backend) => {
  it('16 concurrent producers: every record once, offsets contiguous, each producer in order', async () => {
    // A short tail forces many rolls while writers race, the path where a naive design loses batches.
    const first = await createTestStack(backend, { log: { maxTailEntries: 4 } });
    await first.request('POST', '/v1/topics', { name: 'hot', partitions: 1 });
    // Four "Lambda instances", each with its own clients and caches, share the 16 producers.
    const instances = [first, first.another({ log: { maxTailEntries: 4 } }), first.another({ log: { maxTailEntries: 4 } }), first.another({ log: { maxTailEntries: 4 } })];
    const producers = 16;
    const perProducer = 240;
    const perRequest = 12;
    const acked = new Map<string, number>();
    await Promise.all(
      Array.from({ length: producers }, async (_, p) => {
        const stack = instances[p % instances.length]!;
        for (let seq = 0; seq < perProducer; seq += perRequest) {
          const records = Array.from({ length: perRequest }, (_, j) => ({ key: `p${p}`, value: { p, seq: seq + j }, partition: 0 }));
          const res = await stack.request('POST', '/v1/topics/hot/records', { records });
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          res.body.offsets.forEach((o: any, j: number) => acked.set(`${p}:${seq + j}`, o.offset));
        }
      }),
    );
    const all = await readAll(first, 'hot', 0);
    expect(all).toHaveLength(producers * perProducer);
    expect(all.map((r) => r.offset)).toEqual(all.map((_, i) => i));
    const seen = new Set<string>();
    const lastSeq = new Map<number, number>();
    for (const r of all) {
      const id = `${r.value.p}:${r.value.seq}`;
      expect(seen.has(id)).toBe(false);
      seen.add(id);
      expect(acked.get(id)).toBe(r.offset);
      expect(r.value.seq).toBeGreaterThan(lastSeq.get(r.value.p) ?? -1);
      lastSeq.set(r.value.p, r.value.seq);
    }
    expect(seen.size).toBe(producers * perProducer);
  });
});
