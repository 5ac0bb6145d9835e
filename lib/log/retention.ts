import type { TopicConfig } from '../topics/topic-config.js';
import type { Head, HeadStore } from './head-store.js';
import { partitionKey, type PartitionLog, type PartitionRef } from './partition-log.js';
import { startWithinBytes, totalsCoverLog, whereTimestampReached } from './index-search.js';
import { segmentKey, type SegmentStore } from './segment-store.js';

/**
 * How long chunks and segment objects stay after the log start has moved past them, as Kafka's
 * `file.delete.delay.ms` (same default): a read that found its offset in the log before the move
 * finishes with its records. API functions time out after 30 s, so no read lasts this long on AWS; a
 * read that somehow does finds its data gone and answers 416 with the new bounds.
 */
export const FILE_DELETE_DELAY_MS = 60_000;

/** Segment keys per DeleteObjects call, S3's limit. */
const KEYS_PER_BATCH = 1000;

export interface RetentionOptions {
  /**
   * The clock retention judges by (tests move it). Read when the partition's turn comes and again when
   * the deletion mark is set, so a mark set late in a long run still gets its whole delay.
   */
  clock: () => number;
  /** Wall-clock time after which no further deletion batch starts; the next run resumes. */
  deadline: number;
}

export interface RetentionResult {
  logStartOffset: number;
  deletedSegments: number;
}

export interface ApplyRetentionOptions extends RetentionOptions {
  log: PartitionLog;
  heads: HeadStore;
  segments: SegmentStore;
  ref: PartitionRef;
  config: TopicConfig;
}

/**
 * Kafka's delete policy, by whole segments from the oldest: a segment goes when its newest record is
 * older than `retention.ms`, or while the partition is over `retention.bytes`, and deletion stops at
 * the first segment that must stay. It happens in two steps, a delay apart:
 * 1. the log start moves past the expired segments, and the head records that what lies below it may
 *    be deleted from `FILE_DELETE_DELAY_MS` on (unless an earlier such mark is still being worked off);
 * 2. a later run deletes the chunk items wholly below a ripe mark, with their segment objects (objects
 *    first, so an interrupted run leaves nothing unreferenced), in batches of up to 1,000 keys, until
 *    the deadline, resuming where it stopped on the next run.
 * Segments still listed in the head's tail are deleted once a roll has moved them into a chunk.
 */
export async function applyRetention(
  {
    log,
    heads,
    segments,
    ref,
    config,
    clock,
    deadline,
  }: ApplyRetentionOptions,
): Promise<RetentionResult> {
  const pk = partitionKey(ref);
  const now = clock();
  const head = await log.head(ref);

  let deletedSegments = 0;
  // Whether everything below the current mark is gone, so that a new mark may replace it.
  let cleared = head.deleteBelow === 0;
  if (!cleared && now >= head.deleteAfter) {
    for (;;) {
      const chunks = await heads.oldestChunksBelow(pk, head.deleteBelow, 100);
      if (chunks.length === 0) {
        cleared = true;
        break;
      }
      // Whole chunks, up to one DeleteObjects call's worth of keys (always at least one chunk).
      const batch = [chunks[0]!];
      let keys = chunks[0]!.entries.length;
      for (const chunk of chunks.slice(1)) {
        if ((keys += chunk.entries.length) > KEYS_PER_BATCH) break;
        batch.push(chunk);
      }
      await segments.deleteAll(batch.flatMap((chunk) => chunk.entries.map((e) => segmentKey(ref.topicId, ref.partition, e.segmentId))));
      for (let i = 0; i < batch.length; i += 16) await Promise.all(batch.slice(i, i + 16).map((chunk) => heads.deleteChunk(pk, chunk.base, head.deleteBelow)));
      deletedSegments += batch.reduce((sum, chunk) => sum + chunk.entries.length, 0);
      if (Date.now() >= deadline) break;
    }
  }

  const start = await retentionStart({ log, pk, head, config, now });
  if (start > head.logStartOffset) await heads.advanceLogStart(pk, start);
  const logStartOffset = Math.max(start, head.logStartOffset);
  if (cleared && logStartOffset > head.deleteBelow) await heads.scheduleDeletion({ pk, below: logStartOffset, after: clock() + FILE_DELETE_DELAY_MS, replacing: head.deleteBelow });
  return { logStartOffset, deletedSegments };
}

/**
 * The offset the log should start at under the topic's retention: the later of where time retention
 * and size retention would each start it, as Kafka applies them one after the other. Both are bounded
 * searches of the index (see index-search.ts); a partition whose oldest chunks predate the index
 * totals is walked instead.
 */
async function retentionStart({ log, pk, head, config, now }: { log: PartitionLog; pk: string; head: Head; config: TopicConfig; now: number }): Promise<number> {
  if (!totalsCoverLog(head)) return walkRetentionStart({ log, pk, head, config, now });
  const probe = log.probe(pk);
  let start = head.logStartOffset;
  if (config['retention.ms'] >= 0) {
    // Segments go while every record up to theirs is older than the cutoff; the first to keep stops it.
    const reach = await whereTimestampReached({ pk, probe, head, timestamp: now - config['retention.ms'] });
    start = Math.max(start, reach.at === 'entry' ? reach.entry.baseOffset : reach.at === 'end' ? head.nextOffset : start);
  }
  if (config['retention.bytes'] >= 0) start = Math.max(start, await startWithinBytes({ pk, probe, head, maxBytes: config['retention.bytes'] }));
  return start;
}

/** Retention for a partition whose oldest chunks predate the index totals: entry by entry. */
async function walkRetentionStart({ log, pk, head, config, now }: { log: PartitionLog; pk: string; head: Head; config: TopicConfig; now: number }): Promise<number> {
  const retentionMs = config['retention.ms'];
  const retentionBytes = config['retention.bytes'];
  let bytes = 0;
  if (retentionBytes >= 0) for await (const entry of log.entriesFrom({ pk, head, offset: head.logStartOffset })) bytes += entry.bytes;
  let start = head.logStartOffset;
  for await (const entry of log.entriesFrom({ pk, head, offset: head.logStartOffset })) {
    const expired = retentionMs >= 0 && entry.maxTimestamp < now - retentionMs;
    const overSize = retentionBytes >= 0 && bytes > retentionBytes;
    if (!expired && !overSize) break;
    start = entry.baseOffset + entry.count;
    bytes -= entry.bytes;
  }
  return start;
}
