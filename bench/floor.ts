import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DEFAULT_LOG_OPTIONS } from '../lib/log/partition-log.js';
import { createStorageClients } from '../lib/storage/clients.js';
import { runClosedLoop, type LoadResult } from './load.js';
import { SCENARIOS } from './produce.js';
import type { BenchSection } from './section.js';
import { MiB, round } from './stats.js';
import { RECORD_BYTES, RECORDS_PER_REQUEST, segmentBody } from './workload.js';

export interface FloorResult {
  scenario: string;
  concurrency: number;
  segmentBytes: number;
  /** One floor operation stands for one committed batch of RECORDS_PER_REQUEST records. */
  recordsPerSecond: number;
  mbPerSecond: number;
  latency: LoadResult['latency'];
  load: LoadResult;
}

/**
 * The storage floor: what the emulators sustain for the bare storage work of one committed batch —
 * an S3 PutObject of a segment-sized body, then a DynamoDB UpdateItem of the head append's shape
 * (list_append of one entry plus a counter, conditional on the list's length, UPDATED_NEW) on a test
 * item of its own — issued directly with the SDK at the produce scenario's concurrency. Each worker
 * moves to a fresh item after maxTailEntries appends, so the item grows like a head between rolls
 * without any extra request.
 */
export const floorSection: BenchSection<{ maxTailEntries: number; scenarios: FloorResult[] }> = {
  name: 'floor',
  async run(ctx) {
    const config = ctx.stack.runnel.config;
    const clients = createStorageClients(config);
    const body = segmentBody();
    const maxTail = DEFAULT_LOG_OPTIONS.maxTailEntries;
    const entry = `${'0'.repeat(26)}:${RECORDS_PER_REQUEST}:${body.byteLength}:${Date.now()}`;
    const scenarios: FloorResult[] = [];
    for (const scenario of SCENARIOS) {
      ctx.log(`storage floor at concurrency ${scenario.producers}…`);
      const appends = new Array<number>(scenario.producers).fill(0);
      const load = await runClosedLoop(
        { workers: scenario.producers, warmupMs: ctx.quick ? 300 : 1000, measureMs: ctx.quick ? 1500 : 6000 },
        async (w) => {
          const n = appends[w]!++;
          await clients.s3.send(new PutObjectCommand({ Bucket: config.bucket, Key: `bench-floor/${scenario.id}/${w}/${n}`, Body: body }));
          await clients.dynamo.send(
            new UpdateItemCommand({
              TableName: config.logTable,
              Key: { p: { S: `bench-floor#${scenario.id}#${w}#${Math.floor(n / maxTail)}` }, b: { N: '-1' } },
              UpdateExpression: 'SET tail = list_append(if_not_exists(tail, :empty), :entry), nextOffset = if_not_exists(nextOffset, :zero) + :count',
              ConditionExpression: 'attribute_not_exists(tail) OR size(tail) < :max',
              ExpressionAttributeValues: {
                ':entry': { L: [{ S: entry }] },
                ':empty': { L: [] },
                ':zero': { N: '0' },
                ':count': { N: String(RECORDS_PER_REQUEST) },
                ':max': { N: String(maxTail) },
              },
              ReturnValues: 'UPDATED_NEW',
            }),
          );
        },
      );
      const recordsPerSecond = load.opsPerSecond * RECORDS_PER_REQUEST;
      scenarios.push({
        scenario: scenario.label,
        concurrency: scenario.producers,
        segmentBytes: body.byteLength,
        recordsPerSecond: round(recordsPerSecond, 0),
        mbPerSecond: round((recordsPerSecond * RECORD_BYTES) / MiB),
        latency: load.latency,
        load,
      });
    }
    clients.s3.destroy();
    clients.dynamo.destroy();
    return {
      results: { maxTailEntries: maxTail, scenarios },
      tables: [
        {
          title: `Storage floor: S3 PutObject (${body.byteLength} B) + DynamoDB UpdateItem (list_append + counter), direct SDK calls`,
          columns: ['concurrency of', 'batches/s', 'records/s equiv.', 'MB/s equiv.', 'p50 ms', 'p99 ms', 'errors'],
          rows: scenarios.map((s) => [s.scenario, round(s.load.opsPerSecond, 1), s.recordsPerSecond, s.mbPerSecond, s.latency.p50Ms, s.latency.p99Ms, s.load.errors]),
        },
      ],
    };
  },
};
