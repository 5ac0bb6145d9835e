import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HEAD_SORT_KEY } from '../lib/storage/schema.js';
import type { BenchContext, BenchSection, TargetCheck } from './section.js';
import { round, sleep, summariseLatencies, type LatencySummary } from './stats.js';

/** Issue 8's targets for push subscriptions on the embedded stack. */
export const SUBSCRIPTION_TARGETS = { latencyP50Ms: 50, latencyP99Ms: 250, recordsPerSecond: 5_000 } as const;

/**
 * List prices (us-east-1) used to price the stream. Lambda arm64: $0.20 per million requests and
 * $0.0000133334 per GB-second; DynamoDB Streams: $0.02 per 100,000 streams read request units, each a
 * GetRecords call of up to 1,000 records or 1 MB, free when the caller is a Lambda event source mapping.
 */
const PRICES = { lambdaRequest: 0.2 / 1e6, lambdaGbSecond: 0.0000133334, streamReadRequest: 0.02 / 1e5 } as const;
/** The dispatcher function's memory in the construct (the API functions' default), in GB. */
const DISPATCHER_MEMORY_GB = 1;
const GiB = 1024 ** 3;
const RECORD_BYTES = 1024;
const RECORDS_PER_BATCH = 10;
const MAX_IN_FLIGHT = 8;

interface Delivery {
  at: number;
  topicPartition: string;
  offsets: number[];
}

/** A webhook target that acknowledges at once and notes when each record arrived. */
async function startReceiver(): Promise<{ url: string; deliveries: Delivery[]; server: Server }> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { records: Record<string, Array<{ offset: number }>> };
      for (const [topicPartition, records] of Object.entries(body.records)) deliveries.push({ at, topicPartition, offsets: records.map((r) => r.offset) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, deliveries, server };
}

/**
 * Counts the successful writes to the log table, all of them (each is one record of the table's stream)
 * and those to head items (the records the mapping's filter passes for a subscribed topic). A refused
 * conditional write changes nothing, so it writes no stream record and is not counted.
 */
function countLogWrites(dynamo: DynamoDBClient, table: string) {
  const counts = { writes: 0, headWrites: 0 };
  const name = 'bench-stream-records';
  (dynamo.middlewareStack as DynamoDBClient['middlewareStack']).add(
    (next, context) => async (args) => {
      const result = await next(args);
      const input = args.input as { TableName?: string; Key?: { b?: { N?: string } }; Item?: { b?: { N?: string } } };
      if (/^(Put|Update|Delete)ItemCommand$/.test(context.commandName ?? '') && input.TableName === table) {
        counts.writes++;
        if ((input.Key ?? input.Item)?.b?.N === String(HEAD_SORT_KEY)) counts.headWrites++;
      }
      return result;
    },
    { step: 'initialize', name },
  );
  return {
    stop() {
      dynamo.middlewareStack.remove(name);
      return counts;
    },
  };
}

const value = (i: number) => ({ i, pad: 'x'.repeat(RECORD_BYTES - 40) });

async function waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

interface LatencyResult {
  batchesPerSecond: number;
  achievedBatchesPerSecond: number;
  seconds: number;
  batches: number;
  recordsPerBatch: number;
  /** From the produce call's answer (the commit, in process) to the webhook receiving the record. */
  commitToTarget: LatencySummary;
  /** Log-table writes per produced batch: each is one record in the table's stream. */
  streamRecordsPerBatch: number;
  /** Head-item writes per batch: the stream records the mapping's filter passes for a subscribed topic. */
  headWritesPerBatch: number;
  /** Dispatcher wake-ups per batch. */
  wakesPerBatch: number;
  /**
   * Time with a wake-up under way, per batch. Wake-ups overlap (a wake during a delivery run joins it), so
   * this is the union of their spans: what invocations that follow one another would bill.
   */
  busyMsPerBatch: number;
}

/**
 * Produces at a steady `batchesPerSecond` to a subscribed topic and times each record from its commit
 * to its arrival at the webhook. Counts the log table's writes (the stream's records) and the
 * dispatcher's wake-ups meanwhile, for the stream's cost.
 */
async function measureLatency(ctx: BenchContext, receiverUrl: string, deliveries: Delivery[]): Promise<LatencyResult> {
  const { runnel } = ctx.stack;
  const topic = 'bench-subscribed';
  await runnel.admin.create({ name: topic, partitions: 4 });
  await runnel.subscriptions.admin.create({ name: 'bench-latency', topic, target: { type: 'webhook', url: receiverUrl } });
  const dispatcher = runnel.subscriptions.dispatcher;
  const wake = dispatcher.wake.bind(dispatcher);
  const wakes: Array<[number, number]> = [];
  dispatcher.wake = async (refs) => {
    const t0 = performance.now();
    try {
      return await wake(refs);
    } finally {
      wakes.push([t0, performance.now()]);
    }
  };
  const batchesPerSecond = 100;
  const seconds = ctx.quick ? 3 : 15;
  const batches = batchesPerSecond * seconds;
  const committedAt = new Map<string, number>();
  const counter = countLogWrites(runnel.clients.dynamo, runnel.config.logTable);
  const started = performance.now();
  let producedSeconds = seconds;
  // Paced at the rate, with a bound on batches in flight: a loaded machine that falls behind sends
  // fewer batches a second (the rate achieved is reported) rather than piling up writers on a partition.
  const inflight = new Set<Promise<void>>();
  try {
    for (let b = 0; b < batches; b++) {
      const due = started + (b * 1000) / batchesPerSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      while (inflight.size >= MAX_IN_FLIGHT) await Promise.race(inflight);
      // One key per batch: each batch is one append to one partition, as a keyed producer's batch is.
      const sent = runnel.produce
        .produce(topic, { records: Array.from({ length: RECORDS_PER_BATCH }, () => ({ key: `k${b}`, value: value(b) })) })
        .then((res) => {
          const at = performance.now();
          for (const o of res.offsets) committedAt.set(`${topic}-${o.partition}#${o.offset}`, at);
        })
        .finally(() => inflight.delete(sent));
      inflight.add(sent);
    }
    await Promise.all(inflight);
    producedSeconds = (performance.now() - started) / 1000;
    await waitUntil(() => deliveries.reduce((n, d) => n + d.offsets.length, 0) >= batches * RECORDS_PER_BATCH, 60_000, 'every record to reach the webhook');
  } finally {
    dispatcher.wake = wake;
  }
  const written = counter.stop();
  const samples: number[] = [];
  for (const d of deliveries) {
    for (const offset of d.offsets) {
      const at = committedAt.get(`${d.topicPartition}#${offset}`);
      // A delivery can beat the produce call's continuation by a tick: that record's latency is ~0.
      if (at !== undefined) samples.push(Math.max(0, d.at - at));
    }
  }
  await runnel.subscriptions.admin.delete('bench-latency');
  return {
    batchesPerSecond,
    achievedBatchesPerSecond: round(batches / producedSeconds, 1),
    seconds,
    batches,
    recordsPerBatch: RECORDS_PER_BATCH,
    commitToTarget: summariseLatencies(samples),
    streamRecordsPerBatch: round(written.writes / batches, 3),
    headWritesPerBatch: round(written.headWrites / batches, 3),
    wakesPerBatch: round(wakes.length / batches, 3),
    busyMsPerBatch: round(busyMs(wakes) / batches, 2),
  };
}

/** The length of the union of time spans. */
function busyMs(spans: Array<[number, number]>): number {
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

interface ThroughputResult {
  records: number;
  batchSize: number;
  seconds: number;
  recordsPerSecond: number;
}

/** One subscription, one partition, a backlog: how fast the dispatcher drains it to the webhook. */
async function measureThroughput(ctx: BenchContext, receiverUrl: string, deliveries: Delivery[]): Promise<ThroughputResult> {
  const { runnel } = ctx.stack;
  const topic = 'bench-backlog';
  await runnel.admin.create({ name: topic, partitions: 1 });
  const records = ctx.quick ? 10_000 : 50_000;
  const perBatch = 500;
  for (let b = 0; b < records / perBatch; b++) {
    await runnel.produce.produce(topic, { records: Array.from({ length: perBatch }, (_, i) => ({ key: `k${i}`, value: value(b * perBatch + i) })) });
  }
  deliveries.length = 0;
  const batchSize = 1000;
  const started = performance.now();
  await runnel.subscriptions.admin.create({ name: 'bench-throughput', topic, target: { type: 'webhook', url: receiverUrl }, batchSize, startPosition: 'earliest' });
  await waitUntil(() => deliveries.reduce((n, d) => n + d.offsets.length, 0) >= records, 300_000, 'the backlog to drain');
  const seconds = (performance.now() - started) / 1000;
  await runnel.subscriptions.admin.delete('bench-throughput');
  return { records, batchSize, seconds: round(seconds, 2), recordsPerSecond: Math.round(records / seconds) };
}

interface StreamCost {
  batchesPerGiB: number;
  streamRecordsPerGiB: number;
  withoutSubscription: { esmInvocationsPerGiB: number; dollarsPerGiB: number; dollarsPerGiBIfReadOutsideLambda: number };
  withSubscription: { esmInvocationsPerGiB: number; lambdaSecondsPerGiB: number; dollarsPerGiB: number };
}

/**
 * What the stream adds per GiB produced (1 KiB records, 10 to a batch), from the figures measured above.
 * The stream itself is free to write and free for Lambda to read. Without a subscription the filter drops
 * every record before any invocation. With one, at most one dispatcher invocation per head write (the
 * mapping batches commits that arrive within one poll), billed for the time a wake-up was under way here.
 */
function streamCost(latency: LatencyResult): StreamCost {
  const batchesPerGiB = Math.ceil(GiB / (RECORD_BYTES * RECORDS_PER_BATCH));
  const streamRecordsPerGiB = Math.round(batchesPerGiB * latency.streamRecordsPerBatch);
  const invocations = Math.round(batchesPerGiB * latency.headWritesPerBatch);
  const lambdaSeconds = (batchesPerGiB * latency.busyMsPerBatch) / 1000;
  return {
    batchesPerGiB,
    streamRecordsPerGiB,
    withoutSubscription: {
      esmInvocationsPerGiB: 0,
      dollarsPerGiB: 0,
      dollarsPerGiBIfReadOutsideLambda: round(Math.ceil(streamRecordsPerGiB / 1000) * PRICES.streamReadRequest, 6),
    },
    withSubscription: {
      esmInvocationsPerGiB: invocations,
      lambdaSecondsPerGiB: round(lambdaSeconds, 1),
      dollarsPerGiB: round(invocations * PRICES.lambdaRequest + lambdaSeconds * DISPATCHER_MEMORY_GB * PRICES.lambdaGbSecond, 4),
    },
  };
}

/** Push subscriptions: delivery latency, one partition's throughput, and the DynamoDB stream's cost per GiB. */
export const subscriptionsSection: BenchSection<{ targets: typeof SUBSCRIPTION_TARGETS; latency: LatencyResult; throughput: ThroughputResult; streamCost: StreamCost }> = {
  name: 'subscriptions',
  async run(ctx) {
    const receiver = await startReceiver();
    try {
      ctx.log('subscriptions: latency at 100 batches/s');
      const latency = await measureLatency(ctx, receiver.url, receiver.deliveries);
      ctx.log('subscriptions: throughput of one partition');
      const throughput = await measureThroughput(ctx, receiver.url, receiver.deliveries);
      const cost = streamCost(latency);
      const t = SUBSCRIPTION_TARGETS;
      const targets: TargetCheck[] = [
        { target: 'delivery p50 ms ≤', scenario: '100 batches/s', value: latency.commitToTarget.p50Ms, limit: t.latencyP50Ms, pass: latency.commitToTarget.p50Ms <= t.latencyP50Ms },
        { target: 'delivery p99 ms ≤', scenario: '100 batches/s', value: latency.commitToTarget.p99Ms, limit: t.latencyP99Ms, pass: latency.commitToTarget.p99Ms <= t.latencyP99Ms },
        { target: 'records/s per partition ≥', scenario: 'one subscription', value: throughput.recordsPerSecond, limit: t.recordsPerSecond, pass: throughput.recordsPerSecond >= t.recordsPerSecond },
      ];
      return {
        results: { targets: t, latency, throughput, streamCost: cost },
        targets,
        tables: [
          {
            title: `Push subscription delivery, commit → webhook (${latency.achievedBatchesPerSecond} of ${latency.batchesPerSecond} batches/s of ${latency.recordsPerBatch} × 1 KiB, ${latency.seconds} s, 4 partitions)`,
            columns: ['records', 'p50 ms', 'p99 ms', 'max ms', 'mean ms'],
            rows: [[latency.commitToTarget.count, latency.commitToTarget.p50Ms, latency.commitToTarget.p99Ms, latency.commitToTarget.maxMs, latency.commitToTarget.meanMs]],
          },
          {
            title: 'One subscription draining one partition',
            columns: ['records', 'batch size', 'seconds', 'records/s'],
            rows: [[throughput.records, throughput.batchSize, throughput.seconds, throughput.recordsPerSecond]],
          },
          {
            title: 'What the log table stream adds per GiB produced (1 KiB records, 10 per batch)',
            columns: ['topic', 'stream records', 'dispatcher invocations', 'Lambda s', '$ per GiB'],
            rows: [
              ['no subscription', cost.streamRecordsPerGiB, 0, 0, cost.withoutSubscription.dollarsPerGiB],
              ['subscribed', cost.streamRecordsPerGiB, cost.withSubscription.esmInvocationsPerGiB, cost.withSubscription.lambdaSecondsPerGiB, cost.withSubscription.dollarsPerGiB],
            ],
            notes: [
              `stream records per batch ${latency.streamRecordsPerBatch} (log-table writes), head writes per batch ${latency.headWritesPerBatch}; dispatcher busy ${latency.busyMsPerBatch} ms per batch (union of wake-ups), ${latency.wakesPerBatch} wakes per batch`,
              'writing a stream and Lambda reading it are free; filtered-out records invoke nothing; invocations are an upper bound (one per head write)',
              `read by anything but Lambda, the stream would cost $${cost.withoutSubscription.dollarsPerGiBIfReadOutsideLambda} per GiB in GetRecords`,
            ],
          },
        ],
      };
    } finally {
      await new Promise((resolve) => receiver.server.close(resolve));
    }
  },
};
