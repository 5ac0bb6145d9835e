import { randomBytes } from 'node:crypto';
import { DEFAULT_PRODUCER_CONFIG, Runnel, type ProducerConfig } from '../lib/client/index.js';
import { callsOf, RequestMeter, S3_PUTS } from './meter.js';
import type { BenchContext, BenchSection } from './section.js';
import { MiB, round, summariseLatencies, type LatencySummary } from './stats.js';
import { RECORD_BYTES } from './workload.js';

const PARTITIONS = 8;

interface ProducerRun {
  scenario: string;
  config: ProducerConfig;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  /** Latency of each `send` call, from the call to its acknowledgement. */
  sendLatency: LatencySummary;
  produceRequests: number;
  segmentsWritten: number;
  recordsPerSegment: number;
  s3PutsPer1000Records: number;
  reportedWcuPer1000Records: number;
}

export interface ClientBenchResult {
  recordBytes: number;
  partitions: number;
  defaults: typeof DEFAULT_PRODUCER_CONFIG;
  runs: ProducerRun[];
}

/** A client whose produce requests are counted at the fetch, below the producer's batching. */
function countingClient(url: string): { runnel: Runnel; produceRequests: () => number } {
  let posts = 0;
  const fetchCounted: typeof fetch = (input, init) => {
    if (init?.method === 'POST') posts++;
    return fetch(input, init);
  };
  return { runnel: new Runnel({ url, fetch: fetchCounted }), produceRequests: () => posts };
}

const values = Array.from({ length: 256 }, () => randomBytes(RECORD_BYTES));
const message = (i: number) => ({ key: `key-${i % 1000}`, value: values[i % values.length]! });

/**
 * Measures one producer: `senders` application tasks each send one 1 KiB keyed message at a time
 * (closed loop, as request handlers do) for `windowMs`; or, with `burst`, that many messages are sent
 * at once and awaited together (a backfill).
 */
async function measure(
  ctx: BenchContext,
  topic: string,
  scenario: string,
  config: ProducerConfig,
  load: { senders: number; windowMs: number } | { burst: number },
): Promise<ProducerRun> {
  const { runnel, produceRequests } = countingClient(ctx.stack.url);
  const producer = runnel.producer(config);
  // Warm-up: metadata and connections, outside the window.
  await producer.send({ topic, messages: [message(0)] });
  const before = ctx.meter.snapshot();
  const requestsBefore = produceRequests();
  const latencies: number[] = [];
  let records = 0;
  const t0 = performance.now();
  const timed = async (i: number) => {
    const start = performance.now();
    await producer.send({ topic, messages: [message(i)] });
    latencies.push(performance.now() - start);
    records++;
  };
  if ('burst' in load) {
    await Promise.all(Array.from({ length: load.burst }, (_, i) => timed(i)));
  } else {
    const deadline = t0 + load.windowMs;
    await Promise.all(
      Array.from({ length: load.senders }, async (_, s) => {
        for (let i = s; performance.now() < deadline; i += load.senders) await timed(i);
      }),
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  await producer.disconnect();
  const window = RequestMeter.between(before, ctx.meter.snapshot());
  const segments = callsOf(window, S3_PUTS);
  return {
    scenario,
    config,
    records,
    seconds: round(seconds),
    recordsPerSecond: round(records / seconds, 0),
    mbPerSecond: round((records * RECORD_BYTES) / MiB / seconds),
    sendLatency: summariseLatencies(latencies),
    produceRequests: produceRequests() - requestsBefore,
    segmentsWritten: segments,
    recordsPerSegment: round(records / Math.max(1, segments), 1),
    s3PutsPer1000Records: round((segments / records) * 1000, 1),
    reportedWcuPer1000Records: round((window.reportedWcu / records) * 1000, 1),
  };
}

export const clientSection: BenchSection<ClientBenchResult> = {
  name: 'client',
  async run(ctx) {
    const topic = 'bench-client';
    const created = await new Runnel({ url: ctx.stack.url }).admin().createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
    if (!created) throw new Error(`topic ${topic} already exists`);
    const windowMs = ctx.quick ? 1_500 : 6_000;
    const burst = ctx.quick ? 5_000 : 40_000;
    const runs: ProducerRun[] = [];
    for (const [scenario, config, load] of [
      ['64 senders, defaults', {}, { senders: 64, windowMs }],
      ['64 senders, lingerMs 0', { lingerMs: 0 }, { senders: 64, windowMs }],
      // Senders that await each acknowledgement queue nothing while the producer lingers: the adaptive linger must not grow for them.
      ['64 senders, lingerMs 10 fixed', { maxLingerMs: 10 }, { senders: 64, windowMs }],
      ['1 sender, defaults', {}, { senders: 1, windowMs }],
      [`burst of ${burst}, defaults`, {}, { burst }],
    ] as const) {
      ctx.log(`client producer: ${scenario}…`);
      runs.push(await measure(ctx, topic, scenario, config, load));
    }
    return {
      results: { recordBytes: RECORD_BYTES, partitions: PARTITIONS, defaults: DEFAULT_PRODUCER_CONFIG, runs },
      tables: [
        {
          title: `Producer throughput through the client (${RECORD_BYTES} B keyed messages, one per send, ${PARTITIONS} partitions, idempotent)`,
          columns: ['Scenario', 'records/s', 'MiB/s', 'send p50 ms', 'send p99 ms', 'requests', 'records/segment', 'S3 PUTs per 1k records', 'WCU per 1k records'],
          rows: runs.map((r) => [
            r.scenario,
            r.recordsPerSecond,
            r.mbPerSecond,
            r.sendLatency.p50Ms,
            r.sendLatency.p99Ms,
            r.produceRequests,
            r.recordsPerSegment,
            r.s3PutsPer1000Records,
            r.reportedWcuPer1000Records,
          ]),
          notes: [
            `Defaults: lingerMs ${DEFAULT_PRODUCER_CONFIG.lingerMs} growing up to maxLingerMs ${DEFAULT_PRODUCER_CONFIG.maxLingerMs} under a steady stream, batchSize ${DEFAULT_PRODUCER_CONFIG.batchSize} B, at most one request in flight per partition.`,
            'Each segment is one S3 PUT and one head append: records per segment is what batching buys.',
          ],
        },
      ],
    };
  },
};
