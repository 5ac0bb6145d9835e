import { randomBytes } from 'node:crypto';
import { Runnel, type Producer, type ProducerConfig } from '../lib/client/index.js';
import { serveParent } from './child.js';
import { sleep, summariseLatencies, type LatencySummary } from './stats.js';

/**
 * The cost section's load generator, in a process of its own (bench/cost.ts starts it with
 * ChildHelper), so that its producers do not share an event loop with the server they measure.
 *
 * `producers` independent clients each send `ratePerSecond` messages a second, open loop (a message
 * is sent when it is due, whatever is still unacknowledged, as events arrive in an application), one
 * message per `send()`, with a random key (the default partitioner spreads them) and a value of
 * `recordBytes` random bytes. `prepare` builds them and warms them up (each reads the topic and
 * opens its connections); `run` then runs the window and answers once every send has settled.
 */
export interface LoadSpec {
  url: string;
  topic: string;
  producers: number;
  ratePerSecond: number;
  recordBytes: number;
  windowMs: number;
  config: ProducerConfig;
}

export interface LoadResult {
  /** Messages sent, acknowledged and failed in the window. */
  sent: number;
  acked: number;
  failed: number;
  firstError?: string;
  /** From the first send to the last acknowledgement. */
  seconds: number;
  /** send() to acknowledgement, of every message of the window. */
  ackLatency: LatencySummary;
  /** How far the senders fell behind their schedule at most (the generator's own lag, not Runnel's). */
  maxScheduleLagMs: number;
  produceRequests: number;
  produceBodyBytes: number;
}

const produceRequests = { count: 0, bytes: 0 };
const counting: typeof fetch = (input, init) => {
  if (init?.method === 'POST' && String(input).endsWith('/records')) {
    produceRequests.count++;
    // The client's body: CBOR bytes by default, or JSON text.
    produceRequests.bytes += typeof init.body === 'string' ? Buffer.byteLength(init.body) : (init.body as Uint8Array).byteLength;
  }
  return fetch(input, init);
};
let prepared: { spec: LoadSpec; producers: Producer[]; values: Buffer[] } | undefined;
const message = (values: Buffer[], i: number) => ({ key: randomBytes(8).toString('hex'), value: values[i % values.length]! });

async function prepare(spec: LoadSpec): Promise<void> {
  const values = Array.from({ length: 512 }, () => randomBytes(spec.recordBytes));
  const producers = Array.from({ length: spec.producers }, () => new Runnel({ url: spec.url, fetch: counting }).producer(spec.config));
  await Promise.all(producers.map((p, i) => p.send({ topic: spec.topic, messages: [message(values, i)] })));
  prepared = { spec, producers, values };
}

async function run(): Promise<LoadResult> {
  if (!prepared) throw new Error('run before prepare');
  const { spec, producers, values } = prepared;
  const requestsBefore = { ...produceRequests };
  const latencies: number[] = [];
  let acked = 0;
  let failed = 0;
  let firstError: string | undefined;
  let maxScheduleLagMs = 0;
  const pending: Array<Promise<unknown>> = [];
  const intervalMs = 1000 / spec.ratePerSecond;
  const t0 = performance.now();
  let lastAck = t0;
  await Promise.all(
    producers.map(async (producer, p) => {
      // Each producer starts at a random phase, so that twenty of them do not send in lockstep.
      let due = t0 + Math.random() * intervalMs;
      for (let i = 0; due < t0 + spec.windowMs; i++, due += intervalMs) {
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        maxScheduleLagMs = Math.max(maxScheduleLagMs, performance.now() - due);
        const sentAt = performance.now();
        pending.push(
          producer.send({ topic: spec.topic, messages: [message(values, p * 1_000_003 + i)] }).then(
            () => {
              lastAck = performance.now();
              latencies.push(lastAck - sentAt);
              acked++;
            },
            (e: Error) => {
              failed++;
              firstError ??= e.message;
            },
          ),
        );
      }
    }),
  );
  await Promise.all(pending);
  await Promise.all(producers.map((p) => p.disconnect()));
  return {
    sent: pending.length,
    acked,
    failed,
    ...(firstError ? { firstError } : {}),
    seconds: (lastAck - t0) / 1000,
    ackLatency: summariseLatencies(latencies),
    maxScheduleLagMs: Math.round(maxScheduleLagMs),
    produceRequests: produceRequests.count - requestsBefore.count,
    produceBodyBytes: produceRequests.bytes - requestsBefore.bytes,
  };
}

serveParent({ prepare, run });
