import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { RunnelConfig } from '../config.js';
import { HeadStore } from '../log/head-store.js';
import { createDynamoClient } from '../storage/dynamo-client.js';
import { headWriteOf } from '../subscriptions/stream-wakeups.js';
import { connectionPoster } from './connection-poster.js';
import { SocketWaker } from './socket-waker.js';
import { WakeRegistrationStore } from './wake-registrations.js';
import { watchedCommits, type WatchedCommit } from './watched-commits.js';

/**
 * A batch's failed wakes as Lambda's partial batch response for a stream: the sequence number of the
 * batch's first record on a partition whose wake failed. Lambda takes the records before it as done and
 * retries from it, so a retry sees that partition's commits again (and the later records of others,
 * whose sockets, already woken, have no registration left to post to).
 */
export function batchItemFailures(event: DynamoDBStreamEvent, failed: readonly WatchedCommit[]): DynamoDBBatchResponse {
  if (!failed.length) return { batchItemFailures: [] };
  const keys = new Set(failed.map((c) => `${c.topicId}#${c.partition}`));
  const first =
    event.Records.find((r) => {
      const ref = headWriteOf(r);
      return ref !== undefined && keys.has(`${ref.topicId}#${ref.partition}`);
    }) ?? event.Records[0];
  const id = first?.dynamodb?.SequenceNumber;
  // An item failure without an identifier fails the whole batch, which is retried too.
  return { batchItemFailures: [{ itemIdentifier: id ?? '' }] };
}

/**
 * The wake notifier (lambdas/wake-notifier.ts), invoked by its own event source mapping on the log table's
 * stream with the commits of watched heads only (WATCHED_HEAD_FILTER): it wakes their sockets, apart from
 * the dispatcher, so that no subscription's delivery (its retries, its batching window) holds a wake up.
 * It reports the wakes that failed so that the mapping retries them. Over DynamoDB and the Management API
 * alone: it never builds an S3 client.
 */
export function wakeNotifierFunction(config: RunnelConfig): (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse> {
  if (!config.wakeCallbackUrl) throw new Error('the wake notifier needs RUNNEL_WAKE_CALLBACK_URL, the wake stage’s callback URL');
  const dynamo = createDynamoClient(config);
  const waker = new SocketWaker({
    heads: new HeadStore(dynamo, config.logTable),
    registrations: new WakeRegistrationStore(dynamo, config.groupsTable),
    poster: connectionPoster({ region: config.region, callbackUrl: config.wakeCallbackUrl, credentials: config.credentials }),
  });
  return async (event) => batchItemFailures(event, (await waker.wake(watchedCommits(event))).failed);
}
