import { produceSection, type ProduceScenarioResult, type ProfileName } from './produce.js';
import { requestCostsSection } from './request-costs.js';
import { resultsOf, type BenchSection, type TargetCheck } from './section.js';
import { round } from './stats.js';

/** Issue 2's targets (without a latency profile), and issue 10's: the same ratios under the AWS profile, and the server's CPU per batch. */
export const TARGETS = {
  floorRatio: 0.8,
  s3PutsPerBatch: 1,
  dynamoWritesPerBatch: 2,
  p99OverFloorP99: 1.5,
  awsFloorRatio: 0.9,
  awsP99OverFloorP99: 1.2,
  serverCpuMsPerBatch: 2,
} as const;

interface Comparison {
  scenario: string;
  profile: ProfileName;
  floorRatio: number;
  ackP99Ms: number;
  floorP99Ms: number;
  p99OverFloorP99: number;
  /** Mean ack latency less the floor's mean: what a produce adds to its storage calls (HTTP, CPU, extra round trips). */
  addedMeanMs: number;
  serverCpuMsPerBatch: number;
  roundTripsPerProduce: number;
}

const compare = (p: ProduceScenarioResult): Comparison => ({
  scenario: p.scenario.label,
  profile: p.profile,
  floorRatio: round(p.recordsPerSecond / p.floor.recordsPerSecond, 3),
  ackP99Ms: p.latency.p99Ms,
  floorP99Ms: p.floor.latency.p99Ms,
  p99OverFloorP99: round(p.latency.p99Ms / p.floor.latency.p99Ms, 3),
  addedMeanMs: round(p.latency.meanMs - p.floor.latency.meanMs, 1),
  serverCpuMsPerBatch: p.cpu.serverMs,
  roundTripsPerProduce: p.roundTrips.meanRoundTrips,
});

/** Compares the system with its storage floor and checks every target; its checks print last. */
export const targetsSection: BenchSection<{ targets: typeof TARGETS; comparisons: Comparison[] }> = {
  name: 'versusFloor',
  async run(ctx) {
    const produced = resultsOf(ctx, produceSection);
    const costs = resultsOf(ctx, requestCostsSection).scenarios;
    const comparisons = [...produced.scenarios, ...produced.underAwsProfile].map(compare);
    const checks: TargetCheck[] = [];
    produced.scenarios.forEach((p, i) => {
      const c = compare(p);
      const cost = costs[i]!;
      const scenario = p.scenario.label;
      checks.push(
        { target: 'throughput ÷ floor ≥ (no profile)', scenario, value: c.floorRatio, limit: TARGETS.floorRatio, pass: c.floorRatio >= TARGETS.floorRatio },
        { target: 'S3 PUT per batch ≤', scenario, value: cost.perBatch.s3Puts, limit: TARGETS.s3PutsPerBatch, pass: cost.perBatch.s3Puts <= TARGETS.s3PutsPerBatch },
        {
          target: 'DynamoDB writes per batch ≤',
          scenario,
          value: cost.perBatch.dynamoWrites,
          limit: TARGETS.dynamoWritesPerBatch,
          pass: cost.perBatch.dynamoWrites <= TARGETS.dynamoWritesPerBatch,
        },
        { target: 'ack p99 ÷ floor p99 ≤ (no profile)', scenario, value: c.p99OverFloorP99, limit: TARGETS.p99OverFloorP99, pass: c.p99OverFloorP99 <= TARGETS.p99OverFloorP99 },
      );
    });
    for (const p of produced.underAwsProfile) {
      const c = compare(p);
      const scenario = p.scenario.label;
      checks.push(
        { target: 'throughput ÷ floor ≥ (AWS profile)', scenario, value: c.floorRatio, limit: TARGETS.awsFloorRatio, pass: c.floorRatio >= TARGETS.awsFloorRatio },
        { target: 'ack p99 ÷ floor p99 ≤ (AWS profile)', scenario, value: c.p99OverFloorP99, limit: TARGETS.awsP99OverFloorP99, pass: c.p99OverFloorP99 <= TARGETS.awsP99OverFloorP99 },
        { target: 'server CPU ms per batch ≤ (AWS profile)', scenario, value: c.serverCpuMsPerBatch, limit: TARGETS.serverCpuMsPerBatch, pass: c.serverCpuMsPerBatch <= TARGETS.serverCpuMsPerBatch },
      );
    }
    return {
      results: { targets: TARGETS, comparisons },
      targets: checks,
      tables: [
        {
          title: 'System versus storage floor (same emulators, same concurrency, same run)',
          columns: ['scenario', 'latency profile', 'throughput ÷ floor', 'ack p99 ms', 'floor p99 ms', 'p99 ÷ floor p99', 'mean ms added', 'server CPU ms/batch', 'round trips/produce'],
          rows: comparisons.map((c) => [
            c.scenario,
            c.profile === 'aws' ? 'AWS profile' : 'none',
            c.floorRatio,
            c.ackP99Ms,
            c.floorP99Ms,
            c.p99OverFloorP99,
            c.addedMeanMs,
            c.serverCpuMsPerBatch,
            c.roundTripsPerProduce,
          ]),
          notes: ['mean ms added: mean ack latency less the floor\'s mean latency. The floor makes 2 round trips per batch (PutObject, then UpdateItem).'],
        },
      ],
    };
  },
};
