import type { HeadStore } from '../log/head-store.js';
import type { PartitionLog } from '../log/partition-log.js';
import { applyRetention } from '../log/retention.js';
import type { SegmentStore } from '../log/segment-store.js';
import { purgeDeletedTopics } from '../topics/topic-purge.js';
import type { TopicStore } from '../topics/topic-store.js';

export interface MaintenanceReport {
  purgedTopics: number;
  partitionsChecked: number;
  segmentsDeleted: number;
}

export interface MaintenanceDeps {
  topics: TopicStore;
  heads: HeadStore;
  log: PartitionLog;
  segments: SegmentStore;
}

const CONCURRENCY = 8;

/** The periodic housekeeping: purge deleted topics, then apply each topic's retention. Idempotent. */
export async function runMaintenance(deps: MaintenanceDeps, now = Date.now()): Promise<MaintenanceReport> {
  const purgedTopics = await purgeDeletedTopics(deps.topics, deps.heads, deps.segments);
  let partitionsChecked = 0;
  let segmentsDeleted = 0;
  for (const topic of await deps.topics.list()) {
    if (!topic.config['cleanup.policy'].includes('delete')) continue;
    const partitions = Array.from({ length: topic.partitions }, (_, partition) => partition);
    for (let i = 0; i < partitions.length; i += CONCURRENCY) {
      const results = await Promise.all(
        partitions.slice(i, i + CONCURRENCY).map((partition) =>
          applyRetention(deps.log, deps.heads, deps.segments, { topicId: topic.topicId, partition }, topic.config, now),
        ),
      );
      partitionsChecked += results.length;
      segmentsDeleted += results.reduce((n, r) => n + r.deletedSegments, 0);
    }
  }
  return { purgedTopics, partitionsChecked, segmentsDeleted };
}
