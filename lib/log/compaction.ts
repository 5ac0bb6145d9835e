import type { StoredRecord } from '../codec/record.js';
import type { TopicConfig } from '../topics/topic-config.js';
import type { PlacedEntry } from './entry.js';

/**
 * The pure part of log compaction (Kafka's `cleanup.policy=compact`): which records survive, how far
 * the log may be compacted, and when a compaction is due. The swap that puts the result in place is in
 * log-cleaner.ts and head-store.ts; the protocol is docs/compaction.md.
 */

/** A record at its offset. */
export interface OffsetRecord {
  offset: number;
  record: StoredRecord;
}

/** The compaction configs of a topic, with Kafka's meanings. */
export interface CompactionSettings {
  /** How long a tombstone (a null value) stays readable after it is written. */
  deleteRetentionMs: number;
  /** A record stays uncompacted at least this long after it is written. */
  minCompactionLagMs: number;
  /** A record becomes due for compaction at most this long after it is written, whatever the dirty ratio. */
  maxCompactionLagMs: number;
  /** Compact when at least this share of the cleanable bytes is dirty (written since the last compaction). */
  minCleanableDirtyRatio: number;
}

export const compactionSettings = (config: TopicConfig): CompactionSettings => ({
  deleteRetentionMs: config['delete.retention.ms'],
  minCompactionLagMs: config['min.compaction.lag.ms'],
  maxCompactionLagMs: config['max.compaction.lag.ms'],
  minCleanableDirtyRatio: config['min.cleanable.dirty.ratio'],
});

export const compacts = (config: TopicConfig): boolean => config['cleanup.policy'].includes('compact');

/** A key as a map key: the same bytes are the same key, however the producer gave them. */
const keyOf = (record: StoredRecord): string | undefined => (record.key ? Buffer.from(record.key).toString('latin1') : undefined);

/** The offset of each key's latest record among `records`. */
export function latestOffsets(records: Iterable<OffsetRecord>, into = new Map<string, number>()): Map<string, number> {
  for (const { offset, record } of records) {
    const key = keyOf(record);
    if (key !== undefined && offset > (into.get(key) ?? -1)) into.set(key, offset);
  }
  return into;
}

export interface SurvivesOptions {
  entry: OffsetRecord;
  latest: Map<string, number>;
  now: number;
  settings: CompactionSettings;
}

/**
 * Whether a record survives compaction, given the latest offset of each key in the range being
 * compacted: the latest record of its key survives, and so does a record without a key (compacted
 * topics refuse those on produce; one written before cannot be compacted away). A tombstone, even the
 * latest, survives only until `deleteRetentionMs` after its timestamp, so that a consumer reading from
 * the start within that time still sees the delete.
 */
export function survives({ entry: { offset, record }, latest, now, settings }: SurvivesOptions): boolean {
  const key = keyOf(record);
  if (key === undefined) return true;
  if ((latest.get(key) ?? offset) > offset) return false;
  return record.value !== null || now < record.timestamp + settings.deleteRetentionMs;
}

export interface CleanableEndOptions {
  entries: PlacedEntry[];
  tailBase: number;
  now: number;
  settings: CompactionSettings;
  young: (e: PlacedEntry) => boolean;
}

/**
 * Where compaction must stop: the base of the first entry that is still too young under
 * `min.compaction.lag.ms` (its newest record is younger than the lag) or under `settledBefore` (written
 * so recently that an append whose answer was lost may still be looking for it; see log-cleaner.ts),
 * and never past the tail, the active part of the log. `entries` run from the log start to the tail base.
 */
export function cleanableEnd({ entries, tailBase, now, settings, young }: CleanableEndOptions): number {
  const first = entries.find((e) => e.maxTimestamp > now - settings.minCompactionLagMs || young(e));
  return first ? Math.min(first.baseOffset, tailBase) : tailBase;
}

/** The cleanable part of a log: bytes compacted before (clean) and written since (dirty). */
export interface DirtyState {
  cleanBytes: number;
  dirtyBytes: number;
  /** The newest record timestamp of the first dirty entry: how long the dirty part has waited, at least. */
  firstDirtyTimestamp: number | undefined;
}

/** Splits the cleanable entries at `cleanedThrough`, the end of the last compaction. */
export function dirtyState(cleanable: PlacedEntry[], cleanedThrough: number): DirtyState {
  const state: DirtyState = { cleanBytes: 0, dirtyBytes: 0, firstDirtyTimestamp: undefined };
  for (const e of cleanable) {
    if (e.baseOffset + e.count <= cleanedThrough) state.cleanBytes += e.bytes;
    else {
      state.dirtyBytes += e.bytes;
      state.firstDirtyTimestamp ??= e.maxTimestamp;
    }
  }
  return state;
}

/**
 * Kafka's test: compact when the dirty share of the cleanable bytes reaches `min.cleanable.dirty.ratio`,
 * or when the dirty part has waited `max.compaction.lag.ms`. Nothing dirty, nothing to do.
 */
export function compactionDue(state: DirtyState, now: number, settings: CompactionSettings): boolean {
  if (state.dirtyBytes === 0) return false;
  if (state.dirtyBytes / (state.cleanBytes + state.dirtyBytes) >= settings.minCleanableDirtyRatio) return true;
  return state.firstDirtyTimestamp !== undefined && now - state.firstDirtyTimestamp >= settings.maxCompactionLagMs;
}
