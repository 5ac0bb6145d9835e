import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { headWriteOf } from '../subscriptions/stream-wakeups.js';
import { HEAD_SORT_KEY, HEAD_WATCH_ATTRIBUTES, LOG_TABLE_KEYS } from '../storage/schema.js';

const { until: WATCHED_UNTIL, by: WATCHED_BY } = HEAD_WATCH_ATTRIBUTES;

/**
 * The filter of the wake notifier's event source mapping (the dispatcher's has HEAD_WAKEUP_FILTER): modifications of
 * head items that were watched before the write and still are after it. So a topic nobody watches costs
 * no invocation (S5), and neither does the write that first marks a head, nor the one that clears it.
 * The filter cannot compare two fields, so a write that renews a mark does invoke the function, which
 * then finds that `nextOffset` did not move and wakes nobody (`watchedCommits`).
 */
export const WATCHED_HEAD_FILTER = {
  eventName: ['MODIFY'],
  dynamodb: {
    Keys: { [LOG_TABLE_KEYS.sortKey.name]: { N: [String(HEAD_SORT_KEY)] } },
    OldImage: { [WATCHED_UNTIL]: { N: [{ exists: true }] } },
    NewImage: { [WATCHED_UNTIL]: { N: [{ exists: true }] } },
  },
} as const;

/** A commit on a watched partition: who marked it last, and until when, as the latest record of it shows. */
export interface WatchedCommit {
  topicId: string;
  partition: number;
  mark: { until: number; by: string };
}

const nextOffsetOf = (image: NonNullable<DynamoDBRecord['dynamodb']>['NewImage']) => Number(image?.nextOffset?.N ?? NaN);

/**
 * The watched partitions whose `nextOffset` advanced in a batch of the log table's stream records (the
 * table streams new and old images), each once, with the mark of its latest record. A write that only
 * (re)marks, rolls the tail or moves the log start advances nothing, so it wakes nobody. The same test
 * as WATCHED_HEAD_FILTER is applied here, so the function is right on an unfiltered stream too.
 */
export function watchedCommits(event: DynamoDBStreamEvent): WatchedCommit[] {
  const commits = new Map<string, WatchedCommit & { advanced: boolean }>();
  for (const record of event.Records) {
    const ref = record.eventName === 'MODIFY' ? headWriteOf(record) : undefined;
    const before = record.dynamodb?.OldImage;
    const after = record.dynamodb?.NewImage;
    const until = Number(after?.[WATCHED_UNTIL]?.N ?? NaN);
    const by = after?.[WATCHED_BY]?.S;
    if (!ref || before?.[WATCHED_UNTIL]?.N === undefined || Number.isNaN(until) || by === undefined) continue;
    const key = `${ref.topicId}#${ref.partition}`;
    const advanced = nextOffsetOf(after) > nextOffsetOf(before) || commits.get(key)?.advanced === true;
    commits.set(key, { ...ref, mark: { until, by }, advanced });
  }
  return [...commits.values()].filter((c) => c.advanced).map(({ advanced: _, ...commit }) => commit);
}
