import { loadavg } from 'node:os';
import { DEFAULT_PRODUCER_CONFIG, Runnel, type ProducerConfig } from '../lib/client/index.js';
import { createServices } from '../lib/runtime.js';
import { provisionStorage } from '../lib/storage/provision.js';
import { ChildHelper } from './child.js';
import { DEFAULT_PROFILE_SEED } from './latency-profile.js';
import type { LoadResult, LoadSpec } from './cost-load.js';
import { deploymentSettings } from './idle.js';
import { callsOf, RequestMeter, S3_GETS, S3_PUTS, type MeterSnapshot } from './meter.js';
import { PRICES } from './prices.js';
import type { BenchContext, BenchSection, Table, TargetCheck } from './section.js';
import { round } from './stats.js';
import { serveTimed, type ConcernUsage, type TimedServer } from './timed-server.js';

/**
 * Cost per GiB at the client's defaults (issue 10): a steady load of many small producers, each an
 * independent client in a load-generator process of its own, through the HTTP API; every billed
 * request counted (API Gateway per 512 KB, Lambda invocations and handler time at the API's memory,
 * S3 requests, DynamoDB capacity units) and priced at us-east-1 list prices, with the AWS latency
 * profile on (bench/latency-profile.ts). One row per producer configuration: the levers of the issue,
 * each measured on the same load.
 */

const PARTITIONS = 12;
const RECORD_BYTES = 1024;
const GiB = 2 ** 30;
export const TARGET_DOLLARS_PER_GIB = 0.02;

interface Configuration {
  label: string;
  config: ProducerConfig;
}

const BEFORE: Configuration = { label: 'lingerMs 10 fixed, batchSize 1 MiB (the defaults before adaptive lingering)', config: { lingerMs: 10, maxLingerMs: 10 } };
const DEFAULTS: Configuration = { label: 'adaptive, lingerMs 10 → maxLingerMs 100 (the defaults)', config: {} };
const LEVERS: Configuration[] = [
  BEFORE,
  { label: 'lingerMs 10 fixed, batchSize 4 MiB (larger batch)', config: { lingerMs: 10, maxLingerMs: 10, batchSize: 4 * 1024 * 1024 } },
  DEFAULTS,
  { label: 'lingerMs 100 fixed (for comparison)', config: { lingerMs: 100, maxLingerMs: 100 } },
  { label: 'adaptive up to maxLingerMs 1000 (beyond the bound; exploration)', config: { maxLingerMs: 1000 } },
];

interface Load {
  label: string;
  producers: number;
  ratePerSecond: number;
  configurations: Configuration[];
}

/**
 * The issue's realistic load, twenty services each producing 200 events a second, and one of those
 * producers alone. On AWS each producer's requests are its own and Lambda scales out, so a producer's
 * batching, and with it the cost per GiB, does not depend on how many others there are; on the local
 * stack twenty of them overload the server, whose slow answers then let batches grow. The single
 * producer is the one the local stack can serve, and every lever is measured on it.
 */
const LOADS: Load[] = [
  { label: '1 producer × 200 msg/s', producers: 1, ratePerSecond: 200, configurations: LEVERS },
  { label: '20 producers × 200 msg/s', producers: 20, ratePerSecond: 200, configurations: [BEFORE, DEFAULTS] },
];

export interface CostLine {
  component: string;
  count: number;
  dollarsPerGiB: number;
}

export interface CostRun {
  load: string;
  configuration: string;
  config: ProducerConfig;
  loadAverage: number[];
  /** What the load generator saw. */
  generator: LoadResult;
  offeredRecordsPerSecond: number;
  recordsPerSecond: number;
  /**
   * Whether the local server kept up: records were acknowledged at 90% or more of the offered rate
   * (the window's records over the time to the last acknowledgement), and the median acknowledgement
   * came within 500 ms of the linger bound (the profile's PutObject p99 is 200 ms). When it did not,
   * requests queued at the server, batches grew while they waited, and the counts understate what the
   * same producers would cost on AWS, where Lambda scales out.
   */
  serverKeptUp: boolean;
  gibIngested: number;
  produceRequests: number;
  segments: number;
  recordsPerRequest: number;
  recordsPerSegment: number;
  segmentsPerRequest: number;
  handlerMsPerRequest: number;
  writeUnitsPerSegment: number;
  lines: CostLine[];
  dollarsPerGiB: number;
  dollarsPerMillionRecords: number;
  /** Not measured: the same counts with one S3 PUT per produce request instead of one per partition in it. */
  oneObjectPerRequest: { s3PutsPerGiBNow: number; s3PutsPerGiB: number; dollarsPerGiB: number };
  /**
   * Records per request the target needs, at this run's cost per request (API Gateway, Lambda) and
   * per append, for a request that spans every partition: with an object per partition, or one in all.
   */
  recordsPerRequestForTarget: { perPartitionObjects: number; oneObjectPerRequest: number };
  storageCalls: Record<string, number>;
}

export interface CostResult {
  partitions: number;
  recordBytes: number;
  apiMemoryMb: number;
  windowSeconds: number;
  defaults: typeof DEFAULT_PRODUCER_CONFIG;
  runs: CostRun[];
  references: Array<{ service: string; dollarsPerGiB: number; basis: string }>;
}

const lingerBound = (c: ProducerConfig) => Math.max(c.lingerMs ?? DEFAULT_PRODUCER_CONFIG.lingerMs, c.maxLingerMs ?? DEFAULT_PRODUCER_CONFIG.maxLingerMs);

const sumUsage = (u: ConcernUsage, key: 'requests' | 'apiUnits' | 'billedMs') => Object.values(u).reduce((s, c) => s + c[key], 0);

/** Prices one window's counts per GiB ingested. */
function price(o: { records: number; usage: ConcernUsage; window: MeterSnapshot; memoryMb: number }) {
  const gib = (o.records * RECORD_BYTES) / GiB;
  const requests = sumUsage(o.usage, 'requests');
  const gbSeconds = (sumUsage(o.usage, 'billedMs') / 1000) * (o.memoryMb / 1024);
  const commands = [...new Set([...Object.keys(o.window.ok), ...Object.keys(o.window.failed)])];
  const s3Puts = callsOf(o.window, commands.filter((k) => /^s3:(Put|List|Copy)/.test(k)));
  const s3Gets = callsOf(o.window, S3_GETS);
  // AWS bills a failed conditional write at least 1 WCU, but returns no ConsumedCapacity for it.
  const writeUnits = o.window.reportedWcu + o.window.conditionalFailures;
  const line = (component: string, count: number, unitPrice: number): CostLine => ({ component, count: round(count, 3), dollarsPerGiB: (count * unitPrice) / gib });
  return [
    line('API Gateway requests (per 512 KB)', sumUsage(o.usage, 'apiUnits'), PRICES.apiRequest),
    line('Lambda invocations', requests, PRICES.lambdaRequest),
    line(`Lambda duration (GB-s at ${o.memoryMb} MB)`, gbSeconds, PRICES.lambdaGbSecond),
    line('S3 PUT/LIST requests', s3Puts, PRICES.s3Put),
    line('S3 GET requests', s3Gets, PRICES.s3Get),
    line('DynamoDB write units', writeUnits, PRICES.writeUnit),
    line('DynamoDB read units', o.window.reportedRcu, PRICES.readUnit),
  ];
}

async function measure(ctx: BenchContext, server: TimedServer, admin: Runnel, load: Load, c: Configuration, i: number, memoryMb: number): Promise<CostRun> {
  const topic = `cost-${i}-${Date.now().toString(36)}`;
  await admin.api.createTopic({ name: topic, partitions: PARTITIONS });
  const windowMs = ctx.quick ? 8_000 : 60_000;
  ctx.log(`cost: ${load.label}, ${c.label}, ${windowMs / 1000} s`);
  // Fresh producers in a fresh process for each row: nothing one configuration learnt carries over.
  const generator = await ChildHelper.start('cost load generator', './cost-load.ts');
  let result: LoadResult;
  let before: { meter: MeterSnapshot; usage: ConcernUsage };
  try {
    const spec: LoadSpec = { url: server.url, topic, producers: load.producers, ratePerSecond: load.ratePerSecond, recordBytes: RECORD_BYTES, windowMs, config: c.config };
    await generator.call('prepare', spec);
    before = { meter: ctx.meter.snapshot(), usage: server.usage() };
    result = await generator.call<LoadResult>('run');
  } finally {
    await generator.stop();
  }
  const after = { meter: ctx.meter.snapshot(), usage: server.usage() };
  if (result.failed > 0) throw new Error(`bench cost: ${result.failed} sends failed (${result.firstError})`);
  const window = RequestMeter.between(before.meter, after.meter);
  const usage = Object.fromEntries(
    Object.entries(after.usage).map(([k, v]) => {
      const b = before.usage[k as keyof ConcernUsage];
      return [k, { requests: v.requests - b.requests, apiUnits: v.apiUnits - b.apiUnits, billedMs: v.billedMs - b.billedMs }];
    }),
  ) as ConcernUsage;
  const records = result.acked;
  const lines = price({ records, usage, window, memoryMb });
  const dollarsPerGiB = lines.reduce((s, l) => s + l.dollarsPerGiB, 0);
  const gib = (records * RECORD_BYTES) / GiB;
  const segments = callsOf(window, S3_PUTS);
  const requests = usage.produce.requests;
  const s3PutsPerGiBNow = segments / gib;
  const s3PutsPerGiB = requests / gib;
  // What one request costs, apart from its segments, and what each segment adds (its PUT and its append's units).
  const perRequest = (lines[0]!.dollarsPerGiB + lines[1]!.dollarsPerGiB + lines[2]!.dollarsPerGiB) * (gib / requests);
  const writeUnitsPerSegment = (window.reportedWcu + window.conditionalFailures) / segments;
  const perAppend = writeUnitsPerSegment * PRICES.writeUnit;
  const recordsPerGiB = GiB / RECORD_BYTES;
  // A large request spans every partition: one DynamoDB append each, and one S3 object each or in all.
  const neededRecords = (objectsPerRequest: number) =>
    Math.ceil(((perRequest + objectsPerRequest * PRICES.s3Put + PARTITIONS * perAppend) * recordsPerGiB) / TARGET_DOLLARS_PER_GIB);
  return {
    load: load.label,
    configuration: c.label,
    config: c.config,
    loadAverage: loadavg().map((l) => round(l, 2)),
    generator: result,
    offeredRecordsPerSecond: load.producers * load.ratePerSecond,
    recordsPerSecond: round(records / result.seconds, 0),
    serverKeptUp: records / result.seconds >= 0.9 * load.producers * load.ratePerSecond && result.ackLatency.p50Ms <= lingerBound(c.config) + 500,
    gibIngested: round(gib, 4),
    produceRequests: requests,
    segments,
    recordsPerRequest: round(records / requests, 2),
    recordsPerSegment: round(records / segments, 2),
    segmentsPerRequest: round(segments / requests, 2),
    handlerMsPerRequest: round(usage.produce.billedMs / requests, 2),
    writeUnitsPerSegment: round(writeUnitsPerSegment, 2),
    lines: lines.map((l) => ({ ...l, dollarsPerGiB: round(l.dollarsPerGiB, 5) })),
    dollarsPerGiB: round(dollarsPerGiB, 4),
    dollarsPerMillionRecords: round((dollarsPerGiB * 1e6) / recordsPerGiB, 4),
    oneObjectPerRequest: {
      s3PutsPerGiBNow: Math.round(s3PutsPerGiBNow),
      s3PutsPerGiB: Math.round(s3PutsPerGiB),
      dollarsPerGiB: round(dollarsPerGiB - (s3PutsPerGiBNow - s3PutsPerGiB) * PRICES.s3Put, 4),
    },
    // With every partition in every request (large batches spread over all 12), or with one object per request.
    recordsPerRequestForTarget: { perPartitionObjects: neededRecords(PARTITIONS), oneObjectPerRequest: neededRecords(1) },
    storageCalls: Object.fromEntries([...new Set([...Object.keys(window.ok), ...Object.keys(window.failed)])].map((k) => [k, callsOf(window, [k])])),
  };
}

export const costSection: BenchSection<CostResult> = {
  name: 'cost',
  async run(ctx) {
    const memoryMb = deploymentSettings().apiMemoryMb;
    // Tables and a bucket of its own, so that nothing else the bench did is in its counts.
    const suffix = Date.now().toString(36);
    const config = { ...ctx.stack.runnel.config, topicsTable: `cost-topics-${suffix}`, logTable: `cost-log-${suffix}`, groupsTable: `cost-groups-${suffix}`, bucket: `cost-${suffix}` };
    await provisionStorage(ctx.stack.runnel.clients, config);
    const server = await serveTimed(createServices(config, { clients: ctx.stack.runnel.clients }));
    const admin = new Runnel({ url: server.url });
    const runs: CostRun[] = [];
    // AWS-like service times on every storage call: a request then holds its partitions (one request in
    // flight per partition) and bills Lambda time as long as it would on AWS.
    ctx.latencyProfile.enable(DEFAULT_PROFILE_SEED);
    try {
      for (const load of LOADS) for (const c of load.configurations) runs.push(await measure(ctx, server, admin, load, c, runs.length, memoryMb));
    } finally {
      ctx.latencyProfile.disable();
      await server.close();
    }
    const references = [
      { service: 'Kinesis Data Streams on-demand, in', dollarsPerGiB: round(PRICES.kinesisOnDemandInPerGb * (GiB / 1e9), 4), basis: '$0.08 per GB written (records rounded up to 1 KB), plus $0.04 per stream-hour' },
      { service: 'Kinesis Data Streams on-demand, in + one read', dollarsPerGiB: round((PRICES.kinesisOnDemandInPerGb + PRICES.kinesisOnDemandOutPerGb) * (GiB / 1e9), 4), basis: '$0.04 per GB read' },
      { service: 'WarpStream (as the issue cites it)', dollarsPerGiB: 0.01, basis: 'about $0.01 per GiB written' },
      { service: 'Bufstream (as the issue cites it)', dollarsPerGiB: 0.002, basis: '$0.002 per GiB written' },
    ];
    const result: CostResult = {
      partitions: PARTITIONS,
      recordBytes: RECORD_BYTES,
      apiMemoryMb: memoryMb,
      windowSeconds: ctx.quick ? 8 : 60,
      defaults: DEFAULT_PRODUCER_CONFIG,
      runs,
      references,
    };
    return { results: result, tables: tables(result), targets: targets(result) };
  },
};

function tables(r: CostResult): Table[] {
  const money = (d: number) => `$${d.toFixed(4)}`;
  const defaults = r.runs.find((x) => x.configuration === DEFAULTS.label);
  return [
    {
      title: `Cost per GiB ingested at steady loads: ${r.recordBytes} B values, one per send(), random keys, ${r.partitions} partitions, ${r.windowSeconds} s per row; producers in a process of their own; AWS latency profile on`,
      columns: ['load', 'configuration', 'offered/s', 'records/s', 'server kept up', 'ack p50 ms', 'ack p99 ms', 'records/request', 'records/segment', 'segments/request', 'handler ms/request', '$/GiB', '$/M records', 'load avg'],
      rows: r.runs.map((x) => [
        x.load,
        x.configuration,
        x.offeredRecordsPerSecond,
        x.recordsPerSecond,
        x.serverKeptUp ? 'yes' : 'no',
        x.generator.ackLatency.p50Ms,
        x.generator.ackLatency.p99Ms,
        x.recordsPerRequest,
        x.recordsPerSegment,
        x.segmentsPerRequest,
        x.handlerMsPerRequest,
        money(x.dollarsPerGiB),
        money(x.dollarsPerMillionRecords),
        x.loadAverage[0]!,
      ]),
      notes: [
        `target: ≤ $${TARGET_DOLLARS_PER_GIB} per GiB; references: ${r.references.map((x) => `${x.service} ${money(x.dollarsPerGiB)}/GiB`).join(', ')}`,
        `Lambda duration is the handler time measured with the AWS latency profile's service times on every storage call (each request rounded up to 1 ms), at ${r.apiMemoryMb} MB (cdk/runnel.ts)`,
        'prices: us-east-1 list, arm64 Lambda, HTTP API (bench/prices.ts)',
        'server kept up: records acknowledged at ≥ 90% of the offered rate, ack p50 within 500 ms of the linger bound; where not, requests queued at the local server and batches grew while they waited, so those counts understate what the producers cost on AWS, where Lambda scales out',
      ],
    },
    {
      title: 'Where the money goes, $ per GiB ingested, by component',
      columns: ['load', 'configuration', ...r.runs[0]!.lines.map((l) => l.component)],
      rows: r.runs.map((x) => [x.load, x.configuration, ...x.lines.map((l) => money(l.dollarsPerGiB))]),
    },
    {
      title: 'Not measured, estimated from the counts above: one segment object per produce request (a log-protocol change, not implemented)',
      columns: ['load', 'configuration', 'S3 PUTs/GiB now', 'S3 PUTs/GiB at one per request', '$/GiB now', '$/GiB estimated', 'records/request for the target, per-partition objects', '… one object per request'],
      rows: r.runs.map((x) => [
        x.load,
        x.configuration,
        x.oneObjectPerRequest.s3PutsPerGiBNow,
        x.oneObjectPerRequest.s3PutsPerGiB,
        money(x.dollarsPerGiB),
        money(x.oneObjectPerRequest.dollarsPerGiB),
        x.recordsPerRequestForTarget.perPartitionObjects,
        x.recordsPerRequestForTarget.oneObjectPerRequest,
      ]),
      notes: [
        'The estimate removes the PUTs beyond one per request and nothing else: each partition in a request still gets its own DynamoDB append.',
        `records/request for the target: at this run's cost per request (API Gateway, Lambda), for a request spanning all ${r.partitions} partitions (as large batches do): ${r.partitions} DynamoDB appends (${defaults?.writeUnitsPerSegment ?? '–'} WCU each with the defaults) and ${r.partitions} S3 PUTs, or 1 with one object per request`,
      ],
    },
  ];
}

function targets(r: CostResult): TargetCheck[] {
  return r.runs
    .filter((x) => x.configuration === DEFAULTS.label)
    .map((x) => ({ target: 'cost per GiB at the client defaults ≤ $', scenario: x.load, value: x.dollarsPerGiB, limit: TARGET_DOLLARS_PER_GIB, pass: x.dollarsPerGiB <= TARGET_DOLLARS_PER_GIB }));
}
