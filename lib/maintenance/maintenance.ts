import type { HeadStore } from '../log/head-store.js';
import type { PartitionLog, PartitionRef } from '../log/partition-log.js';
import type { CleanerOptions, CleanerResult, LogCleaner } from '../log/log-cleaner.js';
import { applyRetention } from '../log/retention.js';
import { sweepOrphans } from '../log/orphan-sweep.js';
import type { SegmentStore } from '../log/segment-store.js';
import { purgeDeletedTopics } from '../topics/topic-purge.js';
import type { TopicStore } from '../topics/topic-store.js';
import { logger } from '../observability/logger.js';

export interface MaintenanceReport {
  purgedTopics: number;
  /** Deleted topics whose purge failed this run (logged); the next run tries them again. */
  purgesFailed: number;
  partitionsChecked: number;
  segmentsDeleted: number;
  orphansDeleted: number;
  /** Partitions whose retention, cleaning or sweep failed this run (logged); the next run tries them again. */
  partitionsFailed: number;
  /** What compaction and merging did (docs/compaction.md). */
  cleaning: CleaningReport;
}

export interface CleaningReport {
  /** Partitions whose compaction pass ran to its end. */
  partitionsCompacted: number;
  /** Index swaps: runs of chunks replaced by one, with their rewritten segments. */
  swaps: number;
  recordsRemoved: number;
  segmentsReplaced: number;
  segmentsWritten: number;
  bytesReplaced: number;
  bytesWritten: number;
  /** Replaced segments deleted once their delay was over. */
  replacedSegmentsDeleted: number;
}

export interface MaintenanceOptions {
  now?: number;
  /** Also delete segment objects that were written but never committed. It LISTs every partition, so run it rarely (daily). */
  sweepOrphans?: boolean;
  /**
   * Wall-clock time after which the run starts no more deletions (each stops after its current batch);
   * what is left is done by the next run. Default 10 minutes, well inside the Lambda's 15.
   */
  budgetMs?: number;
  /** Compaction and merging settings (target segment size, ages); defaults in log-cleaner.ts. */
  cleaner?: Partial<CleanerOptions>;
}

/** Far longer than any append can take after its PUT (a Lambda lives at most 15 minutes). */
export const ORPHAN_MIN_AGE_MS = 60 * 60 * 1000;

export const DEFAULT_MAINTENANCE_BUDGET_MS = 10 * 60 * 1000;

export interface MaintenanceDeps {
  topics: TopicStore;
  heads: HeadStore;
  log: PartitionLog;
  segments: SegmentStore;
  cleaner: LogCleaner;
}

const CONCURRENCY = 8;

/**
 * The periodic housekeeping: purge deleted topics, apply each topic's retention, compact and merge
 * (the log cleaner: it only schedules them here) and, when asked, sweep orphaned segments. Every step is idempotent, so overlapping or interrupted runs are harmless,
 * and each is isolated: a purge that fails, or one partition's retention or sweep, stops nothing else.
 */
export async function runMaintenance(deps: MaintenanceDeps, options: MaintenanceOptions = {}): Promise<MaintenanceReport> {
  const now = options.now ?? Date.now();
  // Without a fixed `now` (tests set one) the run reads the wall clock as it goes: a partition reached
  // late in a long run is judged, and its deletion delay counted, from when it is reached.
  const clock = options.now === undefined ? () => Date.now() : () => now;
  const deadline = Date.now() + (options.budgetMs ?? DEFAULT_MAINTENANCE_BUDGET_MS);
  const cleaning: CleaningReport = {
    partitionsCompacted: 0,
    swaps: 0,
    recordsRemoved: 0,
    segmentsReplaced: 0,
    segmentsWritten: 0,
    bytesReplaced: 0,
    bytesWritten: 0,
    replacedSegmentsDeleted: 0,
  };
  const report: MaintenanceReport = { purgedTopics: 0, purgesFailed: 0, partitionsChecked: 0, segmentsDeleted: 0, orphansDeleted: 0, partitionsFailed: 0, cleaning };
  const addCleaning = (r: CleanerResult) => {
    if (r.compacted) cleaning.partitionsCompacted++;
    cleaning.swaps += r.swaps;
    cleaning.recordsRemoved += r.recordsRemoved;
    cleaning.segmentsReplaced += r.segmentsReplaced;
    cleaning.segmentsWritten += r.segmentsWritten;
    cleaning.bytesReplaced += r.bytesReplaced;
    cleaning.bytesWritten += r.bytesWritten;
    cleaning.replacedSegmentsDeleted += r.garbageDeleted;
  };
  try {
    const purge = await purgeDeletedTopics(deps, deadline);
    report.purgedTopics = purge.purged;
    report.purgesFailed = purge.failed;
  } catch (error) {
    report.purgesFailed++;
    logger.warn('listing the deleted topics to purge failed', { error });
  }
  for (const topic of await deps.topics.list()) {
    const trims = topic.config['cleanup.policy'].includes('delete');
    const partitions = Array.from({ length: topic.partitions }, (_, partition) => ({ topicId: topic.topicId, partition }));
    const step = async (what: string, ref: PartitionRef, run: () => Promise<void>) => {
      try {
        await run();
        return true;
      } catch (error) {
        logger.warn(`${what} of a partition failed`, { topic: topic.name, partition: ref.partition, error });
        return false;
      }
    };
    for (let i = 0; i < partitions.length; i += CONCURRENCY) {
      await Promise.all(
        partitions.slice(i, i + CONCURRENCY).map(async (ref) => {
          const retained = await step('retention', ref, async () => {
            if (trims) report.segmentsDeleted += (await applyRetention({ log: deps.log, heads: deps.heads, segments: deps.segments, ref, config: topic.config, clock, deadline })).deletedSegments;
          });
          const cleaned = await step('compaction and merging', ref, async () => {
            if (Date.now() < deadline) addCleaning(await deps.cleaner.clean(ref, topic.config, { clock, deadline, options: options.cleaner }));
          });
          const swept = await step('orphan sweep', ref, async () => {
            if (options.sweepOrphans && Date.now() < deadline) report.orphansDeleted += await sweepOrphans({ heads: deps.heads, segments: deps.segments, ref, minAgeMs: ORPHAN_MIN_AGE_MS, now, deadline });
          });
          if (retained && cleaned && swept) report.partitionsChecked++;
          else report.partitionsFailed++;
        }),
      );
    }
  }
  return report;
}
