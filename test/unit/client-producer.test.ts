import { describe, expect, it } from 'vitest';
import { Runnel } from '../../lib/client/index.js';
import { decodeCbor } from '../../lib/codec/cbor.js';
import { MAX_RECORDS_PER_REQUEST } from '../../lib/contract/limits.js';

interface ProduceCall {
  body: { records: Array<{ partition: number; value: unknown }>; producer?: { id: string; sequences: Record<string, number> } };
  /** The body as sent: JSON text, or CBOR as hex. */
  raw: string;
  contentType: string | null;
  answer(status?: number): void;
}

/**
 * A stand-in for the HTTP API that holds each produce request until the test answers it, so the
 * producer's scheduling (what is in flight, with which sequences) can be observed step by step.
 * The integration tests run the same producer against the real server.
 */
function fakeServer(partitions: number) {
  const calls: ProduceCall[] = [];
  const waiters: Array<() => void> = [];
  let nextOffset = 0;
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetch = (async (url: URL, init: RequestInit) => {
    if (init.method === 'GET') return json(200, { name: 't', partitions, config: { 'max.message.bytes': 1_048_576 }, partitionStates: [] });
    const sent = init.body as string | Uint8Array;
    const body = typeof sent === 'string' ? JSON.parse(sent) : decodeCbor(sent);
    return new Promise<Response>((resolve) => {
      calls.push({
        body,
        raw: typeof sent === 'string' ? sent : Buffer.from(sent).toString('hex'),
        contentType: new Headers(init.headers).get('content-type'),
        answer: (status = 200) => {
          const n = body.records.length;
          const offsets = Array.from({ length: n }, (_, i) => ({ partition: 0, offset: nextOffset + i, timestamp: 0 }));
          if (status === 200) nextOffset += n;
          resolve(status === 200 ? json(200, { offsets }) : json(status, { error: { code: 'storage_unavailable', message: 'try again' } }));
        },
      });
      waiters.splice(0).forEach((w) => w());
    });
  }) as unknown as typeof globalThis.fetch;
  /** Resolves once at least `n` produce requests have arrived. */
  const requests = async (n: number) => {
    while (calls.length < n) await new Promise<void>((r) => waiters.push(r));
    return calls;
  };
  return { fetch, calls, requests };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('producer scheduling', () => {
  it('never puts more records in a request than the server takes, whatever maxBatchRecords says', async () => {
    const server = fakeServer(1);
    const producer = new Runnel({ url: 'http://runnel.test', fetch: server.fetch }).producer({ lingerMs: 0, maxBatchRecords: 3 * MAX_RECORDS_PER_REQUEST });
    const sent = producer.send({ topic: 't', messages: Array.from({ length: MAX_RECORDS_PER_REQUEST + 1 }, (_, value) => ({ value, partition: 0 })) });
    (await server.requests(1))[0]!.answer();
    (await server.requests(2))[1]!.answer();
    await sent;
    expect(server.calls.map((c) => c.body.records.length)).toEqual([MAX_RECORDS_PER_REQUEST, 1]);
  });

  it('keeps one request in flight per partition, with contiguous sequences per partition', async () => {
    const server = fakeServer(2);
    const producer = new Runnel({ url: 'http://runnel.test', fetch: server.fetch }).producer({ lingerMs: 0, maxBatchRecords: 2 });
    const sends = [
      producer.send({ topic: 't', messages: [0, 1, 2, 3, 4].map((value) => ({ value, partition: 0 })) }),
      producer.send({ topic: 't', messages: [{ value: 'p1', partition: 1 }] }),
    ];
    const calls = await server.requests(2);
    await settle();
    // Partition 0's second batch waits for its first; partition 1 goes at once, in its own request.
    expect(calls).toHaveLength(2);
    expect(calls[0]!.body.producer!.sequences).toEqual({ '0': 0 });
    expect(calls[0]!.body.records.map((r) => r.value)).toEqual([0, 1]);
    expect(calls[1]!.body.producer!.sequences).toEqual({ '1': 0 });
    calls[0]!.answer();
    await server.requests(3);
    expect(calls[2]!.body.producer!.sequences).toEqual({ '0': 2 });
    expect(calls[2]!.body.records.map((r) => r.value)).toEqual([2, 3]);
    calls[2]!.answer();
    await server.requests(4);
    expect(calls[3]!.body.producer!.sequences).toEqual({ '0': 4 });
    calls[3]!.answer();
    calls[1]!.answer();
    const [meta0] = await sends[0]!;
    expect(meta0!.offsets).toHaveLength(5);
    await sends[1];
    expect(new Set(calls.map((c) => c.body.producer!.id)).size).toBe(1);
  });

  it('retries a failed request with the identical body, and the send succeeds', async () => {
    const server = fakeServer(1);
    const producer = new Runnel({ url: 'http://runnel.test', fetch: server.fetch }).producer({ lingerMs: 0, retry: { initialRetryTime: 1 } });
    const sent = producer.send({ topic: 't', messages: [{ value: 'x' }, { value: 'y' }] });
    (await server.requests(1))[0]!.answer(503);
    const calls = await server.requests(2);
    calls[1]!.answer();
    expect((await sent)[0]!.offsets).toEqual(['0', '1']);
    expect(calls[1]!.raw).toBe(calls[0]!.raw);
  });

  it('lingers to batch sends, and a full batch leaves without waiting', async () => {
    const server = fakeServer(1);
    const producer = new Runnel({ url: 'http://runnel.test', fetch: server.fetch }).producer({ lingerMs: 60_000, batchSize: 100 });
    const small = producer.send({ topic: 't', messages: [{ value: 'a' }] });
    await settle();
    expect(server.calls).toHaveLength(0);
    const big = producer.send({ topic: 't', messages: [{ value: 'b'.repeat(120) }] });
    const calls = await server.requests(1);
    expect(calls[0]!.body.records.map((r) => r.value)).toEqual(['a']);
    calls[0]!.answer();
    (await server.requests(2))[1]!.answer();
    await Promise.all([small, big]);
  });

  it('sends CBOR by default, bytes as bytes, and JSON with base64 when bodyFormat is json: the same request', async () => {
    const bodies = [];
    for (const bodyFormat of [undefined, 'json'] as const) {
      const server = fakeServer(1);
      const producer = new Runnel({ url: 'http://runnel.test', fetch: server.fetch }).producer({ lingerMs: 0, ...(bodyFormat && { bodyFormat }) });
      const sent = producer.send({ topic: 't', messages: [{ key: 'k', value: new Uint8Array([1, 2, 255]), headers: { h: 'v' }, timestamp: 5 }, { value: { n: [1, 'two'] } }] });
      (await server.requests(1))[0]!.answer();
      await sent;
      bodies.push(server.calls[0]!);
    }
    const [cbor, json] = bodies;
    expect(cbor!.contentType).toBe('application/cbor');
    expect(json!.contentType).toBe('application/json');
    expect(Buffer.from(cbor!.body.records[0]!.value as Uint8Array)).toEqual(Buffer.from([1, 2, 255]));
    expect(json!.body.records[0]).toMatchObject({ value: 'AQL/', valueEncoding: 'base64' });
    const { valueEncoding: _, ...jsonFirst } = json!.body.records[0] as Record<string, unknown>;
    expect({ ...cbor!.body, records: [{ ...cbor!.body.records[0], value: 'AQL/' }, cbor!.body.records[1]] }).toEqual({ ...json!.body, records: [jsonFirst, json!.body.records[1]], producer: { ...json!.body.producer, id: cbor!.body.producer!.id } });
  });

  it('without idempotence sends no producer id', async () => {
    const server = fakeServer(1);
    const producer = new Runnel({ url: 'http://runnel.test', fetch: server.fetch }).producer({ idempotent: false, lingerMs: 0 });
    const sent = producer.send({ topic: 't', messages: [{ value: 1 }] });
    (await server.requests(1))[0]!.answer();
    await sent;
    expect(server.calls[0]!.body.producer).toBeUndefined();
    expect(server.calls[0]!.body.records[0]!.partition).toBe(0);
  });
});

describe('producer metadata', () => {
  it('reads the partition count again after the server answers invalid_partition (bug 14)', async () => {
    let describes = 0;
    let produces = 0;
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    const fetch = (async (_url: URL, init: RequestInit) => {
      if (init.method === 'GET') return describes++, json(200, { name: 't', partitions: 2, config: { 'max.message.bytes': 1_048_576 }, partitionStates: [] });
      if (++produces === 1) return json(400, { error: { code: 'invalid_partition', message: 'records[0].partition: 1 is out of range', field: 'records[0].partition' } });
      return json(200, { offsets: [{ partition: 1, offset: 0, timestamp: 0 }] });
    }) as unknown as typeof globalThis.fetch;
    const producer = new Runnel({ url: 'http://runnel.test', fetch }).producer({ lingerMs: 0 });
    await expect(producer.send({ topic: 't', messages: [{ value: 1, partition: 1 }] })).rejects.toMatchObject({ code: 'invalid_partition' });
    expect(describes).toBe(1);
    // The server knows other partitions than the producer does: the next send reads the count first.
    expect(await producer.send({ topic: 't', messages: [{ value: 2, partition: 1 }] })).toHaveLength(1);
    expect(describes).toBe(2);
    // And only then: the count is fresh again.
    await producer.send({ topic: 't', messages: [{ value: 3, partition: 1 }] });
    expect(describes).toBe(2);
  });
});
