import { MAX_FETCH_BYTES } from '../lib/contract/limits.js';
import { callApi } from './http.js';
import { callsOf, RequestMeter, S3_GETS, DYNAMO_READ_CALLS, type MeterSnapshot } from './meter.js';
import { produceSection, type ProduceScenarioResult } from './produce.js';
import { resultsOf, type BenchContext, type BenchSection } from './section.js';
import { MiB, round } from './stats.js';
import { serveAnotherRunnel } from './server.js';
import { RECORD_BYTES } from './workload.js';

/** The most a fetch may return: catch-up reads as much per request as the API allows. */
const FETCH_LIMIT = 10_000;
/** A safety bound per pass; a pass that hits it reports what it read so far. */
const PASS_BUDGET_MS = 45_000;

export interface FetchPass {
  /** cold: a fresh Runnel instance (empty caches, like a new Lambda instance) reads every segment from S3. */
  cache: 'cold';
  records: number;
  bytes: number;
  seconds: number;
  mbPerSecond: number;
  recordsPerSecond: number;
  fetchRequests: number;
  complete: boolean;
  requests: MeterSnapshot;
  s3GetsPerSegment: number;
  dynamoReadsPerFetch: number;
}

export interface FetchScenarioResult {
  scenario: string;
  segments: number;
  passes: FetchPass[];
}

interface FetchPage {
  records: Array<{ value: string }>;
  nextOffset: number;
}

/** Reads every partition from offset 0 to its high watermark, one reader per partition, all at once. */
async function catchUp(ctx: BenchContext, baseUrl: string, produced: ProduceScenarioResult, cache: FetchPass['cache']): Promise<FetchPass> {
  const deadline = performance.now() + PASS_BUDGET_MS;
  const before = ctx.meter.snapshot();
  const t0 = performance.now();
  let records = 0;
  let bytes = 0;
  let fetchRequests = 0;
  let complete = true;
  await Promise.all(
    produced.highWatermarks.map(async (hw, partition) => {
      let offset = 0;
      while (offset < hw) {
        if (performance.now() > deadline) return void (complete = false);
        const page = await callApi<FetchPage>(
          `${baseUrl}/v1/topics/${produced.topic}/partitions/${partition}/records?offset=${offset}&limit=${FETCH_LIMIT}&maxBytes=${MAX_FETCH_BYTES}`,
        );
        fetchRequests++;
        if (page.records.length === 0) throw new Error(`empty page at offset ${offset} below the high watermark ${hw}`);
        records += page.records.length;
        for (const r of page.records) bytes += Buffer.byteLength(r.value, 'base64');
        offset = page.nextOffset;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const requests = RequestMeter.between(before, ctx.meter.snapshot());
  return {
    cache,
    records,
    bytes,
    seconds: round(seconds),
    mbPerSecond: round(bytes / MiB / seconds),
    recordsPerSecond: round(records / seconds, 0),
    fetchRequests,
    complete,
    requests,
    s3GetsPerSegment: round(callsOf(requests, S3_GETS) / produced.committedBatches, 3),
    dynamoReadsPerFetch: round(callsOf(requests, DYNAMO_READ_CALLS) / fetchRequests, 2),
  };
}

/** Catch-up: read back everything a produce scenario wrote, from offset 0, with the largest fetches the API allows. */
export const fetchSection: BenchSection<{ maxBytes: number; limit: number; scenarios: FetchScenarioResult[] }> = {
  name: 'fetch',
  async run(ctx) {
    const produced = resultsOf(ctx, produceSection).scenarios;
    const scenarios: FetchScenarioResult[] = [];
    for (const p of produced) {
      ctx.log(`fetch catch-up ${p.scenario.label}…`);
      const reader = await serveAnotherRunnel(ctx, {}, ['fetch']);
      try {
        const cold = await catchUp(ctx, reader.url, p, 'cold');
        scenarios.push({ scenario: p.scenario.label, segments: p.committedBatches, passes: [cold] });
      } finally {
        await reader.close();
      }
    }
    return {
      results: { maxBytes: MAX_FETCH_BYTES, limit: FETCH_LIMIT, scenarios },
      tables: [
        {
          title: `Fetch catch-up from offset 0 (maxBytes ${MAX_FETCH_BYTES}, limit ${FETCH_LIMIT}, one reader per partition)`,
          columns: ['scenario', 'cache', 'MB read', 'MB/s', 'records/s', 'fetches', 'S3 GET/segment', 'DDB reads/fetch', 'complete'],
          rows: scenarios.flatMap((s) =>
            s.passes.map((f) => [
              s.scenario,
              f.cache,
              round(f.bytes / MiB, 1),
              f.mbPerSecond,
              f.recordsPerSecond,
              f.fetchRequests,
              f.s3GetsPerSegment,
              f.dynamoReadsPerFetch,
              f.complete ? 'yes' : 'NO (time budget)',
            ]),
          ),
          notes: [
            'cold: a fresh Runnel instance with empty caches (a new Lambda instance) behind its own HTTP server reads every segment from S3.',
            `Values are ${RECORD_BYTES} B; MB/s counts values. DDB reads/fetch: head, topic and index chunks.`,
          ],
        },
      ],
    };
  },
};
