/**
 * Key schemas of Runnel's DynamoDB tables. The CDK construct and the local provisioner both read these,
 * so what is deployed and what the tests run against cannot drift apart.
 */
export const TOPICS_TABLE_KEYS = { partitionKey: { name: 'name', type: 'S' } } as const;

/** Log table: `p` is `<topicId>#<partition>`; `b` is -1 for the partition head, -2 for its cleaner, else a chunk's base offset. */
export const LOG_TABLE_KEYS = {
  partitionKey: { name: 'p', type: 'S' },
  sortKey: { name: 'b', type: 'N' },
} as const;

export const HEAD_SORT_KEY = -1;

/** The log cleaner's item of a partition (its lease, a swap in progress, segments awaiting deletion). */
export const CLEANER_SORT_KEY = -2;

/** Groups table: `group` is the group id; `item` is `member#<memberId>` or `lease#<topic>#<partition>`. */
export const GROUPS_TABLE_KEYS = {
  partitionKey: { name: 'group', type: 'S' },
  sortKey: { name: 'item', type: 'S' },
} as const;

/**
 * The groups table's TTL attribute (seconds since the epoch): wake-socket registrations carry it, since
 * API Gateway never says when a socket was dropped. Items without it (members, leases) never expire.
 */
export const GROUPS_TABLE_TTL_ATTRIBUTE = 'ttl';

/**
 * A head's watch mark (HeadStore.markWatched): the two attributes a wake socket's `$connect` sets and
 * the stream's dispatcher clears. The stream filters read them by name, and a write that changes only
 * these is no commit.
 */
export const HEAD_WATCH_ATTRIBUTES = { until: 'watchedUntil', by: 'watchedBy' } as const;
