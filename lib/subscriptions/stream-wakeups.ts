import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { PartitionRef } from '../log/partition-log.js';
import { HEAD_SORT_KEY, HEAD_WATCH_ATTRIBUTES, LOG_TABLE_KEYS } from '../storage/schema.js';

const PK = LOG_TABLE_KEYS.partitionKey.name;
const SK = LOG_TABLE_KEYS.sortKey.name;
/** The attribute `HeadStore.markSubscriber` keeps on the heads of subscribed topics: a string set of names. */
const SUBSCRIBERS = 'subscribers';

/**
 * The Lambda event filter of the dispatcher's event source mapping, as a pattern of Lambda event
 * filtering: new images (inserts and updates, not removals) of head items whose topic has push
 * subscriptions. Numbers are strings in DynamoDB JSON, so the head's sort key is matched as "-1"; `exists`
 * applies to the leaf, here the string set. The CDK construct installs it; `streamWakeups` applies the
 * same test itself, so the dispatcher is right even on an unfiltered stream.
 */
export const HEAD_WAKEUP_FILTER = {
  eventName: ['INSERT', 'MODIFY'],
  dynamodb: {
    Keys: { [SK]: { N: [String(HEAD_SORT_KEY)] } },
    NewImage: { [SUBSCRIBERS]: { SS: [{ exists: true }] } },
  },
} as const;

/**
 * The partition of a stream record that writes (inserts or modifies) a live head item, or undefined:
 * another item, a removal, or a deleted topic's fenced head (nothing to deliver or wake there).
 */
export function headWriteOf(record: DynamoDBRecord): PartitionRef | undefined {
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return undefined;
  const image = record.dynamodb?.NewImage;
  if (record.dynamodb?.Keys?.[SK]?.N !== String(HEAD_SORT_KEY) || !image || image.deleted) return undefined;
  const pk = record.dynamodb.Keys[PK]?.S;
  const cut = pk?.lastIndexOf('#') ?? -1;
  if (!pk || cut <= 0) return undefined;
  const partition = Number(pk.slice(cut + 1));
  if (!Number.isInteger(partition) || partition < 0 || pk.slice(cut + 1) !== String(partition)) return undefined;
  return { topicId: pk.slice(0, cut), partition };
}

const WATCH_ATTRIBUTES: readonly string[] = Object.values(HEAD_WATCH_ATTRIBUTES);

/**
 * Whether a modification changed nothing but the head's watch mark (a wake socket's `$connect`, or the
 * wake notifier clearing it): no commit and no subscription change, so nothing to deliver. HEAD_WAKEUP_FILTER
 * passes such a write on a subscribed head (a filter cannot compare the images); the old image tells.
 */
function onlyWatchMarkChanged(record: DynamoDBRecord): boolean {
  const before = record.dynamodb?.OldImage;
  const after = record.dynamodb?.NewImage;
  if (record.eventName !== 'MODIFY' || !before || !after) return false;
  const rest = (image: NonNullable<typeof before>) =>
    JSON.stringify(Object.entries(image).filter(([name]) => !WATCH_ATTRIBUTES.includes(name)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return rest(before) === rest(after);
}

/**
 * The partition a stream record wakes, or undefined when the record is not a live head of a subscribed
 * topic, or changed only the head's watch mark.
 */
export function wakeupOf(record: DynamoDBRecord): PartitionRef | undefined {
  if (!record.dynamodb?.NewImage?.[SUBSCRIBERS]?.SS?.length || onlyWatchMarkChanged(record)) return undefined;
  return headWriteOf(record);
}

/**
 * The partitions a batch of the log table's stream records wakes: heads of topics with subscribers only,
 * each partition once, in the order of its first record. Once is enough: a woken dispatcher delivers
 * from the subscription's committed offset up to the head's `nextOffset` as it reads it then, which
 * covers every commit of the batch.
 */
export function streamWakeups(event: DynamoDBStreamEvent): PartitionRef[] {
  const seen = new Map<string, PartitionRef>();
  for (const record of event.Records) {
    const ref = wakeupOf(record);
    const key = ref && `${ref.topicId}#${ref.partition}`;
    if (ref && key && !seen.has(key)) seen.set(key, ref);
  }
  return [...seen.values()];
}
