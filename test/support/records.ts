import type { TestStack } from './stack.js';

/** Reads a whole partition through the HTTP API, page by page, asserting its offsets are contiguous from `from`. */
export async function readAll(stack: TestStack, topic: string, partition: number, from = 0): Promise<any[]> {
  const out = await readThroughGaps(stack, topic, partition, from);
  out.forEach((r, i) => {
    if (r.offset !== from + i) throw new Error(`expected offset ${from + i}, got ${r.offset}`);
  });
  return out;
}

export async function highWatermark(stack: TestStack, topic: string, partition: number): Promise<number> {
  const res = await stack.request('GET', `/v1/topics/${topic}`);
  return res.body.partitionStates[partition].highWatermark;
}

/**
 * Reads a whole partition that compaction may have left gaps in, page by page from each answer's
 * `nextOffset`, asserting that offsets only increase and that no offset comes back twice.
 */
export async function readThroughGaps(stack: TestStack, topic: string, partition: number, from = 0): Promise<any[]> {
  const out: any[] = [];
  let offset = from;
  for (;;) {
    const res = await stack.request('GET', `/v1/topics/${topic}/partitions/${partition}/records?offset=${offset}&limit=1000`);
    if (res.status !== 200) throw new Error(`fetch failed: ${res.status} ${JSON.stringify(res.body)}`);
    for (const r of res.body.records) {
      if (r.offset < offset) throw new Error(`offset ${r.offset} below the ${offset} asked for`);
      if (out.length && r.offset <= out[out.length - 1].offset) throw new Error(`offset ${r.offset} after ${out[out.length - 1].offset}`);
      out.push(r);
    }
    if (res.body.nextOffset <= offset && res.body.records.length === 0) return out;
    offset = res.body.nextOffset;
    if (offset >= res.body.highWatermark) return out;
  }
}
