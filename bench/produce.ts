import type { LogOptions } from '../lib/log/partition-log.js';
import { DEFAULT_LOG_OPTIONS } from '../lib/log/partition-log.js';
import { storageFloor } from './floor.js';
import { callApi, createTopic, highWatermarks } from './http.js';
import { ClosedLoopLoad, type LoadResult } from './load.js';
import { RequestMeter, type MeterSnapshot } from './meter.js';
import type { Services } from '../lib/runtime.js';
import type { BenchContext, BenchSection } from './section.js';
import { serveAnotherRunnel } from './server.js';
import { MiB, round } from './stats.js';
import { produceBody, RECORD_BYTES, RECORDS_PER_REQUEST } from './workload.js';

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

/** Throughput of a closed-loop load in records and MiB of values per second; one operation is one batch. */
export interface Throughput {
  recordsPerSecond: number;
  mbPerSecond: number;
  latency: LoadResult['latency'];
  load: LoadResult;
}

export interface ProduceScenarioResult extends Throughput {
  scenario: Scenario;
  topic: string;
  /** Successful appends over the whole run (warm-up and in-process included): one segment, one committed batch each. */
  committedBatches: number;
  /** Storage requests over the same span, for the per-batch costs. */
  requests: MeterSnapshot;
  /** Records each partition holds afterwards; their sum must equal committedBatches × records per request. */
  highWatermarks: number[];
  consistent: boolean;
  /** The same requests given to the produce service in process: what HTTP adds is the difference. */
  inProcess: Throughput;
  /** The storage floor at the same concurrency, measured in turns with the system. */
  floor: Throughput & { segmentBytes: number };
}

export interface ProduceResults {
  recordBytes: number;
  recordsPerRequest: number;
  /** Log options other than the defaults, when exploring. */
  logOptions: Partial<LogOptions>;
  timing: ReturnType<typeof timingFor>;
  scenarios: ProduceScenarioResult[];
}

const timingFor = (ctx: BenchContext) =>
  ctx.quick ? { rounds: 2, warmupMs: 500, systemMs: 1000, comparisonMs: 500 } : { rounds: 6, warmupMs: 2000, systemMs: 3000, comparisonMs: 1500 };

function throughput(load: LoadResult): Throughput {
  const recordsPerSecond = load.opsPerSecond * RECORDS_PER_REQUEST;
  return { recordsPerSecond: round(recordsPerSecond, 0), mbPerSecond: round((recordsPerSecond * RECORD_BYTES) / MiB), latency: load.latency, load };
}

/**
 * Producers POST to the HTTP API, each sending its next request when the previous one is acknowledged.
 * The system and its storage floor take turns in short rounds, so that both see the same machine: on a
 * shared two-core box, background load moves from second to second.
 */
async function runScenario(ctx: BenchContext, scenario: Scenario, target: { url: string; runnel: Services }): Promise<ProduceScenarioResult> {
  const timing = timingFor(ctx);
  const topic = `bench-produce-${scenario.id}`;
  await createTopic(ctx.stack.url, topic, scenario.partitions);
  const bodies = Array.from({ length: scenario.producers }, (_, i) => produceBody(i % scenario.partitions));
  const url = `${target.url}/v1/topics/${topic}/records`;
  const system = new ClosedLoopLoad(async (w) => void (await callApi(url, { method: 'POST', body: bodies[w]! })));
  // A diagnostic third load: the same requests handed to the produce service in process, without HTTP.
  const inProcess = new ClosedLoopLoad(async (w) => void (await target.runnel.produce.produce(topic, JSON.parse(bodies[w]!))));
  const floor = await storageFloor(ctx.stack.runnel.config, scenario.id, ctx.logOptions.maxTailEntries ?? DEFAULT_LOG_OPTIONS.maxTailEntries);
  const workers = scenario.producers;
  const before = ctx.meter.snapshot();
  try {
    await system.slice({ workers, warmup: true, durationMs: timing.warmupMs });
    await inProcess.slice({ workers, warmup: true, durationMs: timing.warmupMs / 2 });
    await floor.load.slice({ workers, warmup: true, durationMs: timing.warmupMs / 2 });
    for (let round = 0; round < timing.rounds; round++) {
      await system.slice({ workers, durationMs: timing.systemMs });
      await inProcess.slice({ workers, durationMs: timing.comparisonMs });
      await floor.load.slice({ workers, durationMs: timing.comparisonMs });
    }
  } finally {
    floor.close();
  }
  const requests = RequestMeter.between(before, ctx.meter.snapshot());
  const hw = await highWatermarks(ctx.stack.url, topic);
  const load = system.result();
  const direct = inProcess.result();
  const committedBatches = load.totalOps + direct.totalOps;
  return {
    scenario,
    topic,
    ...throughput(load),
    committedBatches,
    requests,
    highWatermarks: hw,
    consistent: hw.reduce((s, n) => s + n, 0) === committedBatches * RECORDS_PER_REQUEST,
    inProcess: throughput(direct),
    floor: { ...throughput(floor.load.result()), segmentBytes: floor.segmentBytes },
  };
}

export const produceSection: BenchSection<ProduceResults> = {
  name: 'produce',
  async run(ctx) {
    const tuned = Object.keys(ctx.logOptions).length ? await serveAnotherRunnel(ctx, { log: ctx.logOptions }) : undefined;
    const scenarios: ProduceScenarioResult[] = [];
    try {
      for (const scenario of SCENARIOS) {
        ctx.log(`produce ${scenario.label}, in turns with its storage floor…`);
        scenarios.push(await runScenario(ctx, scenario, tuned ?? ctx.stack));
      }
    } finally {
      await tuned?.close();
    }
    const segmentBytes = scenarios[0]?.floor.segmentBytes;
    const timing = timingFor(ctx);
    return {
      results: { recordBytes: RECORD_BYTES, recordsPerRequest: RECORDS_PER_REQUEST, logOptions: ctx.logOptions, timing, scenarios },
      tables: [
        {
          title: `Produce: ${RECORD_BYTES} B records, ${RECORDS_PER_REQUEST} per request, closed loop over HTTP`,
          columns: ['scenario', 'records/s', 'MB/s', 'ack p50 ms', 'ack p99 ms', 'requests', 'errors', 'log consistent'],
          rows: scenarios.map((s) => [
            s.scenario.label,
            s.recordsPerSecond,
            s.mbPerSecond,
            s.latency.p50Ms,
            s.latency.p99Ms,
            s.load.measuredOps,
            s.load.errors,
            s.consistent ? 'yes' : 'NO',
          ]),
          notes: ['MB/s counts record values (MiB = 2^20 bytes); the HTTP body is larger (base64 in JSON).'],
        },
        {
          title: 'Where the time goes: the same batches over HTTP, in process, and as bare storage calls (the floor)',
          columns: ['scenario', 'path', 'batches/s', 'records/s', 'MB/s', 'p50 ms', 'p99 ms', 'errors'],
          rows: scenarios.flatMap((s) =>
            (
              [
                ['HTTP API (as above)', s],
                ['produce service in process', s.inProcess],
                [`floor: PutObject ${segmentBytes} B + UpdateItem`, s.floor],
              ] as const
            ).map(([path, t]) => [
              s.scenario.label,
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
            `The three loads ran in alternating rounds (HTTP ${timing.systemMs / 1000} s, in-process ${timing.comparisonMs / 1000} s, floor ${timing.comparisonMs / 1000} s; ×${timing.rounds}) after a warm-up of each,`,
            'so that all three see the same background load. The floor uses its own SDK clients and test items.',
          ],
        },
      ],
    };
  },
};
