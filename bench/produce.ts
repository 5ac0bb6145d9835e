import type { LogOptions } from '../lib/log/partition-log.js';
import { DEFAULT_LOG_OPTIONS } from '../lib/log/partition-log.js';
import { createServices, type Services } from '../lib/runtime.js';
import { createTopic, highWatermarks } from './http.js';
import { ClosedLoopLoad, type LoadResult } from './load.js';
import { DEFAULT_PROFILE_SEED } from './latency-profile.js';
import { RequestMeter, type MeterSnapshot } from './meter.js';
import { cpuByProcess, type RemoteLoad } from './processes.js';
import type { RoundTripSummary } from './round-trips.js';
import type { BenchContext, BenchSection } from './section.js';
import { serveRunnel } from './server.js';
import { MiB, round } from './stats.js';
import type { StorageFloorArgs } from './floor.js';
import { DEFAULT_BODY_FORMAT, parseProduceBody, produceBody, RECORD_BYTES, RECORDS_PER_REQUEST, segmentBody } from './workload.js';

export interface Scenario {
  id: string;
  label: string;
  partitions: number;
  producers: number;
}

/** Issue 2's two shapes. Producer i writes to partition i mod partitions, so 8 × 8 is one producer per partition. */
export const SCENARIOS: Scenario[] = [
  { id: '1p-1w', label: '1 partition × 1 producer', partitions: 1, producers: 1 },
  { id: '8p-8w', label: '8 partitions × 8 producers', partitions: 8, producers: 8 },
];

/** Storage as the emulators answer it (none), or with AWS-like service times added by SDK middleware (aws; bench/latency-profile.ts). */
export type ProfileName = 'none' | 'aws';

/** Throughput of a closed-loop load in records and MiB of values per second; one operation is one batch. */
export interface Throughput {
  recordsPerSecond: number;
  mbPerSecond: number;
  latency: LoadResult['latency'];
  load: LoadResult;
}

/** CPU each process spent per committed batch while the HTTP load ran, in ms. */
export interface CpuPerBatch {
  /** Batches committed in the measured HTTP slices. */
  batches: number;
  /** The Runnel server (this process): the HTTP API and Runnel, nothing else runs in it meanwhile. */
  serverMs: number;
  /** The other processes, for where the rest goes: dynalite, s3rver, the load generator. */
  othersMs: Record<string, number>;
  /** The server's CPU as Lambda would bill it at 1 GB arm64 (see lambdaCost). */
  lambdaGbSeconds: number;
  dollarsPerMillionRecords: number;
}

export interface ProduceScenarioResult extends Throughput {
  scenario: Scenario;
  profile: ProfileName;
  topic: string;
  /** Successful appends over the whole run (warm-up and in-process included): one segment, one committed batch each. */
  committedBatches: number;
  /** Storage requests over the same span, for the per-batch costs. */
  requests: MeterSnapshot;
  /** Records each partition holds afterwards; their sum must equal committedBatches × records per request. */
  highWatermarks: number[];
  consistent: boolean;
  /** The same requests given to the produce service in process: what HTTP adds is the difference. Without the profile only. */
  inProcess?: Throughput;
  /** The storage floor at the same concurrency, measured in turns with the system. */
  floor: Throughput & { segmentBytes: number };
  cpu: CpuPerBatch;
  /** The storage calls each measured HTTP produce made, and how many of them it waited for one after another. */
  roundTrips: RoundTripSummary;
}

export interface ProduceResults {
  recordBytes: number;
  recordsPerRequest: number;
  /** Log options other than the defaults, when exploring. */
  logOptions: Partial<LogOptions>;
  timing: Record<ProfileName, Timing>;
  /** Seed of the service times; the system and its floor start from it in every scenario. */
  profileSeed: number;
  /** Without the latency profile (issue 2's figures; requestCosts and fetch build on these). */
  scenarios: ProduceScenarioResult[];
  /** The same scenarios with AWS-like service times. */
  underAwsProfile: ProduceScenarioResult[];
}

interface Timing {
  rounds: number;
  warmupMs: number;
  systemMs: number;
  /** Each comparison path's share of a round (in process, floor). */
  comparisonMs: number;
}

/**
 * Under the profile a batch takes tens of ms, not a few, and the machine is mostly idle: longer slices
 * collect enough acknowledgements for a p99, and the floor gets as long as the system.
 */
function timingFor(ctx: BenchContext, profile: ProfileName): Timing {
  if (ctx.quick) return { rounds: 2, warmupMs: 500, systemMs: 1000, comparisonMs: profile === 'aws' ? 1000 : 500 };
  return profile === 'aws' ? { rounds: 6, warmupMs: 2000, systemMs: 5000, comparisonMs: 5000 } : { rounds: 6, warmupMs: 2000, systemMs: 3000, comparisonMs: 1500 };
}

/** Lambda's CPU grows with its memory: 1,769 MB is one vCPU, so a function of 1 GB needs 1769/1024 ms of its time for each ms of CPU. */
const LAMBDA_MB_PER_VCPU = 1769;
/** arm64, us-east-1, per GB-second of duration (first 6 billion GB-s a month). */
const LAMBDA_ARM_DOLLARS_PER_GB_SECOND = 0.0000133334;

/** The Lambda duration one batch's CPU needs at 1 GB, and what that costs per million records. */
export function lambdaCost(cpuMsPerBatch: number): { lambdaGbSeconds: number; dollarsPerMillionRecords: number } {
  const gbSeconds = (cpuMsPerBatch / 1000) * (LAMBDA_MB_PER_VCPU / 1024) * 1;
  return { lambdaGbSeconds: round(gbSeconds, 7), dollarsPerMillionRecords: round(gbSeconds * (1e6 / RECORDS_PER_REQUEST) * LAMBDA_ARM_DOLLARS_PER_GB_SECOND, 7) };
}

function throughput(load: LoadResult): Throughput {
  const recordsPerSecond = load.opsPerSecond * RECORDS_PER_REQUEST;
  return { recordsPerSecond: round(recordsPerSecond, 0), mbPerSecond: round((recordsPerSecond * RECORD_BYTES) / MiB), latency: load.latency, load };
}

/**
 * Runs one measured HTTP slice and adds the CPU every process spent in it to `cpu`. The server's own
 * figure is what matters: the load generator and the emulators run in processes of their own.
 */
async function measuredSlice(ctx: BenchContext, system: RemoteLoad, workers: number, durationMs: number, cpu: Record<string, number>): Promise<void> {
  const before = await cpuByProcess(ctx.processes);
  ctx.roundTrips.recording = true;
  try {
    await system.slice({ workers, durationMs });
  } finally {
    ctx.roundTrips.recording = false;
  }
  const after = await cpuByProcess(ctx.processes);
  for (const [name, ms] of Object.entries(after)) cpu[name] = (cpu[name] ?? 0) + ms - (before[name] ?? 0);
}

/**
 * Producers in the load generator process POST to the HTTP API, each sending its next request when the
 * previous one is acknowledged. The system and its storage floor take turns in short rounds, so that
 * both see the same machine: on a shared two-core box, background load moves from second to second.
 * Under the profile both start from the same seed, so the k-th PutObject of the system and of the floor
 * draw the same service time, and their ratio is not at the mercy of a few unlucky draws.
 */
async function runScenario(ctx: BenchContext, scenario: Scenario, profile: ProfileName, target: { url: string; runnel: Services }): Promise<ProduceScenarioResult> {
  const timing = timingFor(ctx, profile);
  const topic = profile === 'none' ? `bench-produce-${scenario.id}` : `bench-produce-${scenario.id}-${profile}`;
  await createTopic(ctx.stack.url, topic, scenario.partitions);
  const generator = ctx.processes.loadGenerator;
  const system = await generator.load({
    module: './workload.js',
    factory: 'httpProduce',
    args: { url: `${target.url}/v1/topics/${topic}/records`, partitions: scenario.partitions, producers: scenario.producers },
  });
  const bodies = Array.from({ length: scenario.producers }, (_, i) => produceBody(i % scenario.partitions));
  // In process only without the profile: it would draw from the system's service-time streams and put them out of step with the floor's.
  const inProcess = profile === 'none' ? new ClosedLoopLoad(async (w) => void (await target.runnel.produce.produce(topic, parseProduceBody(bodies[w]!)))) : undefined;
  const floorArgs: StorageFloorArgs = {
    config: ctx.stack.runnel.config,
    scenarioId: `${scenario.id}-${profile}`,
    maxTailEntries: ctx.logOptions.maxTailEntries ?? DEFAULT_LOG_OPTIONS.maxTailEntries,
    ...(profile === 'aws' ? { profileSeed: DEFAULT_PROFILE_SEED } : {}),
  };
  const floor = await generator.load({ module: './floor.js', factory: 'storageFloor', args: floorArgs });
  if (profile === 'aws') ctx.latencyProfile.enable(DEFAULT_PROFILE_SEED);
  const workers = scenario.producers;
  const before = ctx.meter.snapshot();
  const cpu: Record<string, number> = {};
  ctx.roundTrips.take();
  let warmupBatches = 0;
  let load: LoadResult;
  let floorResult: LoadResult;
  try {
    await system.slice({ workers, warmup: true, durationMs: timing.warmupMs });
    warmupBatches = (await system.result()).totalOps;
    await inProcess?.slice({ workers, warmup: true, durationMs: timing.warmupMs / 2 });
    await floor.slice({ workers, warmup: true, durationMs: timing.warmupMs / 2 });
    for (let round = 0; round < timing.rounds; round++) {
      await measuredSlice(ctx, system, workers, timing.systemMs, cpu);
      await inProcess?.slice({ workers, durationMs: timing.comparisonMs });
      await floor.slice({ workers, durationMs: timing.comparisonMs });
    }
    load = await system.result();
    floorResult = await floor.result();
  } finally {
    ctx.latencyProfile.disable();
    await floor.close();
    await system.close();
  }
  const roundTrips = ctx.roundTrips.take();
  const requests = RequestMeter.between(before, ctx.meter.snapshot());
  const hw = await highWatermarks(ctx.stack.url, topic);
  const direct = inProcess?.result();
  const committedBatches = load.totalOps + (direct?.totalOps ?? 0);
  const measuredBatches = load.totalOps - warmupBatches;
  const serverMs = round((cpu.server ?? 0) / measuredBatches, 3);
  return {
    scenario,
    profile,
    topic,
    ...throughput(load),
    committedBatches,
    requests,
    highWatermarks: hw,
    consistent: hw.reduce((s, n) => s + n, 0) === committedBatches * RECORDS_PER_REQUEST,
    ...(direct ? { inProcess: throughput(direct) } : {}),
    floor: { ...throughput(floorResult), segmentBytes: segmentBody().byteLength },
    cpu: {
      batches: measuredBatches,
      serverMs,
      othersMs: Object.fromEntries(Object.entries(cpu).filter(([name]) => name !== 'server').map(([name, ms]) => [name, round(ms / measuredBatches, 3)])),
      ...lambdaCost(serverMs),
    },
    roundTrips,
  };
}

export const produceSection: BenchSection<ProduceResults> = {
  name: 'produce',
  async run(ctx) {
    // Runnel as the produce function builds it (no cache of appended batches, which only a function that
    // also serves fetch keeps; no request log; only the produce routes), on the stack's metered clients,
    // with any log options being explored. Each request is traced for its storage round trips.
    const runnel = createServices(ctx.stack.runnel.config, { log: { cacheAppends: false, ...ctx.logOptions }, clients: ctx.stack.runnel.clients });
    const server = await serveRunnel(runnel, { recorder: ctx.roundTrips, concerns: ['produce'] });
    const results: Record<ProfileName, ProduceScenarioResult[]> = { none: [], aws: [] };
    try {
      for (const profile of ['none', 'aws'] as const) {
        for (const scenario of SCENARIOS) {
          ctx.log(`produce ${scenario.label}, ${profile === 'aws' ? 'AWS latency profile' : 'no latency profile'}, in turns with its storage floor…`);
          results[profile].push(await runScenario(ctx, scenario, profile, server));
        }
      }
    } finally {
      await server.close();
    }
    const all = [...results.none, ...results.aws];
    const segmentBytes = all[0]?.floor.segmentBytes;
    const profileLabel = (p: ProfileName) => (p === 'aws' ? 'AWS profile' : 'none');
    const none = timingFor(ctx, 'none');
    const aws = timingFor(ctx, 'aws');
    return {
      results: {
        recordBytes: RECORD_BYTES,
        recordsPerRequest: RECORDS_PER_REQUEST,
        logOptions: ctx.logOptions,
        timing: { none, aws },
        profileSeed: DEFAULT_PROFILE_SEED,
        scenarios: results.none,
        underAwsProfile: results.aws,
      },
      tables: [
        {
          title: `Produce: ${RECORD_BYTES} B records, ${RECORDS_PER_REQUEST} per request, closed loop over HTTP from the load generator process`,
          columns: ['scenario', 'latency profile', 'records/s', 'MB/s', 'ack p50 ms', 'ack p99 ms', 'requests', 'errors', 'log consistent'],
          rows: all.map((s) => [
            s.scenario.label,
            profileLabel(s.profile),
            s.recordsPerSecond,
            s.mbPerSecond,
            s.latency.p50Ms,
            s.latency.p99Ms,
            s.load.measuredOps,
            s.load.errors,
            s.consistent ? 'yes' : 'NO',
          ]),
          notes: [`MB/s counts record values (MiB = 2^20 bytes); the HTTP body is the client's default, ${DEFAULT_BODY_FORMAT === 'cbor' ? 'CBOR, values as byte strings (a few bytes more per record)' : 'JSON, values as base64 (a third larger)'}.`],
        },
        {
          title: 'Where the time goes: the same batches over HTTP, in process, and as bare storage calls (the floor)',
          columns: ['scenario', 'latency profile', 'path', 'batches/s', 'records/s', 'MB/s', 'p50 ms', 'p99 ms', 'errors'],
          rows: all.flatMap((s) =>
            (
              [
                ['HTTP API (as above)', s],
                ...(s.inProcess ? [['produce service in process', s.inProcess] as const] : []),
                [`floor: PutObject ${segmentBytes} B + UpdateItem`, s.floor],
              ] as const
            ).map(([path, t]) => [
              s.scenario.label,
              profileLabel(s.profile),
              path,
              round(t.load.opsPerSecond, 1),
              t.recordsPerSecond,
              t.mbPerSecond,
              t.latency.p50Ms,
              t.latency.p99Ms,
              t.load.errors,
            ]),
          ),
          notes: [
            `Without the profile the three loads ran in alternating rounds (HTTP ${none.systemMs / 1000} s, in-process ${none.comparisonMs / 1000} s, floor ${none.comparisonMs / 1000} s; ×${none.rounds}) after a warm-up of each;`,
            `under it HTTP ${aws.systemMs / 1000} s and floor ${aws.comparisonMs / 1000} s, ×${aws.rounds}, both drawing service times from seed ${DEFAULT_PROFILE_SEED}.`,
            'The floor runs in the load generator process with its own SDK clients and test items; in-process runs in the server process.',
          ],
        },
        {
          title: `CPU per committed batch (${RECORDS_PER_REQUEST} × ${RECORD_BYTES} B records), by process, during the HTTP slices`,
          columns: ['scenario', 'latency profile', 'batches', 'server ms', 'dynalite ms', 's3rver ms', 'load generator ms', 'Lambda GB-s/batch', '$ per M records'],
          rows: all.map((s) => [
            s.scenario.label,
            profileLabel(s.profile),
            s.cpu.batches,
            s.cpu.serverMs,
            s.cpu.othersMs.dynalite ?? NaN,
            s.cpu.othersMs.s3rver ?? NaN,
            s.cpu.othersMs['load generator'] ?? NaN,
            s.cpu.lambdaGbSeconds.toPrecision(3),
            `$${s.cpu.dollarsPerMillionRecords.toPrecision(3)}`,
          ]),
          notes: [
            'server: process.cpuUsage() of the bench process, which serves the HTTP API and runs Runnel (with the bench\'s request meter and tracing middleware); the others are processes of their own.',
            `Lambda: the server's CPU stretched to 1 GB's CPU share (${LAMBDA_MB_PER_VCPU} MB = 1 vCPU) at $${LAMBDA_ARM_DOLLARS_PER_GB_SECOND}/GB-s arm64; CPU only, not the time spent waiting for storage.`,
          ],
        },
        {
          title: 'Storage round trips per HTTP produce (calls a request waited for one after another; overlapping calls count once)',
          columns: ['scenario', 'latency profile', 'produces', 'calls', 'round trips', 'floor', 'by round trips', 'most common'],
          rows: all.map((s) => [
            s.scenario.label,
            profileLabel(s.profile),
            s.roundTrips.operations,
            s.roundTrips.meanCalls,
            s.roundTrips.meanRoundTrips,
            2,
            Object.entries(s.roundTrips.byRoundTrips)
              .map(([r, n]) => `${r}: ${n}`)
              .join(', '),
            s.roundTrips.patterns[0] ? `${s.roundTrips.patterns[0].pattern} (${s.roundTrips.patterns[0].operations})` : '–',
          ]),
          notes: ['Traced per request with AsyncLocalStorage in the server; a call another request started and this one awaited counts for the one that started it.'],
        },
      ],
    };
  },
};
