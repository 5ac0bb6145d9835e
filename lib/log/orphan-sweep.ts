import type { HeadStore } from './head-store.js';
import { partitionKey, type PartitionRef } from './partition-log.js';
import { segmentIdTime } from './segment-id.js';
import type { SegmentStore } from './segment-store.js';

export interface SweepOrphansOptions {
  heads: HeadStore;
  segments: SegmentStore;
  ref: PartitionRef;
  minAgeMs: number;
  now?: number;
  deadline?: number;
}

/**
 * A writer that died between its S3 PUT and its commit leaves an object no index entry names. Appends
 * happen within seconds of their PUT (a Lambda cannot outlive 15 minutes), so an unreferenced object
 * older than `minAgeMs` can never be committed and is deleted. Segment ids begin with their time, so
 * a partition lists oldest first and the listing stops at the first object too young to judge. It
 * reads the whole index of the partition, so it runs far less often than retention; past `deadline`
 * it stops after the current page of 1,000 keys.
 */
export async function sweepOrphans(
  {
    heads,
    segments,
    ref,
    minAgeMs,
    now = Date.now(),
    deadline = Infinity,
  }: SweepOrphansOptions,
): Promise<number> {
  const pk = partitionKey(ref);
  const prefix = `${ref.topicId}/${ref.partition}/`;
  let referenced: Set<string> | undefined;
  let deleted = 0;
  for await (const keys of segments.listKeys(prefix)) {
    const old = keys.filter((key) => segmentIdTime(key.slice(prefix.length)) < now - minAgeMs);
    if (old.length && !referenced) {
      // Read after the objects were listed: an object that old was committed, if ever, before this.
      const head = await heads.read(pk);
      if (!head) return deleted;
      referenced = new Set(head.tail.map((e) => e.segmentId));
      for (const chunk of await heads.chunksBelow(pk, Number.MAX_SAFE_INTEGER)) for (const e of chunk.entries) referenced.add(e.segmentId);
    }
    const orphans = old.filter((key) => !referenced!.has(key.slice(prefix.length)));
    await segments.deleteAll(orphans);
    deleted += orphans.length;
    if (old.length < keys.length || Date.now() >= deadline) break;
  }
  return deleted;
}
