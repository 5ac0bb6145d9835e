import type { RunnelFunction } from './functions.js';

/** What a function's storage grant is on: a table, the bucket itself (LIST), or the segment objects in it. */
export type StorageResource = 'topics' | 'log' | 'groups' | 'bucket' | 'objects';

export interface StorageGrant {
  readonly on: StorageResource;
  readonly actions: readonly string[];
}

/**
 * Exactly the storage calls each function's lib/ code paths make, and no more: the construct turns each
 * row into one policy statement on the function's own role. A new code path that calls storage adds its
 * actions here, with the reason in the comment above the function's rows.
 */
export const STORAGE_GRANTS: Readonly<Record<RunnelFunction, readonly StorageGrant[]>> = {
  // Topic lookup; segment PUT, and DELETE of its own uncommitted object after a duplicate; head append and
  // roll; batched head reads (an idempotent request's sequence check across partitions); chunk Query (did an
  // append whose answer was lost commit?).
  produce: [
    { on: 'topics', actions: ['dynamodb:GetItem'] },
    { on: 'objects', actions: ['s3:PutObject', 's3:DeleteObject'] },
    { on: 'log', actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:Query'] },
  ],

  // Topic lookup; head and chunk reads; segment GETs.
  fetch: [
    { on: 'topics', actions: ['dynamodb:GetItem'] },
    { on: 'log', actions: ['dynamodb:GetItem', 'dynamodb:Query'] },
    { on: 'objects', actions: ['s3:GetObject'] },
  ],

  // Topic CRUD (UpdateItem: altering configs, adding partitions) and the purge marker; head creation, batched head reads, fencing a deleted topic's heads,
  // and the cleanup of a lost create race.
  // Push subscriptions: their items and their group's leases; marking heads (UpdateItem); describe's age of
  // the oldest undelivered record reads the head, the index and one segment.
  admin: [
    { on: 'topics', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'] },
    { on: 'log', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:DeleteItem'] },
    { on: 'groups', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:Scan'] },
    { on: 'objects', actions: ['s3:GetObject'] },
  ],

  // Members, leases and committed offsets (Scan lists groups); topic lookup; heads for lag; and an offset
  // reset by timestamp, which searches the index and reads a segment.
  groups: [
    { on: 'groups', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:Scan'] },
    { on: 'topics', actions: ['dynamodb:GetItem'] },
    { on: 'log', actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] },
    { on: 'objects', actions: ['s3:GetObject'] },
  ],

  // Push subscriptions, woken by the stream: the subscription and its delivery state (a lease item, taken,
  // committed and released with conditional writes); topic lookup; head, chunk and segment reads; and the
  // produce path for dead letters.
  dispatcher: [
    { on: 'groups', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'] },
    { on: 'topics', actions: ['dynamodb:GetItem'] },
    { on: 'log', actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:Query'] },
    { on: 'objects', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'] },
  ],

  // Runnel.subscribe's custom resource runs the subscriptions admin, as the admin function does: create
  // (with its dead-letter topic and the marks on the topic's heads), change and delete.
  'subscription-resource': [
    { on: 'topics', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'] },
    { on: 'log', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:DeleteItem'] },
    { on: 'groups', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:Scan'] },
    { on: 'objects', actions: ['s3:GetObject'] },
  ],

  // A wake socket's $connect: the topic (read fresh), its registration (PutItem), and a watch mark on each
  // watched head (UpdateItem of two attributes only). Deployed only with wake sockets on.
  'wake-connect': [
    { on: 'topics', actions: ['dynamodb:GetItem'] },
    { on: 'groups', actions: ['dynamodb:PutItem'] },
    { on: 'log', actions: ['dynamodb:UpdateItem'] },
  ],

  // Socket wakes, woken by the stream: Query a topic's registrations, delete each once woken (DeleteItem),
  // and clear a head's watch mark (a conditional UpdateItem). Deployed only with wake sockets on.
  'wake-notifier': [
    { on: 'groups', actions: ['dynamodb:Query', 'dynamodb:DeleteItem'] },
    { on: 'log', actions: ['dynamodb:UpdateItem'] },
  ],

  // Purge of deleted topics (markers, segments by prefix, heads and chunks); retention (advance the log
  // start, drop expired chunks and their segments); the orphan sweep (LIST a partition, read its index);
  // compaction and merging (read segments, write the rewritten ones, swap chunks with PutItem); resuming
  // push-subscription retries that are due (Scan lists subscriptions, head bounds in batches, then what the
  // dispatcher does).
  maintenance: [
    { on: 'topics', actions: ['dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:DeleteItem'] },
    { on: 'log', actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] },
    { on: 'groups', actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:Scan'] },
    { on: 'bucket', actions: ['s3:ListBucket'] },
    { on: 'objects', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'] },
  ],
};

/**
 * Added only when the construct's `autoCreateTopics` turns Kafka's auto.create.topics.enable on: a
 * produce (the dispatcher's dead letters included) or a group member's join creates a missing topic,
 * its item and its heads, and removes the heads again when another request created the topic first.
 */
export const AUTO_CREATE_TOPIC_GRANTS: Readonly<Partial<Record<RunnelFunction, readonly StorageGrant[]>>> = {
  produce: [
    { on: 'topics', actions: ['dynamodb:PutItem'] },
    { on: 'log', actions: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem'] },
  ],
  groups: [
    { on: 'topics', actions: ['dynamodb:PutItem'] },
    { on: 'log', actions: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem'] },
  ],
  dispatcher: [
    { on: 'topics', actions: ['dynamodb:PutItem'] },
    { on: 'log', actions: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem'] },
  ],
};
