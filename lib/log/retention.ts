import type { TopicConfig } from '../topics/topic-config.js';
import type { HeadStore } from './head-store.js';
import { partitionKey, type PartitionLog, type PartitionRef } from './partition-log.js';
import { segmentKey, type SegmentStore } from './segment-store.js';

export interface RetentionResult {
  logStartOffset: number;
  deletedSegments: number;
}

/**
 * Kafka's delete policy, by whole segments from the oldest: a segment goes when its newest record is
 * older than `retention.ms`, or while the partition is over `retention.bytes`, and deletion stops at
 * the first segment that must stay. The log start moves first; the chunk items and segment objects
 * wholly below it are deleted after, so a reader never finds an offset it may read whose data is gone.
 * Segments still listed in the head's tail are deleted once a roll has moved them into a chunk.
 */
export async function applyRetention(
  log: PartitionLog,
  heads: HeadStore,
  segments: SegmentStore,
  ref: PartitionRef,
  config: TopicConfig,
  now = Date.now(),
): Promise<RetentionResult> {
  const pk = partitionKey(ref);
  const head = await log.head(ref);
  const retentionMs = config['retention.ms'];
  const retentionBytes = config['retention.bytes'];
  // A size limit needs the partition's total, so the whole index; a time limit alone stops reading
  // at the first segment to keep, so a long log costs a few reads per run, not one per chunk.
  let bytes = 0;
  if (retentionBytes >= 0) for await (const entry of log.entriesFrom(pk, head, head.logStartOffset)) bytes += entry.bytes;
  let start = head.logStartOffset;
  for await (const entry of log.entriesFrom(pk, head, head.logStartOffset)) {
    const expired = retentionMs >= 0 && entry.maxTimestamp < now - retentionMs;
    const overSize = retentionBytes >= 0 && bytes > retentionBytes;
    if (!expired && !overSize) break;
    start = entry.baseOffset + entry.count;
    bytes -= entry.bytes;
  }
  if (start > head.logStartOffset) await heads.advanceLogStart(pk, start);
  const logStartOffset = Math.max(start, head.logStartOffset);
  let deletedSegments = 0;
  for (const chunk of await heads.chunksBelow(pk, logStartOffset)) {
    await segments.deleteAll(chunk.entries.map((entry) => segmentKey(ref.topicId, ref.partition, entry.segmentId)));
    deletedSegments += chunk.entries.length;
    await heads.deleteChunk(pk, chunk.base);
  }
  return { logStartOffset, deletedSegments };
}
