import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Runnel, type ProducerConfig } from '../../lib/client/index.js';
import { AdaptiveLinger } from '../../lib/client/linger.js';
import type { BodyFormat } from '../../lib/client/message.js';
import { CborWriter, decodeCbor } from '../../lib/codec/cbor.js';

describe('AdaptiveLinger', () => {
  it('doubles while records keep arriving late in the wait, up to the bound', () => {
    const linger = new AdaptiveLinger(10, 100);
    const seen: number[] = [];
    for (let t = 0; t < 6; t++) {
      const wait = linger.ms;
      linger.sent({ firstQueuedAt: 0, lastQueuedAt: wait * 0.9, sentAt: wait, full: false });
      seen.push(linger.ms);
    }
    expect(seen).toEqual([20, 40, 80, 100, 100, 100]);
  });

  it('halves when nothing arrived in the second half of the wait (a burst, or a lone record)', () => {
    const linger = new AdaptiveLinger(10, 100);
    for (let i = 0; i < 4; i++) linger.sent({ firstQueuedAt: 0, lastQueuedAt: 99, sentAt: 100, full: false });
    expect(linger.ms).toBe(100);
    linger.sent({ firstQueuedAt: 0, lastQueuedAt: 1, sentAt: 100, full: false });
    expect(linger.ms).toBe(50);
    linger.sent({ firstQueuedAt: 0, lastQueuedAt: 0, sentAt: 50, full: false });
    expect(linger.ms).toBe(25);
  });

  it('halves when a batch was full, however the records arrived', () => {
    const linger = new AdaptiveLinger(10, 100);
    for (let i = 0; i < 4; i++) linger.sent({ firstQueuedAt: 0, lastQueuedAt: 99, sentAt: 100, full: false });
    linger.sent({ firstQueuedAt: 0, lastQueuedAt: 99, sentAt: 100, full: true });
    expect(linger.ms).toBe(50);
  });

  it('starts again at lingerMs when the first record after a quiet spell longer than the bound arrives', () => {
    const linger = new AdaptiveLinger(10, 100);
    linger.arrived(0, true);
    for (let i = 0; i < 4; i++) linger.sent({ firstQueuedAt: 0, lastQueuedAt: 99, sentAt: 100, full: false });
    linger.arrived(80, true);
    expect(linger.ms).toBe(100);
    linger.arrived(181, true);
    expect(linger.ms).toBe(10);
  });

  it('is fixed at lingerMs when maxLingerMs is not above it, and never lingers at lingerMs 0', () => {
    for (const [min, max] of [
      [10, 10],
      [50, 20],
      [0, 100],
    ] as const) {
      const linger = new AdaptiveLinger(min, Math.max(min, max));
      for (let i = 0; i < 5; i++) linger.sent({ firstQueuedAt: 0, lastQueuedAt: 99, sentAt: 100, full: false });
      expect(linger.ms).toBe(min);
    }
  });

  it('refuses a negative or non-finite bound', () => {
    expect(() => new AdaptiveLinger(-1, 100)).toThrow(RangeError);
    expect(() => new AdaptiveLinger(10, Number.POSITIVE_INFINITY)).toThrow(/maxLingerMs/);
    expect(() => new Runnel({ url: 'http://runnel.test' }).producer({ maxLingerMs: Number.NaN })).toThrow(/maxLingerMs/);
  });

  it('stays within [lingerMs, maxLingerMs] whatever it observes (property)', () => {
    const event = fc.oneof(
      fc.record({ kind: fc.constant('arrived' as const), at: fc.nat(10_000), idle: fc.boolean() }),
      fc.record({ kind: fc.constant('sent' as const), first: fc.nat(10_000), spread: fc.nat(1_000), waited: fc.nat(2_000), full: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.nat(200), fc.nat(2_000), fc.array(event, { maxLength: 200 }), (min, extra, events) => {
        const linger = new AdaptiveLinger(min, min + extra);
        for (const e of events) {
          if (e.kind === 'arrived') linger.arrived(e.at, e.idle);
          else linger.sent({ firstQueuedAt: e.first, lastQueuedAt: e.first + Math.min(e.spread, e.waited), sentAt: e.first + e.waited, full: e.full });
          expect(linger.ms).toBeGreaterThanOrEqual(min);
          expect(linger.ms).toBeLessThanOrEqual(min + extra);
        }
      }),
    );
  });
});

interface Request {
  sentAt: number;
  answeredAt: number;
  records: Array<{ partition: number; value: number }>;
  sequences: Record<string, number>;
  /** The body the producer sent. */
  format: BodyFormat;
}

/**
 * A stand-in for the HTTP API on vitest's fake clock: it answers each produce request `delayMs`
 * after it arrives, with offsets numbered per partition in the order records reach it, and keeps
 * what it saw, when.
 */
function fakeServer(partitions: number, delayMs: number) {
  const requests: Request[] = [];
  const next = new Map<number, number>();
  const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  const fetch = (async (_url: URL, init: RequestInit) => {
    if (init.method === 'GET') return json({ name: 't', partitions, config: { 'max.message.bytes': 1_048_576 }, partitionStates: [] });
    // The producer's body: CBOR by default, JSON with bodyFormat 'json'.
    const sent = init.body as string | Uint8Array;
    const body = (typeof sent === 'string' ? JSON.parse(sent) : decodeCbor(sent)) as { records: Array<{ partition: number; value: number }>; producer: { sequences: Record<string, number> } };
    const request: Request = { sentAt: Date.now(), answeredAt: NaN, records: body.records, sequences: body.producer.sequences, format: typeof sent === 'string' ? 'json' : 'cbor' };
    requests.push(request);
    const offsets = body.records.map((r) => {
      const offset = next.get(r.partition) ?? 0;
      next.set(r.partition, offset + 1);
      return { partition: r.partition, offset, timestamp: 0 };
    });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    request.answeredAt = Date.now();
    return json({ offsets });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, requests };
}

/** A turn of the real event loop (setImmediate is not faked), for the fetch answers' own callbacks. */
const realTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Moves the fake clock on by `ms`, a millisecond at a time, letting everything due run in between. */
async function advance(ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    await realTick();
    await vi.advanceTimersByTimeAsync(1);
  }
  await realTick();
}

/** Moves the fake clock on, timer by timer, until `done` settles. */
async function until<T>(done: Promise<T>): Promise<T> {
  let settled = false;
  done.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let turns = 0; !settled; turns++) {
    if (turns > 1_000_000) throw new Error('never settled');
    await realTick();
    if (!settled && vi.getTimerCount() > 0) await vi.advanceTimersToNextTimerAsync();
  }
  return done;
}

describe('adaptive lingering in the producer (fake clock)', () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }));
  afterEach(() => void vi.useRealTimers());

  /** Sends one message every `everyMs` for `count` messages, one send() each; answers the server's requests after `delayMs`. */
  async function stream(config: ProducerConfig, opts: { everyMs: number; count: number; partitions?: number; delayMs?: number }) {
    const server = fakeServer(opts.partitions ?? 1, opts.delayMs ?? 0);
    const producer = new Runnel({ url: 'http://runnel.test', fetch: server.fetch }).producer(config);
    const sends: Array<Promise<unknown>> = [];
    const arrivals: number[] = [];
    for (let i = 0; i < opts.count; i++) {
      arrivals.push(Date.now());
      sends.push(producer.send({ topic: 't', messages: [{ value: i, partition: i % (opts.partitions ?? 1) }] }));
      await advance(opts.everyMs);
    }
    await until(Promise.all(sends));
    return { server, producer, arrivals };
  }

  it('grows its linger under a steady stream: 200 msg/s go out about 20 to a request, none waiting past maxLingerMs', async () => {
    const { server, arrivals } = await stream({ lingerMs: 10, maxLingerMs: 100 }, { everyMs: 5, count: 400 });
    const sizes = server.requests.map((r) => r.records.length);
    // The first request carries 10 ms of the stream; the linger doubles with each request, up to 100 ms of it.
    expect(sizes.slice(0, 5)).toEqual([2, 4, 8, 16, 20]);
    expect(sizes.slice(5, -1).every((n) => n === 20)).toBe(true);
    for (const r of server.requests) for (const rec of r.records) expect(r.sentAt - arrivals[rec.value]!).toBeLessThanOrEqual(100);
  });

  it('keeps the linger fixed at lingerMs 10 when maxLingerMs is 10, as before adaptive lingering', async () => {
    const { server } = await stream({ lingerMs: 10, maxLingerMs: 10 }, { everyMs: 5, count: 200 });
    expect(Math.max(...server.requests.map((r) => r.records.length))).toBeLessThanOrEqual(3);
  });

  it('shrinks back when the stream thins out: a record alone after the stream stops waits lingerMs, not maxLingerMs', async () => {
    const server = fakeServer(1, 0);
    const producer = new Runnel({ url: 'http://runnel.test', fetch: server.fetch }).producer({ lingerMs: 10, maxLingerMs: 100 });
    for (let i = 0; i < 200; i++) {
      void producer.send({ topic: 't', messages: [{ value: i }] });
      await advance(5);
    }
    await advance(1_000);
    const at = Date.now();
    await until(producer.send({ topic: 't', messages: [{ value: 200 }] }));
    expect(server.requests.at(-1)!.sentAt - at).toBe(10);
  });

  it('does not grow for senders that wait for each acknowledgement: nothing arrives while it lingers', async () => {
    const server = fakeServer(4, 3);
    const producer = new Runnel({ url: 'http://runnel.test', fetch: server.fetch }).producer({ lingerMs: 10, maxLingerMs: 100 });
    const done = Promise.all(
      Array.from({ length: 16 }, async (_, s) => {
        for (let i = 0; i < 20; i++) await producer.send({ topic: 't', messages: [{ value: s * 100 + i, partition: s % 4 }] });
      }),
    );
    await until(done);
    // Each round trip is the 10 ms linger and the 3 ms answer, never a grown linger.
    const gaps = server.requests.slice(1).map((r, i) => r.sentAt - server.requests[i]!.answeredAt);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(10);
  });

  it('flush() and disconnect() send at once, however long the linger has grown', async () => {
    const server = fakeServer(1, 0);
    const producer = new Runnel({ url: 'http://runnel.test', fetch: server.fetch }).producer({ lingerMs: 10, maxLingerMs: 10_000 });
    for (let i = 0; i < 100; i++) {
      void producer.send({ topic: 't', messages: [{ value: i }] });
      await advance(20);
    }
    const before = server.requests.length;
    const pending = producer.send({ topic: 't', messages: [{ value: 100 }] });
    const at = Date.now();
    await until(producer.flush());
    await pending;
    expect(server.requests.length).toBe(before + 1);
    expect(server.requests.at(-1)!.sentAt).toBe(at);
    const last = producer.send({ topic: 't', messages: [{ value: 101 }] });
    await until(producer.disconnect());
    await last;
    expect(server.requests.at(-1)!.sentAt).toBe(at);
  });

  it('never delays a record past maxLingerMs once its partition is free, never oversizes a batch, and keeps order and sequences (property)', async () => {
    const arrival = fc.record({ gap: fc.nat(40), partition: fc.nat(3), size: fc.integer({ min: 1, max: 400 }), count: fc.integer({ min: 1, max: 3 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          lingerMs: fc.nat(30),
          maxLingerMs: fc.nat(300),
          batchSize: fc.integer({ min: 200, max: 3_000 }),
          maxRequestBytes: fc.integer({ min: 1_000, max: 6_000 }),
          bodyFormat: fc.constantFrom<BodyFormat>('cbor', 'json'),
        }),
        fc.nat(60),
        fc.array(arrival, { minLength: 1, maxLength: 60 }),
        async (config, delayMs, arrivals) => {
          vi.setSystemTime(0);
          const server = fakeServer(4, delayMs);
          const producer = new Runnel({ url: 'http://runnel.test', fetch: server.fetch }).producer(config);
          const bound = Math.max(config.lingerMs, config.maxLingerMs);
          const queuedAt: number[] = [];
          const sends: Array<Promise<Array<{ partition: number; offsets: string[] }>>> = [];
          for (const a of arrivals) {
            await advance(a.gap);
            const messages = Array.from({ length: a.count }, () => ({ value: 'x'.repeat(a.size) as unknown as number, partition: a.partition }));
            const first = queuedAt.length;
            messages.forEach(() => queuedAt.push(Date.now()));
            sends.push(producer.send({ topic: 't', messages: messages.map((m, k) => ({ ...m, headers: { i: String(first + k) } })) }));
          }
          const metadata = await until(Promise.all(sends));

          const freeAt = new Map<number, number>();
          const nextSequence = new Map<number, number>();
          for (const r of server.requests) {
            const perPartition = new Map<number, { records: number; bytes: number }>();
            for (const rec of r.records as unknown as Array<{ partition: number; headers: { i: string }; value: string }>) {
              const i = Number(rec.headers.i);
              // Lingering never holds a record past the bound, counted from when its partition was free.
              expect(r.sentAt - Math.max(queuedAt[i]!, freeAt.get(rec.partition) ?? 0)).toBeLessThanOrEqual(bound);
              // The bytes the producer counts: the record's JSON and its comma, or its CBOR map.
              const wireBytes = r.format === 'json' ? Buffer.byteLength(JSON.stringify(rec)) + 1 : new CborWriter().json(rec).written.length;
              const part = perPartition.get(rec.partition) ?? { records: 0, bytes: 0 };
              perPartition.set(rec.partition, { records: part.records + 1, bytes: part.bytes + wireBytes });
            }
            const recordBytes = [...perPartition.values()].reduce((s, p) => s + p.bytes, 0);
            if (r.records.length > 1) expect(recordBytes).toBeLessThanOrEqual(config.maxRequestBytes);
            for (const [partition, part] of perPartition) {
              if (part.records > 1) expect(part.bytes).toBeLessThanOrEqual(config.batchSize);
              expect(r.sequences[String(partition)]).toBe(nextSequence.get(partition) ?? 0);
              nextSequence.set(partition, (nextSequence.get(partition) ?? 0) + part.records);
              freeAt.set(partition, r.answeredAt);
            }
          }
          // Every message is acknowledged, and each partition's offsets follow the order of the sends.
          const offsets = new Map<number, number[]>();
          metadata.flat().forEach((m) => offsets.set(m.partition, [...(offsets.get(m.partition) ?? []), ...m.offsets.map(Number)]));
          expect([...offsets.values()].flat()).toHaveLength(queuedAt.length);
          for (const list of offsets.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
          await until(producer.disconnect());
        },
      ),
      { numRuns: 60 },
    );
  });
});
