import type { HeadStore } from '../log/head-store.js';
import type { PartitionLog } from '../log/partition-log.js';
import { applyRetention } from '../log/retention.js';
import { sweepOrphans } from '../log/orphan-sweep.js';
import type { SegmentStore } from '../log/segment-store.js';
import { purgeDeletedTopics } from '../topics/topic-purge.js';
import type { TopicStore } from '../topics/topic-store.js';
import { logger } from '../observability/logger.js';

export interface MaintenanceReport {
  purgedTopics: number;
  partitionsChecked: number;
  segmentsDeleted: number;
  orphansDeleted: number;
  /** Partitions whose housekeeping failed this run (logged); the next run tries them again. */
  partitionsFailed: number;
}

export interface MaintenanceOptions {
  now?: number;
  /** Also delete segment objects that were written but never committed. It LISTs every partition, so run it rarely (daily). */
  sweepOrphans?: boolean;
}

/** Far longer than any append can take after its PUT (a Lambda lives at most 15 minutes). */
export const ORPHAN_MIN_AGE_MS = 60 * 60 * 1000;

export interface MaintenanceDeps {
  topics: TopicStore;
  heads: HeadStore;
  log: PartitionLog;
  segments: SegmentStore;
}

const CONCURRENCY = 8;

/**
 * The periodic housekeeping: purge deleted topics, apply each topic's retention and, when asked,
 * sweep orphaned segments. Every step is idempotent, so overlapping or interrupted runs are harmless.
 */
export async function runMaintenance(deps: MaintenanceDeps, options: MaintenanceOptions = {}): Promise<MaintenanceReport> {
  const now = options.now ?? Date.now();
  const report: MaintenanceReport = { purgedTopics: 0, partitionsChecked: 0, segmentsDeleted: 0, orphansDeleted: 0, partitionsFailed: 0 };
  report.purgedTopics = await purgeDeletedTopics(deps.topics, deps.heads, deps.segments);
  for (const topic of await deps.topics.list()) {
    const trims = topic.config['cleanup.policy'].includes('delete');
    const partitions = Array.from({ length: topic.partitions }, (_, partition) => ({ topicId: topic.topicId, partition }));
    for (let i = 0; i < partitions.length; i += CONCURRENCY) {
      await Promise.all(
        partitions.slice(i, i + CONCURRENCY).map(async (ref) => {
          try {
            if (trims) report.segmentsDeleted += (await applyRetention(deps.log, deps.heads, deps.segments, ref, topic.config, now)).deletedSegments;
            if (options.sweepOrphans) report.orphansDeleted += await sweepOrphans(deps.heads, deps.segments, ref, ORPHAN_MIN_AGE_MS, now);
            report.partitionsChecked++;
          } catch (error) {
            // One partition's failure (a deleted topic, a throttle) must not starve the others.
            report.partitionsFailed++;
            logger.warn('maintenance of a partition failed', { topic: topic.name, partition: ref.partition, error });
          }
        }),
      );
    }
  }
  return report;
}
