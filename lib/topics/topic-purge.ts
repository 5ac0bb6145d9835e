import type { HeadStore } from '../log/head-store.js';
import { partitionKey } from '../log/partition-log.js';
import { topicPrefix, type SegmentStore } from '../log/segment-store.js';
import type { TopicStore } from './topic-store.js';

/**
 * Removes the data of deleted topics: segment objects, then heads and chunks, then the purge marker.
 * Every step is idempotent, so an interrupted purge is simply run again.
 */
export async function purgeDeletedTopics(topics: TopicStore, heads: HeadStore, segments: SegmentStore): Promise<number> {
  const pending = await topics.pendingPurges();
  for (const { topicId, partitions } of pending) {
    await segments.deletePrefix(topicPrefix(topicId));
    for (let partition = 0; partition < partitions; partition++) await heads.purge(partitionKey({ topicId, partition }));
    await topics.purgeDone(topicId);
  }
  return pending.length;
}
