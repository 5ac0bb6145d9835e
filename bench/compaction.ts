import { randomBytes } from 'node:crypto';
import { MAX_FETCH_BYTES } from '../lib/contract/limits.js';
import { CleanerStore } from '../lib/log/cleaner-store.js';
import { HeadStore } from '../lib/log/head-store.js';
import { LogCleaner, type CleanerResult } from '../lib/log/log-cleaner.js';
import { partitionKey } from '../lib/log/partition-log.js';
import { FILE_DELETE_DELAY_MS } from '../lib/log/retention.js';
import { SegmentStore } from '../lib/log/segment-store.js';
import { callApi } from './http.js';
import { callsOf, RequestMeter, S3_GETS, S3_PUTS } from './meter.js';
import type { BenchContext, BenchSection } from './section.js';
import { serveAnotherRunnel } from './server.js';
import { MiB, round } from './stats.js';

/**
 * Compaction and merging (docs/compaction.md): how fast a compaction rewrites a partition, how much
 * space it reclaims on keyed updates, and what merging small segments does to a catch-up read.
 * The cleaner runs directly on the one partition (a fresh instance, cold caches, as the maintenance
 * Lambda is), not through a whole maintenance pass, so other sections' topics stay out of the figures.
 */

const VALUE_BYTES = 1024;
/** Records per produce request in the keyed-update workload. */
const RECORDS_PER_UPDATE = 20;
/** Produce requests in flight at once while loading a workload. */
const PRODUCERS = 16;

export interface CompactionFigures {
  keys: number;
  updatesPerKey: number;
  recordsProduced: number;
  recordsRead: number;
  recordsRemoved: number;
  seconds: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  segmentBytesBefore: number;
  segmentBytesAfter: number;
  reclaimedShare: number;
  requests: Record<string, number>;
}

export interface CatchUpFigures {
  segments: number;
  mb: number;
  seconds: number;
  mbPerSecond: number;
  s3Gets: number;
  s3GetsPerMiB: number;
}

export interface MergeFigures {
  batches: number;
  before: CatchUpFigures;
  after: CatchUpFigures;
  mergeSeconds: number;
  segmentsReplaced: number;
  segmentsWritten: number;
  chunksBefore: number;
  chunksAfter: number;
}

const valueOf = () => randomBytes(VALUE_BYTES).toString('base64');

async function produceAll(url: string, topic: string, bodies: Array<() => string>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!();
        await callApi(`${url}/v1/topics/${topic}/records`, { method: 'POST', body });
      }
    }),
  );
}

function cleanerOn(ctx: BenchContext): { cleaner: LogCleaner; heads: HeadStore } {
  const { dynamo, s3 } = ctx.stack.runnel.clients;
  const { logTable, bucket } = ctx.stack.runnel.config;
  const heads = new HeadStore(dynamo, logTable);
  return { cleaner: new LogCleaner({ heads, cleaner: new CleanerStore(dynamo, logTable), segments: new SegmentStore(s3, bucket), rollTailAt: ctx.stack.runnel.log.rollThreshold }), heads };
}

/** The committed index of a partition: its chunks below the tail base and the tail's entries. */
async function indexOf(heads: HeadStore, topicId: string) {
  const pk = partitionKey({ topicId, partition: 0 });
  const head = (await heads.read(pk))!;
  const chunks = await heads.chunksBelow(pk, head.tailBase);
  const entries = [...chunks.flatMap((c) => c.entries), ...head.tail];
  return { chunks: chunks.length, bytes: entries.reduce((sum, e) => sum + e.bytes, 0), segments: entries.length };
}

/** A cold reader (a fresh instance behind its own server) reads the partition from 0, skipping gaps. */
async function catchUp(ctx: BenchContext, topic: string, segments: number): Promise<CatchUpFigures> {
  const reader = await serveAnotherRunnel(ctx, {}, ['fetch']);
  try {
    const before = ctx.meter.snapshot();
    const t0 = performance.now();
    let offset = 0;
    let bytes = 0;
    for (;;) {
      const page = await callApi<{ records: Array<{ value: string }>; nextOffset: number; highWatermark: number }>(
        `${reader.url}/v1/topics/${topic}/partitions/0/records?offset=${offset}&limit=10000&maxBytes=${MAX_FETCH_BYTES}`,
      );
      for (const r of page.records) bytes += Buffer.byteLength(r.value, 'base64');
      if (page.nextOffset <= offset || page.nextOffset >= page.highWatermark) break;
      offset = page.nextOffset;
    }
    const seconds = (performance.now() - t0) / 1000;
    const gets = callsOf(RequestMeter.between(before, ctx.meter.snapshot()), S3_GETS);
    return { segments, mb: round(bytes / MiB, 2), seconds: round(seconds), mbPerSecond: round(bytes / MiB / seconds), s3Gets: gets, s3GetsPerMiB: round(gets / (bytes / MiB), 2) };
  } finally {
    await reader.close();
  }
}

async function compactionWorkload(ctx: BenchContext): Promise<CompactionFigures> {
  const keys = ctx.quick ? 100 : 1000;
  const updatesPerKey = ctx.quick ? 10 : 20;
  const topic = 'bench-compaction';
  await callApi(`${ctx.stack.url}/v1/topics`, { method: 'POST', body: JSON.stringify({ name: topic, config: { 'cleanup.policy': 'compact' } }) }, 201);
  // Every key updated `updatesPerKey` times, RECORDS_PER_UPDATE records a request, keys spread over the requests.
  const records = Array.from({ length: keys * updatesPerKey }, (_, i) => ({ key: `key-${i % keys}`, partition: 0 }));
  const bodies: Array<() => string> = [];
  for (let i = 0; i < records.length; i += RECORDS_PER_UPDATE) {
    const slice = records.slice(i, i + RECORDS_PER_UPDATE);
    bodies.push(() => JSON.stringify({ records: slice.map((r) => ({ ...r, value: valueOf(), valueEncoding: 'base64' })) }));
  }
  ctx.log(`compaction: producing ${records.length} keyed updates…`);
  await produceAll(ctx.stack.url, topic, bodies);
  const { topicId, config } = await ctx.stack.runnel.topics.get(topic);
  const { cleaner, heads } = cleanerOn(ctx);
  const before = await indexOf(heads, topicId);
  const window = ctx.meter.snapshot();
  const t0 = performance.now();
  const now = Date.now();
  const result: CleanerResult = await cleaner.clean({ topicId, partition: 0 }, config, {
    clock: () => now,
    deadline: Date.now() + 10 * 60_000,
    // Only compaction here: the segments are seconds old, and merging is measured on its own below.
    options: { settleMs: 0, mergeAfterMs: 0, minMergeEntries: Number.MAX_SAFE_INTEGER },
  });
  const seconds = (performance.now() - t0) / 1000;
  const requests = RequestMeter.between(window, ctx.meter.snapshot()).ok;
  // The replaced segments go after the delay; a later run deletes them.
  await cleaner.clean({ topicId, partition: 0 }, config, { clock: () => now + FILE_DELETE_DELAY_MS, deadline: Date.now() + 60_000, options: { minMergeEntries: Number.MAX_SAFE_INTEGER } });
  const after = await indexOf(heads, topicId);
  // The cleaner reads every record below the head's tail, which it never compacts.
  const tailRecords = (await heads.read(partitionKey({ topicId, partition: 0 })))!.tail.reduce((sum, e) => sum + e.count, 0);
  const read = records.length - tailRecords;
  return {
    keys,
    updatesPerKey,
    recordsProduced: records.length,
    recordsRead: read,
    recordsRemoved: result.recordsRemoved,
    seconds: round(seconds),
    recordsPerSecond: round(read / seconds, 0),
    mbPerSecond: round(result.bytesReplaced / MiB / seconds),
    segmentBytesBefore: before.bytes,
    segmentBytesAfter: after.bytes,
    reclaimedShare: round(1 - after.bytes / before.bytes, 3),
    requests,
  };
}

async function mergeWorkload(ctx: BenchContext): Promise<MergeFigures> {
  const batches = ctx.quick ? 500 : 4000;
  const topic = 'bench-merge';
  await callApi(`${ctx.stack.url}/v1/topics`, { method: 'POST', body: JSON.stringify({ name: topic }) }, 201);
  ctx.log(`merge: producing ${batches} one-record batches…`);
  await produceAll(
    ctx.stack.url,
    topic,
    Array.from({ length: batches }, () => () => JSON.stringify({ records: [{ value: valueOf(), valueEncoding: 'base64', partition: 0 }] })),
  );
  const { topicId, config } = await ctx.stack.runnel.topics.get(topic);
  const { cleaner, heads } = cleanerOn(ctx);
  const indexBefore = await indexOf(heads, topicId);
  const before = await catchUp(ctx, topic, indexBefore.segments);
  const t0 = performance.now();
  const result = await cleaner.clean({ topicId, partition: 0 }, config, {
    clock: () => Date.now(),
    deadline: Date.now() + 10 * 60_000,
    options: { mergeAfterMs: 0, settleMs: 0 },
  });
  const mergeSeconds = (performance.now() - t0) / 1000;
  const indexAfter = await indexOf(heads, topicId);
  const after = await catchUp(ctx, topic, indexAfter.segments);
  return {
    batches,
    before,
    after,
    mergeSeconds: round(mergeSeconds),
    segmentsReplaced: result.segmentsReplaced,
    segmentsWritten: result.segmentsWritten,
    chunksBefore: indexBefore.chunks,
    chunksAfter: indexAfter.chunks,
  };
}

export const compactionSection: BenchSection<{ compaction: CompactionFigures; merge: MergeFigures }> = {
  name: 'compaction',
  async run(ctx) {
    const compaction = await compactionWorkload(ctx);
    const merge = await mergeWorkload(ctx);
    const puts = (compaction.requests[S3_PUTS[0]!] ?? 0) as number;
    return {
      results: { compaction, merge },
      tables: [
        {
          title: `Compaction of keyed updates (${compaction.keys} keys × ${compaction.updatesPerKey} updates, ${VALUE_BYTES} B values, ${RECORDS_PER_UPDATE} records a request)`,
          columns: ['records read', 'removed', 'seconds', 'records/s', 'MB/s rewritten', 'segment bytes before', 'after', 'reclaimed', 'S3 PUTs'],
          rows: [
            [
              compaction.recordsRead,
              compaction.recordsRemoved,
              compaction.seconds,
              compaction.recordsPerSecond,
              compaction.mbPerSecond,
              compaction.segmentBytesBefore,
              compaction.segmentBytesAfter,
              `${round(compaction.reclaimedShare * 100, 1)}%`,
              puts,
            ],
          ],
          notes: ['One compaction pass of the partition by a cold cleaner: it reads every record below the tail twice (key map, then rewrite; the second from its cache) and writes 4 MiB segments.'],
        },
        {
          title: `Catch-up read before and after merging (${merge.batches} one-record batches of ${VALUE_BYTES} B, cold reader, maxBytes ${MAX_FETCH_BYTES})`,
          columns: ['', 'segments', 'index chunks', 'MB', 'S3 GETs', 'GETs/MiB', 'MB/s'],
          rows: [
            ['before', merge.before.segments, merge.chunksBefore, merge.before.mb, merge.before.s3Gets, merge.before.s3GetsPerMiB, merge.before.mbPerSecond],
            ['after', merge.after.segments, merge.chunksAfter, merge.after.mb, merge.after.s3Gets, merge.after.s3GetsPerMiB, merge.after.mbPerSecond],
          ],
          notes: [`The merge replaced ${merge.segmentsReplaced} segments with ${merge.segmentsWritten} in ${merge.mergeSeconds} s. Segments left in the head's tail are not merged.`],
        },
      ],
    };
  },
};
