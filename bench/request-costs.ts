import { callsOf, DYNAMO_READ_CALLS, DYNAMO_WRITE_CALLS, S3_GETS, S3_PUTS, type MeterSnapshot } from './meter.js';
import { produceSection } from './produce.js';
import { resultsOf, type BenchSection } from './section.js';
import { round } from './stats.js';

export const CAPACITY_METHOD =
  'ConsumedCapacity reported by dynalite (ReturnConsumedCapacity=TOTAL), which applies AWS rules: a write costs 1 WCU per KB of the larger of the item before and after; a strongly consistent read 1 RCU per 4 KB. Failed conditional writes return no ConsumedCapacity; AWS bills them too, counted here at the minimum of 1 WCU each, so WCU is a lower bound when there are any.';

export interface RequestCosts {
  scenario: string;
  committedBatches: number;
  /** Amortised per committed batch (one segment, one successful append). */
  perBatch: {
    s3Puts: number;
    s3Gets: number;
    dynamoReads: number;
    /** Successful and failed write calls. */
    dynamoWrites: number;
    /** Already included in dynamoWrites and wcu. */
    failedConditionalWrites: number;
    rcu: number;
    /** Reported units plus 1 per failed conditional write. */
    wcu: number;
  };
  /** Every storage call in the scenario, successful and failed, by command. */
  calls: { ok: Record<string, number>; failed: Record<string, number> };
}

export function costsPerBatch(scenario: string, batches: number, w: MeterSnapshot): RequestCosts {
  const per = (n: number) => round(n / batches, 3);
  return {
    scenario,
    committedBatches: batches,
    perBatch: {
      s3Puts: per(callsOf(w, S3_PUTS)),
      s3Gets: per(callsOf(w, S3_GETS)),
      dynamoReads: per(callsOf(w, DYNAMO_READ_CALLS)),
      dynamoWrites: per(callsOf(w, DYNAMO_WRITE_CALLS)),
      failedConditionalWrites: per(w.conditionalFailures),
      rcu: per(w.reportedRcu),
      wcu: per(w.reportedWcu + w.conditionalFailures),
    },
    calls: { ok: w.ok, failed: w.failed },
  };
}

/** Storage requests and capacity units per committed batch, over each produce scenario's whole run. */
export const requestCostsSection: BenchSection<{ capacityMethod: string; unreportedCalls: number; scenarios: RequestCosts[] }> = {
  name: 'requestCosts',
  async run(ctx) {
    const produced = resultsOf(ctx, produceSection).scenarios;
    const scenarios = produced.map((p) => costsPerBatch(p.scenario.label, p.committedBatches, p.requests));
    const unreportedCalls = produced.reduce((s, p) => s + p.requests.unreported, 0);
    return {
      results: { capacityMethod: CAPACITY_METHOD, unreportedCalls, scenarios },
      tables: [
        {
          title: 'Storage requests per committed batch (amortised over each produce scenario, warm-up included)',
          columns: ['scenario', 'batches', 'S3 PUT', 'S3 GET', 'DDB reads', 'DDB writes*', 'of which failed cond.', 'RCU', 'WCU*'],
          rows: scenarios.map((s) => [
            s.scenario,
            s.committedBatches,
            s.perBatch.s3Puts,
            s.perBatch.s3Gets,
            s.perBatch.dynamoReads,
            s.perBatch.dynamoWrites,
            s.perBatch.failedConditionalWrites,
            s.perBatch.rcu,
            s.perBatch.wcu,
          ]),
          notes: [
            '* DDB writes and WCU include the failed conditional writes (at 1 WCU each, the minimum AWS bills); do not add them again.',
            `Capacity units: ${unreportedCalls ? `${unreportedCalls} calls reported none; ` : ''}reported by dynalite per AWS rules (see results.json requestCosts.capacityMethod).`,
            ...scenarios.map((s) => `${s.scenario}: ${Object.entries(s.calls.ok).map(([k, v]) => `${k.replace('Command', '')} ${v}`).join(', ')}${Object.keys(s.calls.failed).length ? `; failed ${Object.entries(s.calls.failed).map(([k, v]) => `${k.replace('Command', '')} ${v}`).join(', ')}` : ''}`),
          ],
        },
      ],
    };
  },
};
