import type { HeadStore } from './head-store.js';
import { partitionKey, type PartitionRef } from './partition-log.js';
import { segmentIdTime } from './segment-id.js';
import type { SegmentStore } from './segment-store.js';

/**
 * A writer that died between its S3 PUT and its commit leaves an object no index entry names. Appends
 * happen within seconds of their PUT (a Lambda cannot outlive 15 minutes), so an unreferenced object
 * older than `minAgeMs` can never be committed and is deleted. It lists and reads the whole index of
 * the partition, so it runs far less often than retention.
 */
export async function sweepOrphans(heads: HeadStore, segments: SegmentStore, ref: PartitionRef, minAgeMs: number, now = Date.now()): Promise<number> {
  const pk = partitionKey(ref);
  const prefix = `${ref.topicId}/${ref.partition}/`;
  const candidates: string[] = [];
  for await (const keys of segments.listKeys(prefix)) {
    for (const key of keys) if (segmentIdTime(key.slice(prefix.length)) < now - minAgeMs) candidates.push(key);
  }
  if (candidates.length === 0) return 0;
  const head = await heads.read(pk);
  if (!head) return 0;
  const referenced = new Set(head.tail.map((e) => e.segmentId));
  for (const chunk of await heads.chunksBelow(pk, Number.MAX_SAFE_INTEGER)) for (const e of chunk.entries) referenced.add(e.segmentId);
  const orphans = candidates.filter((key) => !referenced.has(key.slice(prefix.length)));
  await segments.deleteAll(orphans);
  return orphans.length;
}
