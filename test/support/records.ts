import type { TestStack } from './stack.js';

/** Reads a whole partition through the HTTP API, page by page, asserting each page is in offset order. */
export async function readAll(stack: TestStack, topic: string, partition: number, from = 0): Promise<any[]> {
  const out: any[] = [];
  let offset = from;
  for (;;) {
    const res = await stack.request('GET', `/v1/topics/${topic}/partitions/${partition}/records?offset=${offset}&limit=1000`);
    if (res.status !== 200) throw new Error(`fetch failed: ${res.status} ${JSON.stringify(res.body)}`);
    for (const r of res.body.records) {
      if (r.offset !== offset) throw new Error(`expected offset ${offset}, got ${r.offset}`);
      out.push(r);
      offset++;
    }
    if (res.body.records.length === 0 || offset >= res.body.highWatermark) return out;
  }
}

export async function highWatermark(stack: TestStack, topic: string, partition: number): Promise<number> {
  const res = await stack.request('GET', `/v1/topics/${topic}`);
  return res.body.partitionStates[partition].highWatermark;
}
