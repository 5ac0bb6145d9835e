import { runClosedLoop, type LoadResult } from './load.js';
import { createTopic, callApi, highWatermarks } from './http.js';
import { RequestMeter, type MeterSnapshot } from './meter.js';
import type { BenchSection } from './section.js';
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

export interface ProduceScenarioResult {
  scenario: Scenario;
  topic: string;
  recordsPerSecond: number;
  mbPerSecond: number;
  ack: LoadResult['latency'];
  load: LoadResult;
  /** Successful appends over the whole run (warm-up included): one segment, one committed batch each. */
  committedBatches: number;
  /** Storage requests over the same span, for the per-batch costs. */
  requests: MeterSnapshot;
  /** Records each partition holds afterwards; their sum must equal committedBatches × 100. */
  highWatermarks: number[];
  consistent: boolean;
}

export interface ProduceResults {
  recordBytes: number;
  recordsPerRequest: number;
  scenarios: ProduceScenarioResult[];
}

export const produceSection: BenchSection<ProduceResults> = {
  name: 'produce',
  async run(ctx) {
    const scenarios: ProduceScenarioResult[] = [];
    for (const scenario of SCENARIOS) {
      const topic = `bench-produce-${scenario.id}`;
      await createTopic(ctx.stack.url, topic, scenario.partitions);
      const bodies = Array.from({ length: scenario.producers }, (_, i) => produceBody(i % scenario.partitions));
      const url = `${ctx.stack.url}/v1/topics/${topic}/records`;
      ctx.log(`produce ${scenario.label}…`);
      const before = ctx.meter.snapshot();
      const load = await runClosedLoop(
        { workers: scenario.producers, warmupMs: ctx.quick ? 500 : 2000, measureMs: ctx.quick ? 2000 : 12_000 },
        async (w) => void (await callApi(url, { method: 'POST', body: bodies[w]! })),
      );
      const requests = RequestMeter.between(before, ctx.meter.snapshot());
      const hw = await highWatermarks(ctx.stack.url, topic);
      const recordsPerSecond = load.opsPerSecond * RECORDS_PER_REQUEST;
      scenarios.push({
        scenario,
        topic,
        recordsPerSecond: round(recordsPerSecond, 0),
        mbPerSecond: round((recordsPerSecond * RECORD_BYTES) / MiB),
        ack: load.latency,
        load,
        committedBatches: load.totalOps,
        requests,
        highWatermarks: hw,
        consistent: hw.reduce((s, n) => s + n, 0) === load.totalOps * RECORDS_PER_REQUEST,
      });
    }
    return {
      results: { recordBytes: RECORD_BYTES, recordsPerRequest: RECORDS_PER_REQUEST, scenarios },
      tables: [
        {
          title: `Produce: ${RECORD_BYTES} B records, ${RECORDS_PER_REQUEST} per request, closed loop over HTTP`,
          columns: ['scenario', 'records/s', 'MB/s', 'ack p50 ms', 'ack p99 ms', 'requests', 'errors', 'log consistent'],
          rows: scenarios.map((s) => [
            s.scenario.label,
            s.recordsPerSecond,
            s.mbPerSecond,
            s.ack.p50Ms,
            s.ack.p99Ms,
            s.load.measuredOps,
            s.load.errors,
            s.consistent ? 'yes' : 'NO',
          ]),
          notes: ['MB/s counts record values (MiB = 2^20 bytes); the HTTP body is larger (base64 in JSON).'],
        },
      ],
    };
  },
};
