import { produceSection } from './produce.js';
import { requestCostsSection } from './request-costs.js';
import { resultsOf, type BenchSection, type TargetCheck } from './section.js';
import { round } from './stats.js';

/** Issue 2's targets. */
export const TARGETS = { floorRatio: 0.8, s3PutsPerBatch: 1, dynamoWritesPerBatch: 2, p99OverFloorP99: 1.5 } as const;

interface Comparison {
  scenario: string;
  floorRatio: number;
  ackP99Ms: number;
  floorP99Ms: number;
  p99OverFloorP99: number;
}

/** Compares the system with its storage floor and checks every target; its checks print last. */
export const targetsSection: BenchSection<{ targets: typeof TARGETS; comparisons: Comparison[] }> = {
  name: 'versusFloor',
  async run(ctx) {
    const produced = resultsOf(ctx, produceSection).scenarios;
    const costs = resultsOf(ctx, requestCostsSection).scenarios;
    const comparisons: Comparison[] = [];
    const checks: TargetCheck[] = [];
    produced.forEach((p, i) => {
      const floor = p.floor;
      const cost = costs[i]!;
      const scenario = p.scenario.label;
      const c: Comparison = {
        scenario,
        floorRatio: round(p.recordsPerSecond / floor.recordsPerSecond, 3),
        ackP99Ms: p.latency.p99Ms,
        floorP99Ms: floor.latency.p99Ms,
        p99OverFloorP99: round(p.latency.p99Ms / floor.latency.p99Ms, 3),
      };
      comparisons.push(c);
      checks.push(
        { target: 'throughput ÷ floor ≥', scenario, value: c.floorRatio, limit: TARGETS.floorRatio, pass: c.floorRatio >= TARGETS.floorRatio },
        { target: 'S3 PUT per batch ≤', scenario, value: cost.perBatch.s3Puts, limit: TARGETS.s3PutsPerBatch, pass: cost.perBatch.s3Puts <= TARGETS.s3PutsPerBatch },
        {
          target: 'DynamoDB writes per batch ≤',
          scenario,
          value: cost.perBatch.dynamoWrites,
          limit: TARGETS.dynamoWritesPerBatch,
          pass: cost.perBatch.dynamoWrites <= TARGETS.dynamoWritesPerBatch,
        },
        { target: 'ack p99 ÷ floor p99 ≤', scenario, value: c.p99OverFloorP99, limit: TARGETS.p99OverFloorP99, pass: c.p99OverFloorP99 <= TARGETS.p99OverFloorP99 },
      );
    });
    return {
      results: { targets: TARGETS, comparisons },
      targets: checks,
      tables: [
        {
          title: 'System versus storage floor (same emulators, same concurrency)',
          columns: ['scenario', 'throughput ÷ floor', 'ack p99 ms', 'floor p99 ms', 'p99 ÷ floor p99'],
          rows: comparisons.map((c) => [c.scenario, c.floorRatio, c.ackP99Ms, c.floorP99Ms, c.p99OverFloorP99]),
        },
      ],
    };
  },
};
