import type { HeadStore } from '../log/head-store.js';
import { partitionKey } from '../log/partition-log.js';
import { topicPrefix, type SegmentStore } from '../log/segment-store.js';
import { logger } from '../observability/logger.js';
import type { TopicStore } from './topic-store.js';

export interface PurgeReport {
  /** Deleted topics whose data is now wholly gone. */
  purged: number;
  /** Topics whose purge failed this run (logged); the next run tries them again. */
  failed: number;
  /** Topics left part-way because the run's time was up; the next run continues them. */
  unfinished: number;
}

/** The stores a purge deletes from. */
export interface PurgeStores {
  topics: TopicStore;
  heads: HeadStore;
  segments: SegmentStore;
}

/** Objects deleted between two looks at the clock: a page of DeleteObjects calls. */
const OBJECTS_PER_STEP = 10_000;

/**
 * Removes the data of deleted topics: segment objects, then heads and chunks, then the purge marker.
 * Every step is idempotent, so an interrupted purge is simply run again. Each topic is purged on its
 * own, so one that fails does not keep the others' data, and work stops at `deadline` (a page past
 * it at most) so that a run fits its Lambda's timeout; the marker stays until the topic is done.
 */
export async function purgeDeletedTopics(stores: PurgeStores, deadline = Infinity): Promise<PurgeReport> {
  const report: PurgeReport = { purged: 0, failed: 0, unfinished: 0 };
  for (const topic of await stores.topics.pendingPurges()) {
    const { topicId } = topic;
    try {
      if (await purgeTopic(stores, topic, deadline)) report.purged++;
      else report.unfinished++;
    } catch (error) {
      report.failed++;
      logger.warn('purge of a deleted topic failed', { topicId, error });
    }
  }
  return report;
}

async function purgeTopic(
  { topics, heads, segments }: PurgeStores,
  { topicId, partitions }: { topicId: string; partitions: number },
  deadline: number,
): Promise<boolean> {
  for (;;) {
    const { done } = await segments.deletePrefix(topicPrefix(topicId), OBJECTS_PER_STEP);
    if (done) break;
    if (Date.now() >= deadline) return false;
  }
  for (let partition = 0; partition < partitions; partition++) {
    if (Date.now() >= deadline) return false;
    if (!(await heads.purge(partitionKey({ topicId, partition }), deadline))) return false;
  }
  await topics.purgeDone(topicId);
  return true;
}
